import { formatHostPort, sameHostPort, type HostPort } from '@redis-zk/core';

export interface StartObservation {
  /** The group's ZooKeeper record. */
  record: HostPort;
  /** What each live registered sentinel that answered says the group's master is. */
  sentinelsSay: HostPort[];
  /** Role of the address the sentinels agree on (probed only when they agree on another one). */
  agreedRole: 'master' | 'slave' | 'unreachable' | undefined;
  /** Role of the recorded master. */
  recordRole: 'master' | 'slave' | 'unreachable';
}

export interface StartDecision {
  action: 'monitor';
  master: HostPort;
  /** Set when the chosen master does not answer: we still monitor it, with a warning. */
  warn: boolean;
  reason: string;
}

/** The address every answering sentinel reports, when they all report the same one. */
export function sentinelAgreement(says: HostPort[]): HostPort | undefined {
  const first = says[0];
  if (first === undefined) return undefined;
  return says.every((s) => sameHostPort(s, first)) ? first : undefined;
}

/**
 * Which master the fresh sentinel monitors: ZooKeeper's record, unless the live sentinels agree
 * on another master that really is one (they may have failed over while the watcher was away).
 */
export function decideStartMaster(o: StartObservation): StartDecision {
  const agreed = sentinelAgreement(o.sentinelsSay);
  if (agreed !== undefined && !sameHostPort(agreed, o.record) && o.agreedRole === 'master') {
    return {
      action: 'monitor',
      master: agreed,
      warn: false,
      reason: `the ${o.sentinelsSay.length} live sentinel(s) agree the master is ${formatHostPort(agreed)}, which answers role:master, while ZooKeeper still records ${formatHostPort(o.record)}; the sentinels win`,
    };
  }
  const why =
    agreed === undefined
      ? o.sentinelsSay.length === 0
        ? 'no live sentinel reports another master'
        : 'the live sentinels do not agree on one master'
      : sameHostPort(agreed, o.record)
        ? 'the live sentinels agree with it'
        : `the sentinels' ${formatHostPort(agreed)} is ${o.agreedRole ?? 'unprobed'}, not a master`;
  if (o.recordRole === 'unreachable') {
    return {
      action: 'monitor',
      master: o.record,
      warn: true,
      reason: `monitoring the recorded master ${formatHostPort(o.record)} although it does not answer (${why}); the sentinels will fail over if it stays down`,
    };
  }
  return { action: 'monitor', master: o.record, warn: false, reason: `monitoring the recorded master ${formatHostPort(o.record)} (${why})` };
}
