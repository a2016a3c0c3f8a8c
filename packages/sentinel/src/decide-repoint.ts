import { formatHostPort, sameHostPort, type HostPort } from '@redis-zk/core';

export interface RepointObservation {
  group: string;
  /** The group's ZooKeeper record, just changed. */
  record: HostPort;
  recordRole: 'master' | 'slave' | 'unreachable';
  /** What our sentinel monitors for the group (undefined when it does not answer). */
  monitored: HostPort | undefined;
  /** SENTINEL MASTER flags of the monitored master. */
  monitoredFlags: string;
  monitoredReachable: boolean;
  /** The recorded address is a replica our sentinel knows for the group: the sentinels can promote it themselves. */
  recordIsKnownReplica: boolean;
  /** How long our sentinel has held its master subjectively down (`s-down-time`); undefined when it does not. */
  monitoredDownForMs: number | undefined;
  /** The group's `failover-timeout`: a failover the sentinels can run has reached its switch by then. */
  failoverTimeoutMs: number;
}

export type RepointRule = 'no-master' | 'already-monitoring' | 'record-not-master' | 'sentinels-lead' | 'failover-in-progress' | 'sentinels-promoted-it' | 'group-restarted';

export interface RepointDecision {
  action: 'repoint' | 'none';
  rule: RepointRule;
  reason: string;
}

/**
 * The watcher follows the sentinels, not the other way round: only when the whole group was
 * restarted (the sentinels' master is gone and the recorded one is a live master they cannot have
 * promoted) does ZooKeeper lead. A record naming one of their own replicas is the other case: a
 * crash failover or a hand-off records the replica a sentinel promoted as soon as it answers as
 * master, while the sentinels that did not lead the failover still name the dead master until the
 * leader's announcement reaches them. Re-monitoring then would reset their config epoch to 0 and
 * drop what they know of the failover, so they are left to learn it, for one failover-timeout.
 */
export function decideRepoint(o: RepointObservation): RepointDecision {
  const rec = formatHostPort(o.record);
  if (o.monitored === undefined) return { action: 'none', rule: 'no-master', reason: `our sentinel does not report a master for ${o.group}` };
  const mon = formatHostPort(o.monitored);
  if (sameHostPort(o.monitored, o.record)) return { action: 'none', rule: 'already-monitoring', reason: `our sentinel already monitors ${rec} for ${o.group}` };
  if (o.recordRole !== 'master') {
    return { action: 'none', rule: 'record-not-master', reason: `the recorded master ${rec} of ${o.group} is ${o.recordRole === 'unreachable' ? 'unreachable' : 'a replica'}, so the sentinels' ${mon} stays` };
  }
  const flags = o.monitoredFlags.split(',');
  const down = !o.monitoredReachable || flags.includes('s_down') || flags.includes('o_down');
  if (!down) {
    return { action: 'none', rule: 'sentinels-lead', reason: `our sentinel's master ${mon} of ${o.group} is healthy; the sentinels lead, ZooKeeper follows` };
  }
  if (flags.includes('failover_in_progress')) {
    return { action: 'none', rule: 'failover-in-progress', reason: `a failover of ${o.group} is in progress; the sentinels will pick the new master` };
  }
  const downFor = o.monitoredDownForMs ?? 0;
  if (o.recordIsKnownReplica && downFor < o.failoverTimeoutMs) {
    return {
      action: 'none',
      rule: 'sentinels-promoted-it',
      reason: `the recorded master ${rec} of ${o.group} is a replica our sentinel knows, so the sentinels fail over to it themselves; our sentinel's ${mon} has been down ${downFor} ms of the ${o.failoverTimeoutMs} ms failover-timeout`,
    };
  }
  return {
    action: 'repoint',
    rule: 'group-restarted',
    reason: `our sentinel's master ${mon} of ${o.group} is down (${o.monitoredReachable ? o.monitoredFlags : 'unreachable'}) and ZooKeeper records ${rec}, which answers role:master: the group was restarted, so the sentinel follows ZooKeeper`,
  };
}
