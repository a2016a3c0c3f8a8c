import { majorityOf } from '@redis-zk/core';

/**
 * Fencing: may our redis-server, while it is a master, keep taking writes?
 *
 * A master keeps writes only while it can show that it is still the master. Anyone who could
 * replace it needs one of three things first: the sentinels (a majority of them must stop naming
 * it, after down-after), ZooKeeper (its record must move, or its session expire), or its replicas
 * (one of them must be promoted, so be cut off from it). So any one of these confirms it:
 *   - ZooKeeper answered and the group's record names us;
 *   - a majority of the registered sentinels answered naming us, and none of them thinks us down;
 *   - every replica registered in the group answered as our replica with its link up
 *     (Patroni's failsafe: a ZooKeeper outage plus a sentinel outage stop nothing while the whole
 *     group is still together).
 * Unconfirmed for FENCE_AFTER_MS, it refuses writes until one of them confirms it again, or it is
 * demoted (the follow loop re-points it when the record moves; the sentinels do when they reach it).
 */
export interface FenceObservation {
  /** Our redis-server's role now; `unreachable` when it did not answer. */
  role: 'master' | 'replica' | 'unreachable';
  /** ZooKeeper's answer about the group's record, or `unreachable` within the check's deadline. */
  zk: 'names-us' | 'names-other' | 'unreachable';
  sentinels: { registered: number; namingUs: number };
  /** Registered group members other than us, and how many of them answered as our attached replica. */
  replicas: { registered: number; attached: number };
  /**
   * When the last confirmation was sent (its start: a lease runs from when it was asked); for a
   * master just promoted, the promotion plus one FENCE_AFTER_MS (its record is on its way).
   */
  lastConfirmedAt: number;
  now: number;
  fenced: boolean;
  fenceAfterMs: number;
}

export type FenceAction = 'none' | 'fence' | 'lift';

export interface FenceDecision {
  action: FenceAction;
  /** What confirmed us this cycle, if anything. */
  confirmedBy: 'zookeeper' | 'sentinels' | 'replicas' | undefined;
  reason: string;
}

export function decideFence(o: FenceObservation): FenceDecision {
  // (1) Not a master: a replica refuses writes anyway, and a fence left on would refuse them
  //     after a later promotion.
  if (o.role === 'replica') {
    return o.fenced
      ? { action: 'lift', confirmedBy: undefined, reason: '(1) Our redis-server is a replica now: lifting the write fence (a replica takes no writes anyway).' }
      : { action: 'none', confirmedBy: undefined, reason: '(1) Our redis-server is a replica: nothing to fence.' };
  }
  if (o.role === 'unreachable') {
    return { action: 'none', confirmedBy: undefined, reason: '(2) Our redis-server did not answer: nothing to fence or lift until it does.' };
  }
  const confirmedBy =
    o.zk === 'names-us'
      ? ('zookeeper' as const)
      : o.sentinels.registered > 0 && o.sentinels.namingUs >= majorityOf(o.sentinels.registered)
        ? ('sentinels' as const)
        : o.replicas.attached >= o.replicas.registered && o.zk !== 'names-other'
          ? ('replicas' as const)
          : undefined;
  if (confirmedBy !== undefined) {
    const by =
      confirmedBy === 'zookeeper'
        ? 'ZooKeeper names us'
        : confirmedBy === 'sentinels'
          ? `${o.sentinels.namingUs} of ${o.sentinels.registered} registered sentinels name us`
          : o.replicas.registered === 0
            ? 'we have no replica anyone could promote'
            : `all ${o.replicas.registered} registered replicas are attached to us`;
    return o.fenced
      ? { action: 'lift', confirmedBy, reason: `(3) Confirmed as master again (${by}): lifting the write fence.` }
      : { action: 'none', confirmedBy, reason: `(3) Confirmed as master: ${by}.` };
  }
  const unconfirmedMs = Math.max(0, o.now - o.lastConfirmedAt);
  const why = `${o.zk === 'names-other' ? 'ZooKeeper names another master' : 'ZooKeeper did not answer'}, ${o.sentinels.namingUs} of ${o.sentinels.registered} registered sentinels name us (${majorityOf(o.sentinels.registered)} needed), ${o.replicas.attached} of ${o.replicas.registered} registered replicas are attached`;
  if (o.fenced) return { action: 'none', confirmedBy, reason: `(4) Still fenced: ${why}.` };
  if (unconfirmedMs >= o.fenceAfterMs) {
    return { action: 'fence', confirmedBy, reason: `(5) Not confirmed as master for ${unconfirmedMs} ms (FENCE_AFTER_MS=${o.fenceAfterMs}): ${why}. Refusing writes until confirmed again.` };
  }
  return { action: 'none', confirmedBy, reason: `(6) Not confirmed as master for ${unconfirmedMs} ms, under FENCE_AFTER_MS=${o.fenceAfterMs}: ${why}.` };
}
