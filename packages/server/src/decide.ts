import { formatHostPort, type HostPort, type RedisProbe, sameHostPort, type RecordValue, describeRecordValue, zkPaths } from '@redis-zk/core';

/** A live `/redis/nodes` entry other than ourselves, and what its Redis said. */
export interface NodeView {
  addr: HostPort;
  probe: RedisProbe;
}

/** Everything the startup decision looks at, gathered under the lock by observe.ts. */
export interface Observation {
  self: HostPort;
  record: RecordValue;
  /** The record's path, for the reasons: `/redis/master`, or `/redis/masters/<name>` of another group. */
  recordPath?: string;
  /** Probe of the recorded master, when the record is valid and not ourselves. */
  recordProbe: RedisProbe | undefined;
  /** Live sentinels registered in `/redis/sentinels`. */
  sentinelCount: number;
  /** The master the answering sentinels agree on (a majority of the answers), if any. */
  sentinelMaster: HostPort | undefined;
  sentinelMasterProbe: RedisProbe | undefined;
  /** Other live wrappers (our own stale entry of a previous run is left out). */
  nodes: NodeView[];
  /** Set when our redis-server already runs held (data found on disk): what it holds, and since when. */
  held?: HeldView;
  /** The group is paused (maintenance mode): no start may move the master away from the record. */
  paused?: boolean;
}

/** Our own redis-server, started read-only as a replica of nothing to learn what its disk holds. */
export interface HeldView {
  keys: number;
  offset: number;
  /** When it was registered, and how long the rest of the group gets to come back (GROUP_RESTART_WAIT_MS). */
  since: number;
  settleMs: number;
  now: number;
}

/** The placeholder master of a held redis-server: a replica of nothing, read-only, keeping its data. */
export const HOLD: HostPort = { host: '127.0.0.1', port: 1 };

export function isHeld(p: RedisProbe): boolean {
  return p.reachable && p.role === 'slave' && p.masterHost === HOLD.host && p.masterPort === HOLD.port;
}

/**
 * Of the nodes back from disk, the one to become master: the most keys, then the replication
 * offset, then the lowest address, so every wrapper picks the same. Keys first: a restarted
 * master reports offset 0 while a restarted replica may report the offset its RDB recorded.
 */
export function mostAdvanced(nodes: readonly NodeView[]): NodeView | undefined {
  return [...nodes]
    .filter((n) => n.probe.reachable && n.probe.keys > 0)
    .sort((a, b) => {
      const pa = a.probe as Extract<RedisProbe, { reachable: true }>;
      const pb = b.probe as Extract<RedisProbe, { reachable: true }>;
      return pb.keys - pa.keys || pb.offset - pa.offset || compareAddr(a.addr, b.addr);
    })[0];
}

/** The rules of decideStartup, in its order; logged with ROLE_DECIDED. */
export type StartupRule =
  | 'paused'
  | 'sentinels-newer'
  | 'recorded-master-alive'
  | 'recorded-master-linked'
  | 'group-from-disk-settling'
  | 'group-from-disk-most'
  | 'group-from-disk-other'
  | 'data-elsewhere-sentinels'
  | 'data-elsewhere-handover'
  | 'record-no-data'
  | 'no-record-handover'
  | 'no-record-no-data';

export type StartupDecision = (
  | { action: 'claim'; reason: string }
  | { action: 'replicate'; master: HostPort; reason: string }
  | { action: 'handover'; master: HostPort; reason: string }
  | { action: 'wait'; reason: string }
) & { rule: StartupRule };

export function answersAsMaster(p: RedisProbe | undefined): boolean {
  return p !== undefined && p.reachable && p.role === 'master';
}

function isLinkedTo(p: RedisProbe, master: HostPort): boolean {
  return p.reachable && p.role === 'slave' && p.linkUp && p.masterHost === master.host && p.masterPort === master.port;
}

/** A node whose copy must not be overwritten by an empty master: it has data or is a master. */
export function holdsData(p: RedisProbe): boolean {
  return p.reachable && (p.role === 'master' || p.keys > 0 || p.offset > 0);
}

/**
 * The node to hand the master role to: a live master first, else the most advanced copy
 * (offset, then keys), then the lowest address, so every wrapper picks the same one.
 */
export function bestNode(nodes: NodeView[]): NodeView | undefined {
  const candidates = nodes.filter((n) => holdsData(n.probe));
  const score = (n: NodeView): [number, number, number] => {
    const p = n.probe;
    return p.reachable ? [p.role === 'master' ? 1 : 0, p.offset, p.keys] : [0, 0, 0];
  };
  return candidates.sort((a, b) => {
    const sa = score(a);
    const sb = score(b);
    for (let i = 0; i < 3; i++) if (sa[i] !== sb[i]) return (sb[i] ?? 0) - (sa[i] ?? 0);
    return compareAddr(a.addr, b.addr);
  })[0];
}

function compareAddr(a: HostPort, b: HostPort): number {
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  return a.port - b.port;
}

function describeNode(n: NodeView): string {
  const p = n.probe;
  if (!p.reachable) return `${formatHostPort(n.addr)} (unreachable)`;
  return `${formatHostPort(n.addr)} (role ${p.role}, offset ${p.offset}, ${p.keys} keys)`;
}

/**
 * A wrapper that starts while its group is paused does what it would do, except move the master
 * away from a valid record (a handover to another node, a claim by a node the record does not
 * name): that is a failover, and waits for resume. Replicating, and a master restarted in place
 * claiming its own record back, go on.
 */
export function decideStartup(obs: Observation): StartupDecision {
  const d = decideStartupRunning(obs);
  if (obs.paused !== true || obs.record.kind !== 'valid') return d;
  const recorded = obs.record.addr;
  const target = d.action === 'claim' ? obs.self : d.action === 'handover' ? d.master : undefined;
  if (target === undefined || sameHostPort(target, recorded)) return d;
  return { action: 'wait', rule: 'paused', reason: `The group is paused (maintenance mode): not moving the master from ${formatHostPort(recorded)} to ${formatHostPort(target)} (${d.rule}) until it is resumed.` };
}

/** The lead's table, in order; the first rule that applies wins. */
function decideStartupRunning(obs: Observation): StartupDecision {
  const { self, record } = obs;
  const path = obs.recordPath ?? zkPaths.MASTER;
  const recorded = record.kind === 'valid' ? record.addr : undefined;
  const recordIsSelf = sameHostPort(recorded, self);

  // (1) Sentinels fail over without ZooKeeper's help; their answer is newer when it differs.
  const s = obs.sentinelMaster;
  if (s !== undefined && !sameHostPort(s, self) && answersAsMaster(obs.sentinelMasterProbe) && !sameHostPort(s, recorded)) {
    return {
      action: 'replicate',
      rule: 'sentinels-newer',
      master: s,
      reason: `The sentinels know a newer master than ZooKeeper: they agree on ${formatHostPort(s)}, which answers as master, while ${path} is ${describeRecordValue(record)}; starting as its replica.`,
    };
  }

  // (2) The recorded master is alive and still a master.
  if (recorded !== undefined && !recordIsSelf && answersAsMaster(obs.recordProbe)) {
    return {
      action: 'replicate',
      rule: 'recorded-master-alive',
      master: recorded,
      reason: `The recorded master ${formatHostPort(recorded)} answers as master; starting as its replica.`,
    };
  }

  // (2b) We cannot reach it, but a live replica is linked to it: the problem is ours, not its.
  const linked = recorded !== undefined && !recordIsSelf ? obs.nodes.find((n) => isLinkedTo(n.probe, recorded)) : undefined;
  if (recorded !== undefined && linked !== undefined) {
    return {
      action: 'replicate',
      rule: 'recorded-master-linked',
      master: recorded,
      reason: `The recorded master ${formatHostPort(recorded)} does not answer us, but the live replica ${formatHostPort(linked.addr)} is linked to it; starting as its replica.`,
    };
  }

  // (G) The whole group came back from disk: every live node holding data is held like us, and no
  // master answers. The first to come back must not claim over a node that holds more: the group
  // gets GROUP_RESTART_WAIT_MS to come back, then the most advanced claims (it is us, or we wait).
  const h = obs.held;
  if (h !== undefined && h.keys > 0 && obs.nodes.every((n) => !n.probe.reachable || isHeld(n.probe) || !holdsData(n.probe))) {
    const waited = h.now - h.since;
    const us: NodeView = { addr: self, probe: { reachable: true, role: 'slave', masterHost: HOLD.host, masterPort: HOLD.port, linkUp: false, priority: 100, lastIoSecondsAgo: Infinity, offset: h.offset, keys: h.keys, keysPerDb: {}, replicas: [], runId: '', replid: '', replid2: '', secondReplOffset: -1, server: 'unknown' } };
    const back = [us, ...obs.nodes.filter((n) => n.probe.reachable && isHeld(n.probe))];
    const summary = back.map(describeNode).join(', ');
    if (waited < h.settleMs) {
      return { action: 'wait', rule: 'group-from-disk-settling', reason: `Waiting for the rest of the group to come back from disk (${waited} of ${h.settleMs} ms): no master answers and the nodes back so far hold ${summary}.` };
    }
    const best = mostAdvanced(back);
    if (best !== undefined && sameHostPort(best.addr, self)) {
      return { action: 'claim', rule: 'group-from-disk-most', reason: `Claiming master: the whole group came back from disk and this node holds the most (${summary}).` };
    }
    return { action: 'wait', rule: 'group-from-disk-other', reason: `Waiting: the whole group came back from disk and ${best === undefined ? 'no node' : describeNode(best)} holds the most (${summary}); it claims master, then this node replicates it.` };
  }

  const withData = obs.nodes.filter((n) => holdsData(n.probe));
  const best = bestNode(obs.nodes);
  const sentinels = obs.sentinelCount > 0;

  if (recorded !== undefined) {
    const situation = recordIsSelf
      ? `${path} names this very address ${formatHostPort(self)} (restarted in place)`
      : `the recorded master ${formatHostPort(recorded)} ${obs.recordProbe?.reachable ? 'answers but is not a master' : 'does not answer'}`;
    // (3) and (4): never come back as an empty master over live copies of the data.
    if (best !== undefined) {
      const holders = withData.map(describeNode).join(', ');
      if (sentinels) {
        return {
          action: 'wait',
          rule: 'data-elsewhere-sentinels',
          reason: `Waiting: ${situation}, live nodes hold data (${holders}) and ${obs.sentinelCount} sentinel(s) are registered, so the sentinels are expected to promote one of them.`,
        };
      }
      return {
        action: 'handover',
        rule: 'data-elsewhere-handover',
        master: best.addr,
        reason: `Handing the master role to ${describeNode(best)}: ${situation}, live nodes hold data (${holders}) and no sentinel is registered to promote one.`,
      };
    }
    return {
      action: 'claim',
      rule: 'record-no-data',
      reason: `Claiming master: ${situation} and no live node holds data${recordIsSelf ? '' : ' (the whole group restarted)'}.`,
    };
  }

  // (5) No usable record.
  const why =
    record.kind === 'invalid'
      ? `${path} holds an invalid value that is refused (${JSON.stringify(record.preview)}: ${record.reason})`
      : `${path} is ${record.kind}`;
  if (best !== undefined) {
    return {
      action: 'handover',
      rule: 'no-record-handover',
      master: best.addr,
      reason: `Handing the master role to ${describeNode(best)}: ${why} but live nodes hold data (${withData.map(describeNode).join(', ')}).`,
    };
  }
  return { action: 'claim', rule: 'no-record-no-data', reason: `Claiming master: ${why} and no live node holds data.` };
}

/**
 * True when the other nodes cannot change the decision: with no node views, decideStartup can
 * only replicate through rule (1) or (2), and neither looks at the nodes.
 */
export function settledWithoutNodes(obs: Observation): boolean {
  return decideStartup({ ...obs, nodes: [] }).action === 'replicate';
}
