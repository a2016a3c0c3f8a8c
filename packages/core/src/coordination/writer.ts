import { isRedisZkError } from '../errors.js';
import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import type { TxOp, Zk } from '../zk/client.js';
import * as paths from '../zk/paths.js';
import { appendHistory, type ChangeCause } from './history.js';
import type { GroupSnapshot } from './snapshot.js';

/**
 * The one writer of a group's record: the epoch node and the record(s) in one transaction, each
 * checked against the version in the snapshot the decision was made on. Whoever wrote since (the
 * watcher, a server's claim, another watcher) makes this fail with ZK_BAD_VERSION, or
 * ZK_NODE_EXISTS where a node was absent; the caller reads a new snapshot and decides again.
 * `epoch` defaults to the stored one (a server's claim or handover does not know a newer one).
 */
export function recordOps(s: Pick<GroupSnapshot, 'name' | 'isDefault' | 'versions' | 'epoch' | 'record' | 'history' | 'historyDir'>, master: HostPort, cause: ChangeCause, epoch = s.epoch ?? 0): TxOp[] {
  const data = formatHostPort(master);
  const op = (path: string, version: number | undefined, value: string): TxOp =>
    version === undefined ? { op: 'create', path, data: value, mode: 'persistent' } : { op: 'set', path, data: value, version };
  const ops = [op(paths.epochOf(s.name), s.versions.epoch, String(epoch)), op(paths.masterOf(s.name), s.versions.group, data)];
  if (s.isDefault) ops.push(op(paths.MASTER, s.versions.master, data));
  // A change of master is kept in the group's history, in this same transaction (an epoch
  // brought in line is not a change).
  const from = s.record.kind === 'valid' ? s.record.addr : undefined;
  if (!sameHostPort(from, master)) {
    if (!s.historyDir) ops.push({ op: 'create', path: paths.HISTORY, mode: 'persistent' });
    ops.push(op(paths.historyOf(s.name), s.versions.history, JSON.stringify(appendHistory(s.history, { from, to: master, epoch, cause }))));
  }
  return ops;
}

export async function writeRecord(zk: Zk, s: GroupSnapshot, master: HostPort, cause: ChangeCause, epoch?: number): Promise<void> {
  await zk.transaction(recordOps(s, master, cause, epoch));
}

/** A lost race with another writer (or a parent node missing): read a new snapshot and decide again. */
export function isRecordConflict(err: unknown): boolean {
  return isRedisZkError(err, 'ZK_BAD_VERSION') || isRedisZkError(err, 'ZK_NODE_EXISTS') || isRedisZkError(err, 'ZK_NO_NODE');
}
