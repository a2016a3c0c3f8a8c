import { electionPick, formatHostPort, parseHostPort, sameHostPort, sentinelVerdict, unfitReason, type HostPort, type RecordValue, type RedisProbe, type SentinelAnswer } from '@redis-zk/core';

/** What the watcher sees of a group when a switchover is asked for (gathered by switchover.ts). */
export interface SwitchoverObservation {
  group: string;
  failoverMode: 'sentinel' | 'zookeeper';
  /** A switchover of this group is already running in this watcher. */
  running: boolean;
  /** Maintenance mode: only a switchover to a named target runs (nobody picks a master for the operator). */
  paused?: boolean;
  record: RecordValue;
  /** INFO of the recorded master; undefined without a valid record. */
  master: RedisProbe | undefined;
  fenced: boolean | undefined;
  /** FAILOVER_MODE=zookeeper: the group's leadership node's value when a session holds it. */
  leader?: string | undefined;
  /** How many sentinels are registered, and what each said about the group. */
  registeredSentinels: number;
  answers: readonly SentinelAnswer[];
  /** INFO of every replica the master lists. */
  replicas: readonly { addr: HostPort; probe: RedisProbe }[];
  /** The group's live nodes (`/redis/nodes`): only those may be promoted. */
  members: readonly HostPort[];
  /** The replica asked for, if any. */
  candidate: HostPort | undefined;
}

export type SwitchoverPlan =
  | { action: 'refuse'; status: 400 | 409; reason: string }
  | {
      action: 'switch';
      from: HostPort;
      /** Whom the sentinel may promote: the candidate asked for, else every healthy replica. */
      candidates: HostPort[];
      /** Replicas given replica-priority 0 for the switchover, so the sentinel cannot pick them. */
      exclude: HostPort[];
      reason: string;
    };

const fmt = formatHostPort;

/**
 * Whether a planned switchover may start, and whom it may promote. A switchover moves a healthy
 * master on purpose, so anything unusual refuses with the reason rather than risk a second,
 * unplanned move:
 *
 * (1) FAILOVER_MODE=zookeeper: the group's leadership must be held, by the recorded master
 *     (else an election is under way, or the record is being repaired) → else refuse; the
 *     sentinel rules (4) and (5) do not apply.
 * (2) one is already running for the group → refuse.
 * (3) no valid record → refuse.
 * (4) a sentinel reports a failover in progress → refuse.
 * (5) a majority of the registered sentinels do not name the recorded master → refuse.
 * (6) the recorded master does not answer as master, or is fenced → refuse (that is a failover).
 * (7) a candidate was named: it must be a healthy replica (answering, linked to the master,
 *     priority above 0, a live node) → switch to it, every other replica excluded; else refuse.
 * (8) none named: the healthy replicas are the candidates, the others excluded → switch (in
 *     ZooKeeper mode the one an election would pick: core's compareCandidates); none healthy →
 *     refuse.
 */
export function decideSwitchover(o: SwitchoverObservation): SwitchoverPlan {
  const g = o.group;
  const refuse = (status: 400 | 409, reason: string): SwitchoverPlan => ({ action: 'refuse', status, reason });
  const zkMode = o.failoverMode === 'zookeeper';
  if (o.running) return refuse(409, `a switchover of ${g} is already running`);
  if (o.paused === true && o.candidate === undefined) return refuse(409, `group ${g} is paused (maintenance mode): a switchover needs a named target ("to")`);
  if (o.record.kind !== 'valid') return refuse(409, `group ${g} has no valid record (${o.record.kind}); nothing to switch over from`);
  const from = o.record.addr;
  if (zkMode) {
    const leader = o.leader === undefined ? undefined : parseHostPort(o.leader);
    if (leader === undefined) return refuse(409, `nobody holds the leadership of ${g} (FAILOVER_MODE=zookeeper): an election is under way or about to be; wait for it`);
    if (!leader.ok || !sameHostPort(leader.value, from)) return refuse(409, `the leadership of ${g} is held by ${JSON.stringify(o.leader)} while ZooKeeper records ${fmt(from)}; wait until they agree`);
  } else {
    if (o.answers.some((a) => a.kind === 'failover-in-progress')) return refuse(409, `a failover of ${g} is in progress`);
    const verdict = sentinelVerdict(o.registeredSentinels, o.answers);
    if (verdict.kind !== 'agreed') return refuse(409, `the sentinels do not agree on the master of ${g}: ${verdict.reason}`);
    if (!sameHostPort(verdict.master, from)) return refuse(409, `the sentinels name ${fmt(verdict.master)} while ZooKeeper records ${fmt(from)} for ${g}; wait for the watcher to repair the record`);
  }
  const m = o.master;
  if (m === undefined || !m.reachable) return refuse(409, `the master ${fmt(from)} of ${g} does not answer${m !== undefined && !m.reachable ? ` (${m.error})` : ''}; that is a failover, not a switchover`);
  if (m.role !== 'master') return refuse(409, `the recorded master ${fmt(from)} of ${g} answers as a replica; wait for the record to be repaired`);
  if (o.fenced === true) return refuse(409, `the master ${fmt(from)} of ${g} is fenced (its wrapper cannot confirm it is still the master); wait until it is confirmed or replaced`);
  const verdicts = o.replicas.map((r) => ({ addr: r.addr, why: unfitReason(r, from, o.members) }));
  if (o.candidate !== undefined) {
    const c = o.candidate;
    if (sameHostPort(c, from)) return refuse(400, `${fmt(c)} is already the master of ${g}`);
    const v = verdicts.find((r) => sameHostPort(r.addr, c));
    if (v === undefined) return refuse(409, `${fmt(c)} is not a replica of the master ${fmt(from)} of ${g} (its replicas: ${verdicts.map((r) => fmt(r.addr)).join(', ') || 'none'})`);
    if (v.why !== undefined) return refuse(409, `the candidate ${fmt(c)} cannot be promoted: ${v.why}`);
    const exclude = zkMode ? [] : o.replicas.filter((r) => !sameHostPort(r.addr, c) && r.probe.reachable).map((r) => r.addr);
    return { action: 'switch', from, candidates: [c], exclude, reason: `Switching ${g} over from ${fmt(from)} to the candidate ${fmt(c)}.` };
  }
  const healthy = verdicts.filter((r) => r.why === undefined).map((r) => r.addr);
  if (healthy.length === 0) {
    const why = verdicts.map((r) => `${fmt(r.addr)}: ${r.why}`).join('; ');
    return refuse(409, `no replica of ${g} is healthy enough to take over${why === '' ? ' (the master has no replicas)' : ` (${why})`}`);
  }
  if (zkMode) {
    // No sentinel to choose: the one an election would pick.
    const best = electionPick(o.replicas.filter((r) => healthy.some((h) => sameHostPort(h, r.addr))))!;
    return { action: 'switch', from, candidates: [best], exclude: [], reason: `Switching ${g} over from ${fmt(from)} to ${fmt(best)}, the replica an election would pick (replica-priority, offset, link), out of ${healthy.length} healthy.` };
  }
  // A replica that answers but is unfit (not a live node, say) must not be the sentinel's pick either.
  const exclude = o.replicas.filter((r) => r.probe.reachable && r.probe.role === 'slave' && r.probe.priority !== 0 && !healthy.some((h) => sameHostPort(h, r.addr))).map((r) => r.addr);
  return { action: 'switch', from, candidates: healthy, exclude, reason: `Switching ${g} over from ${fmt(from)} to one of ${healthy.map(fmt).join(', ')} (the sentinel's choice).` };
}
