import { formatHostPort, type HostPort, sameHostPort, type SentinelEvent } from '@redis-zk/core';

/**
 * A replica's side of a failover. When a sentinel selects another replica of our master for
 * promotion (`+selected-slave`), we replicate the selected one at once instead of waiting for
 * Sentinel to re-point us after the promotion: until then we would go on acknowledging writes
 * of the old master (`WAIT`) that the promoted replica may not have, and that our later resync
 * from it discards. Replicating the selected replica, we acknowledge nothing to the old master;
 * every acknowledgement it still gets comes from the replica that survives the failover. If the
 * failover is aborted, the sentinels re-point us to the master (`+fix-slave-config`).
 *   (1) not our group, or not a selection: nothing;
 *   (2) we are the selected one: nothing (Sentinel promotes us);
 *   (3) we are not a replica of the master being failed over: nothing;
 *   (4) otherwise: replicate the selected replica.
 */
export interface SelectedObservation {
  self: HostPort;
  group: string;
  event: SentinelEvent;
  /** Our redis-server's role and master now. */
  own: { role: 'master' | 'slave' | 'unreachable'; master: HostPort | undefined };
}

export type SelectedDecision =
  | { action: 'none'; rule: 'not-ours' | 'we-are-selected' | 'not-its-replica'; reason: string }
  | { action: 'replicate'; rule: 'follow-selected'; master: HostPort; reason: string };

export function decideSelected(o: SelectedObservation): SelectedDecision {
  const e = o.event;
  if (e.channel !== '+selected-slave' || e.group !== o.group || e.instance === undefined || e.master === undefined) {
    return { action: 'none', rule: 'not-ours', reason: `(1) Not a selection in group ${o.group}.` };
  }
  if (sameHostPort(e.instance, o.self)) return { action: 'none', rule: 'we-are-selected', reason: `(2) The sentinels selected us to replace ${formatHostPort(e.master)}.` };
  if (o.own.role !== 'slave' || o.own.master === undefined || !sameHostPort(o.own.master, e.master)) {
    return { action: 'none', rule: 'not-its-replica', reason: `(3) The sentinels selected ${formatHostPort(e.instance)} to replace ${formatHostPort(e.master)}, whose replica we are not.` };
  }
  return {
    action: 'replicate',
    rule: 'follow-selected',
    master: e.instance,
    reason: `(4) The sentinels selected ${formatHostPort(e.instance)} to replace our master ${formatHostPort(e.master)}: replicating it now, so that the old master gets no acknowledgement from us that the new one may lack.`,
  };
}
