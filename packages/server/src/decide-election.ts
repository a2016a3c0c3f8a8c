import { compareCandidates, formatHostPort, type HostPort, type PromotionRank, type RedisProbe, sameHostPort } from '@redis-zk/core';

/**
 * FAILOVER_MODE=zookeeper: which replica takes over when the group's leadership is gone. Run by a
 * replica's wrapper holding the group's lock, on what it observed under it; every wrapper that
 * runs it on the same observation picks the same winner, and only the winner acts.
 *
 * The order is core's compareCandidates: replica-priority (lower first; 0 never), offset, the
 * freshest link to the old master, the address.
 */
export interface ElectionObservation {
  self: HostPort;
  /** Whether the group's leadership node exists (someone holds the group). */
  leaderHeld: boolean;
  /** The recorded master and what it answered, if there is a record. */
  recorded: { addr: HostPort; probe: RedisProbe } | undefined;
  /** Every registered member other than the recorded master, as probed now. */
  candidates: { addr: HostPort; probe: RedisProbe }[];
  /** The group is paused (maintenance mode): nobody is elected until it is resumed. */
  paused?: boolean;
}

export type ElectionRule = 'paused' | 'leadership-held' | 'recorded-master-alive' | 'nobody-eligible' | 'elected' | 'other-elected';

export type ElectionDecision = (
  /** `stuck`: the leadership is gone and nobody can take it (an operator must know). */
  | { action: 'none'; stuck?: true; reason: string }
  | { action: 'promote'; reason: string }
  | { action: 'wait-for'; winner: HostPort; reason: string }
) & { rule: ElectionRule };

export function decideElection(o: ElectionObservation): ElectionDecision {
  // (1) Someone holds the group: nothing to elect.
  if (o.leaderHeld) return { action: 'none', rule: 'leadership-held', reason: '(1) The group\'s leadership is held: no election.' };
  // (0) Paused: an operator works on the group; a leadership gone meanwhile waits for resume.
  if (o.paused === true) return { action: 'none', rule: 'paused', reason: '(0) The leadership is gone but the group is paused (maintenance mode): no election until it is resumed.' };
  // (2) A recorded master that still answers as master is alive (its wrapper lost only its
  //     session, and takes the leadership back): promoting beside it would make two masters.
  if (o.recorded !== undefined && o.recorded.probe.reachable && o.recorded.probe.role === 'master') {
    return { action: 'none', rule: 'recorded-master-alive', reason: `(2) The recorded master ${formatHostPort(o.recorded.addr)} still answers as master: no election while it lives.` };
  }
  const ranked: PromotionRank[] = [];
  for (const c of o.candidates) {
    const p = c.probe;
    if (!p.reachable || p.role !== 'slave' || p.priority === 0) continue;
    ranked.push({ addr: c.addr, priority: p.priority, offset: p.offset, lastIo: p.lastIoSecondsAgo });
  }
  // (3) No replica that answers and may be promoted.
  if (ranked.length === 0) {
    return { action: 'none', rule: 'nobody-eligible', stuck: true, reason: `(3) The leadership is gone but none of the ${o.candidates.length} registered replicas answers as a replica with replica-priority above 0: nobody to elect.` };
  }
  ranked.sort(compareCandidates);
  const winner = ranked[0]!;
  const why = `replica-priority ${winner.priority}, offset ${winner.offset}, last heard from its master ${Number.isFinite(winner.lastIo) ? `${winner.lastIo} s` : 'never (link down)'} ago, out of ${ranked.length} eligible`;
  // (4) We win: promote ourselves and take the leadership.
  if (sameHostPort(winner.addr, o.self)) return { action: 'promote', rule: 'elected', reason: `(4) Elected (${why}): promoting our redis-server.` };
  // (5) Another wins: it promotes itself; we follow its record.
  return { action: 'wait-for', rule: 'other-elected', winner: winner.addr, reason: `(5) ${formatHostPort(winner.addr)} is elected (${why}); it promotes itself, we follow its record.` };
}
