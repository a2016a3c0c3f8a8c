export interface ResetObservation {
  /** Registered sentinels (ZooKeeper child name → `<host> <port>`) at the previous look and now. */
  previous: ReadonlyMap<string, string>;
  current: ReadonlyMap<string, string>;
}

export interface ResetDecision {
  action: 'reset' | 'none';
  departed: string[];
  reason: string;
}

/** A sentinel that left stays in our sentinel's table for ever unless we reset it. */
export function decideReset(o: ResetObservation): ResetDecision {
  const departed = [...o.previous.entries()].filter(([id]) => !o.current.has(id)).map(([, addr]) => addr);
  if (departed.length === 0) {
    return { action: 'none', departed, reason: 'no registered sentinel left, so our sentinel holds no stale entry' };
  }
  return {
    action: 'reset',
    departed,
    reason: `sentinel(s) ${departed.join(', ')} left /redis/sentinels; our sentinel must forget them so failover majorities stay reachable`,
  };
}

export interface ResetGate {
  /** Group name → what SENTINEL MASTER says of its master, for every monitored group. */
  masters: ReadonlyMap<string, { flags: string; lastOkPingMs: number }>;
}

export interface ResetGateDecision {
  action: 'reset' | 'wait';
  reason: string;
}

/**
 * Sentinel pings a master every second: a reply older than this means it is not answering now,
 * even before down-after-milliseconds has marked it s_down.
 */
export const MASTER_SILENT_MS = 2_000;

/**
 * Under the lock: a reset throws away the sentinel's view of the replicas and the other
 * sentinels. During a failover that aborts it; while the master is unreachable it leaves the
 * sentinel unable to fail over at all (only the dead master's INFO could tell it the replicas
 * again) — exactly when a partition makes the departed sentinel's entry vanish first.
 */
export function decideResetNow(g: ResetGate): ResetGateDecision {
  const entries = [...g.masters.entries()];
  const busy = entries.filter(([, m]) => m.flags.split(',').includes('failover_in_progress')).map(([n]) => n);
  if (busy.length > 0) {
    return { action: 'wait', reason: `a failover is in progress for ${busy.join(', ')}; resetting now would abort it, so the reset waits` };
  }
  const unhealthy = entries
    .filter(([, m]) => m.flags.split(',').some((f) => ['s_down', 'o_down', 'disconnected'].includes(f)) || m.lastOkPingMs > MASTER_SILENT_MS)
    .map(([n]) => n);
  if (unhealthy.length > 0) {
    return {
      action: 'wait',
      reason: `the master of ${unhealthy.join(', ')} is not answering; our sentinel needs its view of the replicas and sentinels to fail over, so the reset waits`,
    };
  }
  return { action: 'reset', reason: 'no failover is in progress and every master answers, so resetting our sentinel is safe' };
}

export interface RediscoveryObservation {
  /** `<host> <port>` of the sentinels ours knows for the group (SENTINEL SENTINELS). */
  known: readonly string[];
  /** `<host> <port>` of the registered sentinels other than ours. */
  expected: readonly string[];
  numReplicas: number;
  replicasBefore: number;
}

/** Known sentinels that are not registered: departed ones our sentinel still counts. */
export function staleSentinels(known: readonly string[], expected: readonly string[]): string[] {
  const live = new Set(expected);
  return known.filter((k) => !live.has(k));
}

/**
 * The next sentinel may reset only once ours knows exactly the registered set again (the same
 * members, not just the same count: a departed sentinel's late hello can stand in for a live one
 * not heard yet) and as many replicas as before.
 */
export function rediscovered(o: RediscoveryObservation): boolean {
  const known = new Set(o.known);
  return known.size === new Set(o.expected).size && o.expected.every((e) => known.has(e)) && o.numReplicas >= o.replicasBefore;
}

/**
 * A departing sentinel may say hello once more just after our reset, and its entry comes back.
 * Hellos go out every 2 s, so after `settleMs` an unregistered entry is stale.
 */
export function staleAfterReset(o: RediscoveryObservation, sinceResetMs: number, settleMs = 6_000): boolean {
  return sinceResetMs >= settleMs && staleSentinels(o.known, o.expected).length > 0;
}

export interface AuditDecision {
  action: 'reset' | 'none';
  stale: string[];
  reason: string;
}

/**
 * The periodic audit: an entry our sentinel knows but nobody registered, seen at two audits in a
 * row (a sentinel that just started may hello a moment before it registers), is stale whatever
 * the way it got there, so reset.
 */
export function decideAudit(previousStale: readonly string[], currentStale: readonly string[]): AuditDecision {
  const before = new Set(previousStale);
  const stale = currentStale.filter((s) => before.has(s));
  if (stale.length === 0) return { action: 'none', stale, reason: 'our sentinel knows only registered sentinels' };
  return {
    action: 'reset',
    stale,
    reason: `our sentinel still knows ${stale.join(', ')}, which is not registered in /redis/sentinels, at two audits in a row; resetting it so the entry does not count towards failover majorities`,
  };
}
