import { formatHostPort, sameHostPort, type HostPort, type SentinelVerdict } from '@redis-zk/core';

export interface StartObservation {
  /** The group's ZooKeeper record. */
  record: HostPort;
  /** What the live registered sentinels say, by the one authority rule (a majority of them). */
  verdict: SentinelVerdict;
  /** Role of the address the sentinels agree on (probed only when they agree on another one). */
  agreedRole: 'master' | 'slave' | 'unreachable' | undefined;
  /** Role of the recorded master. */
  recordRole: 'master' | 'slave' | 'unreachable';
}

export interface StartDecision {
  action: 'monitor';
  rule: 'sentinels-win' | 'record-unreachable' | 'record';
  master: HostPort;
  /** Set when the chosen master does not answer: we still monitor it, with a warning. */
  warn: boolean;
  reason: string;
}

/**
 * Which master the fresh sentinel monitors: ZooKeeper's record, unless a majority of the live
 * registered sentinels name another master that really is one (they may have failed over while
 * the watcher was away). One sentinel alone never overrides the record.
 */
export function decideStartMaster(o: StartObservation): StartDecision {
  const v = o.verdict;
  const agreed = v.kind === 'agreed' ? v.master : undefined;
  if (agreed !== undefined && !sameHostPort(agreed, o.record) && o.agreedRole === 'master') {
    return {
      action: 'monitor',
      rule: 'sentinels-win',
      master: agreed,
      warn: false,
      reason: `${v.reason}, which answers role:master, while ZooKeeper still records ${formatHostPort(o.record)}; the sentinels win`,
    };
  }
  const why =
    agreed === undefined
      ? v.registered === 0
        ? 'no live sentinel reports another master'
        : `the live sentinels do not back another master (${v.reason})`
      : sameHostPort(agreed, o.record)
        ? 'the live sentinels agree with it'
        : `the sentinels' ${formatHostPort(agreed)} is ${o.agreedRole ?? 'unprobed'}, not a master`;
  if (o.recordRole === 'unreachable') {
    return {
      action: 'monitor',
      rule: 'record-unreachable',
      master: o.record,
      warn: true,
      reason: `monitoring the recorded master ${formatHostPort(o.record)} although it does not answer (${why}); the sentinels will fail over if it stays down`,
    };
  }
  return { action: 'monitor', rule: 'record', master: o.record, warn: false, reason: `monitoring the recorded master ${formatHostPort(o.record)} (${why})` };
}
