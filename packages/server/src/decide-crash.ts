import { compareCandidates, formatHostPort, type HostPort, type RecordValue, type RedisProbe, sameHostPort, type SentinelVerdict } from '@redis-zk/core';

/**
 * Sentinel mode: what a wrapper does when its redis-server exits without being asked to. Its
 * wrapper knows of the crash within milliseconds, Sentinel only after its down-after; so a master's
 * wrapper starts the failover itself (SENTINEL FAILOVER) — but only when every replica the
 * sentinel could select holds as much as the most advanced one. The sentinel selects by the
 * offsets it last read (its INFO of replicas is up to 10 s old right after a crash), so with
 * replicas that differ it could promote one that lacks acknowledged writes; its own path, after
 * down-after, reads them every second first. A replica cannot be levelled from another one whose
 * master is gone (it answers PSYNC with -NOMASTERLINK). Evidence gathered after the crash (fresh):
 * the record, the sentinels, the replicas' own INFO.
 */
export interface CrashObservation {
  self: HostPort;
  /** SIGTERM/SIGINT came first: the exit was asked for (the hand-off path handles a master). */
  stopping: boolean;
  failoverMode: 'sentinel' | 'zookeeper';
  /** The record, read after the crash (undefined: ZooKeeper did not answer in time). */
  record: RecordValue | undefined;
  /** The registered sentinels, asked after the crash. */
  verdict: SentinelVerdict;
  /** A sentinel reports a failover of the group under way. */
  failoverRunning: boolean;
  /** Every other live node of the group, probed after the crash. */
  nodes: readonly { addr: HostPort; probe: RedisProbe }[];
  /** The group is paused (maintenance mode): no automatic failover. */
  paused?: boolean;
}

export type CrashRule = 'asked-to-stop' | 'paused' | 'zookeeper-mode' | 'record-unknown' | 'not-recorded-master' | 'sentinels-name-other' | 'failover-running' | 'no-replica' | 'replicas-differ' | 'crash-failover';

export type CrashDecision =
  | { action: 'none'; rule: Exclude<CrashRule, 'crash-failover'>; reason: string }
  | {
      action: 'fail-over';
      rule: 'crash-failover';
      /** The offset every promotable replica holds. */
      offset: number;
      /** Replicas the sentinel may promote (replica-priority above 0): each holds `offset`. */
      candidates: HostPort[];
      /** The dead master's replication ID, as its replicas report it (the promoted one's lineage). */
      previousReplid: string;
      reason: string;
    };

type Replica = { addr: HostPort; probe: Extract<RedisProbe, { reachable: true }> };

export function decideCrash(o: CrashObservation): CrashDecision {
  if (o.stopping) return { action: 'none', rule: 'asked-to-stop', reason: 'The exit was asked for (SIGTERM/SIGINT): the hand-off path handles it.' };
  if (o.paused === true) return { action: 'none', rule: 'paused', reason: 'The group is paused (maintenance mode): no automatic failover; the crashed master waits for its restart or a switchover.' };
  // ZooKeeper mode: closing our session gives the leadership up, and the replicas elect at once.
  if (o.failoverMode === 'zookeeper') return { action: 'none', rule: 'zookeeper-mode', reason: 'FAILOVER_MODE=zookeeper: the leadership ends with our session and the replicas elect.' };
  if (o.record === undefined) return { action: 'none', rule: 'record-unknown', reason: 'ZooKeeper did not answer in time: the sentinels fail over after their down-after.' };
  if (o.record.kind !== 'valid' || !sameHostPort(o.record.addr, o.self)) {
    return { action: 'none', rule: 'not-recorded-master', reason: 'This node is not the recorded master: nothing to fail over.' };
  }
  const v = o.verdict;
  if (v.kind !== 'agreed' || !sameHostPort(v.master, o.self)) {
    return { action: 'none', rule: 'sentinels-name-other', reason: `The sentinels do not name this node as master (${v.reason}): they decide.` };
  }
  if (o.failoverRunning) return { action: 'none', rule: 'failover-running', reason: 'A sentinel reports a failover under way: no second one.' };
  const ours: Replica[] = o.nodes.flatMap((n) =>
    n.probe.reachable && n.probe.role === 'slave' && n.probe.masterHost !== undefined && n.probe.masterPort !== undefined && sameHostPort({ host: n.probe.masterHost, port: n.probe.masterPort }, o.self)
      ? [{ addr: n.addr, probe: n.probe }]
      : [],
  );
  const promotable = ours.filter((r) => r.probe.priority > 0);
  if (promotable.length === 0) return { action: 'none', rule: 'no-replica', reason: `No replica of this master answers with replica-priority above 0 (${ours.length} answer): nothing to promote.` };
  const top = Math.max(...promotable.map((r) => r.probe.offset));
  const behind = promotable.filter((r) => r.probe.offset < top);
  if (behind.length > 0) {
    return {
      action: 'none',
      rule: 'replicas-differ',
      reason: `The replicas differ (${promotable.map((r) => `${formatHostPort(r.addr)} at ${r.probe.offset}`).join(', ')}): the sentinel could select one that lacks acknowledged writes, so its own path decides after down-after.`,
    };
  }
  const candidates = [...promotable].sort((a, b) => compareCandidates(rank(a), rank(b))).map((r) => r.addr);
  return {
    action: 'fail-over',
    rule: 'crash-failover',
    offset: top,
    candidates,
    previousReplid: promotable[0]!.probe.replid,
    reason: `redis-server crashed while this node was the recorded master; its ${promotable.length} promotable replica(s) all hold offset ${top}: asking the sentinels to fail over now.`,
  };
}

function rank(r: Replica) {
  return { addr: r.addr, priority: r.probe.priority, offset: r.probe.offset, lastIo: r.probe.lastIoSecondsAgo };
}
