/**
 * When our sentinel forgets departed sentinels and dead replicas. It never uses SENTINEL RESET,
 * which forgets everything, the live replicas too: a sentinel reset a moment before the master
 * dies can win the election knowing no replica and abort the failover. It restarts our sentinel on
 * its own config minus the stale entries instead (pruneKnown), so it comes back knowing the live
 * replicas and sentinels at once. Most departures need not even that: a sentinel restarted
 * elsewhere reuses the departed one's myid (sentinel-id.ts) and the others replace its entry.
 */

export interface DepartureObservation {
  /** Registered sentinels (ZooKeeper child name → `<host> <port>`) at the previous look and now. */
  previous: ReadonlyMap<string, string>;
  current: ReadonlyMap<string, string>;
}

export interface DepartureDecision {
  action: 'audit' | 'none';
  departed: string[];
  reason: string;
}

/**
 * A departed sentinel may come back at once under its own myid (then nothing is stale) or not at
 * all: look at our sentinel's table once the hellos had time to tell (audit), never at once.
 */
export function decideDeparture(o: DepartureObservation): DepartureDecision {
  const now = new Set(o.current.values());
  const departed = [...o.previous.entries()].filter(([id, addr]) => !o.current.has(id) && !now.has(addr)).map(([, addr]) => addr);
  if (departed.length === 0) return { action: 'none', departed, reason: 'no registered sentinel address left' };
  return {
    action: 'audit',
    departed,
    reason: `sentinel(s) ${departed.join(', ')} left /redis/sentinels; checking our sentinel's table once a replacement had time to take over the entry`,
  };
}

export interface ForgetGate {
  /** Group name → what SENTINEL MASTER says of its master, for every monitored group. */
  masters: ReadonlyMap<string, { flags: string; lastOkPingMs: number }>;
}

export interface ForgetGateDecision {
  action: 'forget' | 'wait';
  reason: string;
}

/**
 * Sentinel pings a master every second: a reply older than this means it is not answering now,
 * even before down-after-milliseconds has marked it s_down.
 */
export const MASTER_SILENT_MS = 2_000;

/**
 * Under the lock: the restart takes our sentinel away for a moment and must not cost a failover
 * its vote: never during a failover, and never while a master does not answer (the others need
 * every vote then).
 */
export function decideForgetNow(g: ForgetGate): ForgetGateDecision {
  const entries = [...g.masters.entries()];
  const busy = entries.filter(([, m]) => m.flags.split(',').includes('failover_in_progress')).map(([n]) => n);
  if (busy.length > 0) {
    return { action: 'wait', reason: `a failover is in progress for ${busy.join(', ')}; restarting our sentinel now would cost it a vote, so forgetting waits` };
  }
  const unhealthy = entries
    .filter(([, m]) => m.flags.split(',').some((f) => ['s_down', 'o_down', 'disconnected'].includes(f)) || m.lastOkPingMs > MASTER_SILENT_MS)
    .map(([n]) => n);
  if (unhealthy.length > 0) {
    return { action: 'wait', reason: `the master of ${unhealthy.join(', ')} is not answering; our sentinel's vote may be needed for a failover, so forgetting waits` };
  }
  return { action: 'forget', reason: 'no failover is in progress and every master answers, so a quick restart of our sentinel is safe' };
}

/** Known sentinels that are not registered: departed ones our sentinel still counts. */
export function staleSentinels(known: readonly string[], expected: readonly string[]): string[] {
  const live = new Set(expected);
  return known.filter((k) => !live.has(k));
}

export interface AuditDecision {
  action: 'forget' | 'none';
  stale: string[];
  reason: string;
}

/**
 * An entry our sentinel knows but nobody registered, seen at two audits in a row (a sentinel that
 * just started may hello a moment before it registers), is stale whatever the way it got there.
 */
export function decideAudit(previousStale: readonly string[], currentStale: readonly string[]): AuditDecision {
  const before = new Set(previousStale);
  const stale = currentStale.filter((s) => before.has(s));
  if (stale.length === 0) return { action: 'none', stale, reason: 'our sentinel knows only registered sentinels' };
  return {
    action: 'forget',
    stale,
    reason: `our sentinel still knows ${stale.join(', ')}, which is not registered in /redis/sentinels, at two audits in a row; forgetting it so the entry does not count towards failover majorities`,
  };
}
