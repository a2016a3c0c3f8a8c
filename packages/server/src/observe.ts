import {
  askOnce,
  askSentinels,
  type GroupSnapshot,
  type HostPort,
  probeRedis,
  readGroupSnapshot,
  type RedisAuth,
  type RedisProbe,
  sameHostPort,
  type SentinelVerdict,
  sentinelVerdict,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import type { GroupIdentity } from './decide-group.js';
import { type HeldView, type NodeView, type Observation, settledWithoutNodes } from './decide.js';

export interface Observed {
  obs: Observation;
  /** What the one writer checks a claim or handover against. */
  snapshot: GroupSnapshot;
  verdict: SentinelVerdict;
  /** Other live wrappers registered (probed only when the decision needs them). */
  registeredNodes: number;
}

/** After a majority of the registered sentinels answered, how long the others still get. */
const STRAGGLER_GRACE_MS = 100;

/** What the registered sentinels say of the group, by the one authority rule (a majority of them). */
export async function askGroupSentinels(sentinels: readonly HostPort[], masterName: string, auth: RedisAuth): Promise<SentinelVerdict> {
  const answers = await askSentinels(sentinels, masterName, askOnce(auth), { graceMs: STRAGGLER_GRACE_MS, deadlineMs: auth.timeoutMs });
  return sentinelVerdict(sentinels.length, answers);
}

/** Gathers the Observation: one group snapshot, then every probe in parallel. */
export async function observe(zk: Zk, self: HostPort, group: zkPaths.GroupLayout, auth: RedisAuth, sentinelAuth: RedisAuth, held?: HeldView): Promise<Observed> {
  const snapshot = await readGroupSnapshot(zk, group.name, { isDefault: group.isDefault });
  const record = snapshot.record;
  const sentinels = snapshot.sentinels.map((m) => m.addr);
  const others = snapshot.nodes.map((m) => m.addr).filter((a) => !sameHostPort(a, self));

  const recordAddr = record.kind === 'valid' && !sameHostPort(record.addr, self) ? record.addr : undefined;
  const [recordProbe, verdict, pausedNode] = await Promise.all([
    recordAddr ? probeRedis(recordAddr, auth) : Promise.resolve(undefined),
    askGroupSentinels(sentinels, group.name, sentinelAuth),
    zk.exists(zkPaths.pausedOf(group.name)),
  ]);
  const sentinelMaster = verdict.kind === 'agreed' ? verdict.master : undefined;
  let sentinelMasterProbe: RedisProbe | undefined;
  if (sentinelMaster !== undefined && !sameHostPort(sentinelMaster, self)) {
    sentinelMasterProbe = sameHostPort(sentinelMaster, recordAddr) ? recordProbe : await probeRedis(sentinelMaster, auth);
  }
  const obs: Observation = { self, record, recordPath: group.published, recordProbe, sentinelCount: sentinels.length, sentinelMaster, sentinelMasterProbe, nodes: [], held, paused: Boolean(pausedNode) };
  // A live master (recorded or the sentinels') settles it whatever the other nodes hold: skip
  // probing every node, which each of twenty wrappers starting together would do under the lock.
  if (settledWithoutNodes(obs)) return { obs, snapshot, verdict, registeredNodes: others.length };
  obs.nodes = await Promise.all(others.map(async (addr): Promise<NodeView> => ({ addr, probe: await probeRedis(addr, auth) })));
  return { obs, snapshot, verdict, registeredNodes: others.length };
}

/** `/redis/master` and every group's record, for decideGroupIdentity. */
export async function readGroupIdentity(zk: Zk, group: zkPaths.GroupLayout, defaultName: string): Promise<GroupIdentity> {
  const [master, names] = await Promise.all([zk.get(zkPaths.MASTER), zk.children(zkPaths.MASTERS)]);
  const values = await Promise.all(names.map((n) => zk.get(zkPaths.masterOf(n)).catch(() => undefined)));
  const records = new Map<string, string>();
  names.forEach((n, i) => {
    const v = values[i];
    if (v !== undefined) records.set(n, v.data.toString('utf8'));
  });
  return { name: group.name, isDefault: group.isDefault, defaultName, master: master?.data.toString('utf8'), records };
}
