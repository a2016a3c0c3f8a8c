import {
  type HostPort,
  type NodeData,
  parseHostPort,
  probeRedis,
  type RedisAuth,
  type RedisProbe,
  sameHostPort,
  sentinelMasterAddr,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import { type NodeView, type Observation, settledWithoutNodes } from './decide.js';
import { classifyRecord } from './record.js';

/** What a claim or handover must write over: the versions read under the lock. */
export interface RecordVersions {
  master: number | undefined;
  group: number | undefined;
}

export interface Observed {
  obs: Observation;
  versions: RecordVersions;
  /** Other live wrappers registered (probed only when the decision needs them). */
  registeredNodes: number;
}

async function readChildren(zk: Zk, dir: string): Promise<string[]> {
  const names = await zk.children(dir);
  const values = await Promise.all(names.map((n) => zk.get(`${dir}/${n}`).catch(() => undefined)));
  return values.flatMap((v) => (v === undefined ? [] : [v.data.toString('utf8')]));
}

function addresses(values: string[]): HostPort[] {
  const out: HostPort[] = [];
  for (const v of values) {
    const p = parseHostPort(v);
    if (p.ok && !out.some((a) => sameHostPort(a, p.value))) out.push(p.value);
  }
  return out;
}

/** The address a majority of the answering sentinels report, if any. */
export function agreedAddress(answers: (HostPort | undefined)[]): HostPort | undefined {
  const known = answers.filter((a): a is HostPort => a !== undefined);
  for (const a of known) {
    const votes = known.filter((b) => sameHostPort(a, b)).length;
    if (votes * 2 > known.length) return a;
  }
  return undefined;
}

/** Gathers the Observation: ZooKeeper reads, then every probe in parallel. */
export async function observe(zk: Zk, self: HostPort, masterName: string, auth: RedisAuth): Promise<Observed> {
  const [masterNode, groupNode, sentinelValues, nodeValues]: [NodeData | undefined, NodeData | undefined, string[], string[]] = await Promise.all([
    zk.get(zkPaths.MASTER),
    zk.get(zkPaths.masterOf(masterName)),
    readChildren(zk, zkPaths.SENTINELS),
    readChildren(zk, zkPaths.NODES),
  ]);
  const record = classifyRecord(masterNode?.data.toString('utf8'));
  const sentinels = addresses(sentinelValues);
  const others = addresses(nodeValues).filter((a) => !sameHostPort(a, self));

  const recordAddr = record.kind === 'valid' && !sameHostPort(record.addr, self) ? record.addr : undefined;
  const [recordProbe, sentinelAnswers] = await Promise.all([
    recordAddr ? probeRedis(recordAddr, auth) : Promise.resolve(undefined),
    Promise.all(sentinels.map((s) => sentinelMasterAddr(s, auth, masterName).catch(() => undefined))),
  ]);
  const sentinelMaster = agreedAddress(sentinelAnswers);
  let sentinelMasterProbe: RedisProbe | undefined;
  if (sentinelMaster !== undefined && !sameHostPort(sentinelMaster, self)) {
    sentinelMasterProbe = sameHostPort(sentinelMaster, recordAddr) ? recordProbe : await probeRedis(sentinelMaster, auth);
  }
  const obs: Observation = { self, record, recordProbe, sentinelCount: sentinels.length, sentinelMaster, sentinelMasterProbe, nodes: [] };
  const versions = { master: masterNode?.stat.version, group: groupNode?.stat.version };
  // A live master (recorded or the sentinels') settles it whatever the other nodes hold: skip
  // probing every node, which each of twenty wrappers starting together would do under the lock.
  if (settledWithoutNodes(obs)) return { obs, versions, registeredNodes: others.length };
  obs.nodes = await Promise.all(others.map(async (addr): Promise<NodeView> => ({ addr, probe: await probeRedis(addr, auth) })));
  return { obs, versions, registeredNodes: others.length };
}
