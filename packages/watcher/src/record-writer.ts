import { formatHostPort, zkPaths, type HostPort, type TxOp, type Zk } from '@redis-zk/core';
import { parseEpoch, parseRecord, type MasterRecord } from './state.js';

/** One group's record as stored now, with what the version-checked write needs. */
export interface StoredGroup {
  /** For the default group `/redis/master` (what clients read); else `/redis/masters/<name>`. */
  record: MasterRecord;
  /** The default group's `/redis/masters/<name>` equals `/redis/master` (always true for others). */
  inSync: boolean;
  epoch: number | undefined;
  /** Version of `/redis/epochs/<name>`; undefined when it does not exist. */
  epochVersion: number | undefined;
  groupExists: boolean;
  masterExists: boolean;
}

export async function readGroup(zk: Zk, name: string, isDefault: boolean): Promise<StoredGroup> {
  // The epoch first: reads are not a snapshot, but any write after this read bumps the epoch's
  // version, so a decision on records read later fails its version check and is made again.
  // "First" needs no extra round trip: ZooKeeper answers one session's requests in the order
  // sent, and Zk hands them to the connection in call order, so the three are pipelined.
  const [epoch, group, master] = await Promise.all([
    zk.get(zkPaths.epochOf(name)),
    zk.get(zkPaths.masterOf(name)),
    isDefault ? zk.get(zkPaths.MASTER) : Promise.resolve(undefined),
  ]);
  const groupText = group?.data.toString('utf8');
  const masterText = master?.data.toString('utf8');
  return {
    record: parseRecord(isDefault ? masterText : groupText),
    inSync: !isDefault || groupText === masterText,
    epoch: parseEpoch(epoch?.data.toString('utf8')),
    epochVersion: epoch?.stat.version,
    groupExists: group !== undefined,
    masterExists: master !== undefined,
  };
}

/**
 * One transaction: the record(s) and the epoch beside them. The epoch node carries the version
 * check, so of several watchers deciding on the same read only one write lands; the others get
 * ZK_BAD_VERSION (or ZK_NODE_EXISTS when it did not exist yet), re-read and re-decide.
 */
export async function writeRecord(zk: Zk, name: string, isDefault: boolean, stored: StoredGroup, master: HostPort, epoch: number): Promise<void> {
  const data = formatHostPort(master);
  const version = stored.epochVersion;
  const ops: TxOp[] = [
    version === undefined
      ? { op: 'create', path: zkPaths.epochOf(name), data: String(epoch) }
      : { op: 'set', path: zkPaths.epochOf(name), data: String(epoch), version },
    stored.groupExists ? { op: 'set', path: zkPaths.masterOf(name), data } : { op: 'create', path: zkPaths.masterOf(name), data },
  ];
  if (isDefault) ops.push(stored.masterExists ? { op: 'set', path: zkPaths.MASTER, data } : { op: 'create', path: zkPaths.MASTER, data });
  await zk.transaction(ops);
}
