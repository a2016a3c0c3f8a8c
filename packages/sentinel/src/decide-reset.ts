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
  /** Group name → SENTINEL MASTER flags, for every monitored group. */
  flags: ReadonlyMap<string, string>;
}

export interface ResetGateDecision {
  action: 'reset' | 'wait';
  reason: string;
}

/** Under the lock: a reset during a failover would throw the failover's state away. */
export function decideResetNow(g: ResetGate): ResetGateDecision {
  const busy = [...g.flags.entries()].filter(([, f]) => f.split(',').includes('failover_in_progress')).map(([n]) => n);
  if (busy.length > 0) {
    return { action: 'wait', reason: `a failover is in progress for ${busy.join(', ')}; resetting now would abort it, so the reset waits` };
  }
  return { action: 'reset', reason: 'no failover is in progress, so resetting our sentinel is safe' };
}

export interface RediscoveryObservation {
  numOtherSentinels: number;
  liveSentinels: number;
  numReplicas: number;
  replicasBefore: number;
}

/** The next sentinel may reset only once ours counts the live set again. */
export function rediscovered(o: RediscoveryObservation): boolean {
  return o.numOtherSentinels === Math.max(0, o.liveSentinels - 1) && o.numReplicas >= o.replicasBefore;
}

/**
 * Our sentinel counts more sentinels than are registered long after a reset: a departing sentinel
 * said hello once more just after the reset, so its entry came back. Hellos go out every 2 s, so
 * after `settleMs` every live one has been heard and the surplus is stale.
 */
export function staleAfterReset(o: RediscoveryObservation, sinceResetMs: number, settleMs = 6_000): boolean {
  return sinceResetMs >= settleMs && o.numOtherSentinels > Math.max(0, o.liveSentinels - 1);
}
