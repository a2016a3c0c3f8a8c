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
}

export type RepointRule = 'no-master' | 'already-monitoring' | 'record-not-master' | 'sentinels-lead' | 'failover-in-progress' | 'group-restarted';

export interface RepointDecision {
  action: 'repoint' | 'none';
  rule: RepointRule;
  reason: string;
}

/**
 * The watcher follows the sentinels, not the other way round: only when the whole group was
 * restarted (the sentinels' master is gone and the recorded one is a live master) does ZooKeeper
 * lead.
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
  return {
    action: 'repoint',
    rule: 'group-restarted',
    reason: `our sentinel's master ${mon} of ${o.group} is down (${o.monitoredReachable ? o.monitoredFlags : 'unreachable'}) and ZooKeeper records ${rec}, which answers role:master: the group was restarted, so the sentinel follows ZooKeeper`,
  };
}
