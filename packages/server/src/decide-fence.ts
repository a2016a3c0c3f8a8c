import { majorityOf } from '@redis-zk/core';

/**
 * Fencing: may our redis-server, while it is a master, keep taking writes — and once it has
 * stopped, may it take them again?
 *
 * Keeping writes. Anyone who could replace a master needs one of three things first: the
 * sentinels (a majority of them must stop naming it, after down-after), ZooKeeper (its record
 * must move, or its session expire), or its replicas (one of them must be promoted, so be cut off
 * from it). So while the fence is down, any one of these confirms it:
 *   - ZooKeeper answered and the group's record names us;
 *   - a majority of the registered sentinels answered naming us, and none of them thinks us down;
 *   - every replica registered in the group answered as our replica with its link up
 *     (Patroni's failsafe: a ZooKeeper outage plus a sentinel outage stop nothing while the whole
 *     group is still together).
 * Unconfirmed for FENCE_AFTER_MS, or after we did not run for that long (frozen, blocked), the
 * fence goes up: every write gets -NOREPLICAS.
 *
 * Lifting it. A master that was out of contact that long may be in the middle of its own
 * failover, and the three confirmations above lag behind one: the record moves only once the
 * failover is done, the sentinels that did not lead it keep naming us, and the replica that will
 * not be promoted stays attached. So a fence is lifted only on fresh evidence — gathered by a
 * check that started after the fence went up — that no failover of us is under way or done:
 *   (7) every registered sentinel answers naming us, none with a down flag or a failover in
 *       progress (the failover's leader is one of them, and flags it from its start to its end);
 *   (8) some sentinel does not answer: a majority answer as in (7), none reports a failover,
 *       every registered replica is attached to us, and all of that holds for LIFT_SETTLE_MS
 *       (a running failover promotes its chosen replica within a few of Sentinel's 100 ms ticks,
 *       which detaches it);
 *   (9) FAILOVER_MODE=zookeeper: our own session holds the group's leadership and the record
 *       names us (only the leadership's loss lets an election run);
 *   (10) Sentinel mode with no sentinel registered (nobody can fail us over but the record's
 *       writers): the record names us, or every registered replica is attached to us.
 */
export interface FenceObservation {
  /** Our redis-server's role now; `unreachable` when it did not answer. */
  role: 'master' | 'replica' | 'unreachable';
  /** ZooKeeper's answer about the group's record, or `unreachable` within the check's deadline. */
  zk: 'names-us' | 'names-other' | 'unreachable';
  /** FAILOVER_MODE=zookeeper: who holds the group's leadership; undefined in Sentinel mode. */
  leadership?: 'ours' | 'other' | 'none' | 'unreachable';
  sentinels: {
    registered: number;
    /** Answered naming us with no down flag (s_down, o_down); one mid-failover names nobody. */
    namingUs: number;
    /** Some sentinel answered that a failover of the group is in progress (asked while fenced). */
    failoverSeen?: boolean;
  };
  /** Registered group members other than us, and how many of them answered as our attached replica. */
  replicas: { registered: number; attached: number };
  /** When this check started asking (its answers are no older). */
  askedAt: number;
  now: number;
  fenceAfterMs: number;
  /**
   * (11) The group is paused (maintenance mode): nobody fails us over automatically, so the fence
   * does not go up (a ZooKeeper or network change during a pause must not stop writes). A fence
   * already up stays until its own rules lift it.
   */
  paused?: boolean;
}

/** What the shell keeps between checks. */
export interface FenceState {
  fenced: boolean;
  /** When the fence went up: evidence gathered before it cannot lift it. */
  fencedAt: number | undefined;
  /**
   * When the last confirmation was asked for (a lease runs from when it was asked); for a master
   * just promoted, the promotion plus one FENCE_AFTER_MS (its record is on its way).
   */
  lastConfirmedAt: number;
  /** Since when rule (8)'s evidence has held without a break. */
  settlingSince: number | undefined;
  /** Since when our own redis-server has not answered (stopped or blocked on its own). */
  unreachableSince: number | undefined;
}

export const FENCE_RULES = {
  stopped: '(0)',
  replica: '(1)',
  unreachable: '(2)',
  confirmed: '(3)',
  'still-fenced': '(4)',
  unconfirmed: '(5)',
  'within-lease': '(6)',
  'lift-all-sentinels': '(7)',
  'lift-majority-settled': '(8)',
  'lift-leadership': '(9)',
  'lift-no-sentinels': '(10)',
  paused: '(11)',
} as const;
export type FenceRule = keyof typeof FENCE_RULES;

export type FenceAction = 'none' | 'fence' | 'lift';

export interface FenceDecision {
  action: FenceAction;
  rule: FenceRule;
  /** What confirmed us this cycle, if anything (for the lease: lastConfirmedAt). */
  confirmedBy: 'zookeeper' | 'sentinels' | 'replicas' | undefined;
  reason: string;
  next: FenceState;
}

/** How long rule (8)'s evidence must hold before it lifts a fence. */
export const LIFT_SETTLE_MS = 1_000;

export function initialFenceState(now: number): FenceState {
  return { fenced: false, fencedAt: undefined, lastConfirmedAt: now, settlingSince: undefined, unreachableSince: undefined };
}

/** The watchdog found we did not run for `sleptMs`: the fence goes up before anyone is asked. */
export function fenceAfterGap(s: FenceState, now: number, sleptMs: number, fenceAfterMs: number, paused = false): FenceDecision | undefined {
  if (s.fenced || sleptMs <= fenceAfterMs || paused) return undefined;
  return {
    action: 'fence',
    rule: 'stopped',
    confirmedBy: undefined,
    reason: `(0) We did not run for ${sleptMs} ms (longer than FENCE_AFTER_MS=${fenceAfterMs}: stopped or blocked); refusing writes until fresh evidence shows no failover of us is under way.`,
    next: { ...s, fenced: true, fencedAt: now, settlingSince: undefined },
  };
}

export function decideFence(state: FenceState, o: FenceObservation): FenceDecision {
  let s = state;
  const done = (action: FenceAction, rule: FenceRule, reason: string, next: Partial<FenceState> = {}, confirmedBy?: FenceDecision['confirmedBy']): FenceDecision => ({
    action,
    rule,
    confirmedBy,
    reason: `${FENCE_RULES[rule]} ${reason}`,
    next: { ...s, ...next },
  });
  // (1) Not a master: a replica refuses writes anyway, and a fence left on would refuse them
  //     after a later promotion. A promotion counts as a confirmation: the record (and the
  //     sentinels' hello) take a while to name it, so it gets one FENCE_AFTER_MS more.
  if (o.role === 'replica') {
    const next = { fenced: false, fencedAt: undefined, settlingSince: undefined, unreachableSince: undefined, lastConfirmedAt: o.now + o.fenceAfterMs };
    return s.fenced
      ? done('lift', 'replica', 'Our redis-server is a replica now: lifting the write fence (a replica takes no writes anyway).', next)
      : done('none', 'replica', 'Our redis-server is a replica: nothing to fence.', next);
  }
  if (o.paused === true && !s.fenced && o.role === 'master') {
    // The lease starts afresh on resume: what was unconfirmed during the pause does not count.
    return done('none', 'paused', 'The group is paused: no automatic failover can replace us, so no fence goes up.', { lastConfirmedAt: o.now, unreachableSince: undefined });
  }
  if (o.role === 'unreachable') return done('none', 'unreachable', 'Our redis-server did not answer: nothing to fence or lift until it does.', { unreachableSince: s.unreachableSince ?? o.askedAt });
  // Our redis-server alone was stopped or blocked that long: what it is told now may come from a
  // failover of it that ran meanwhile, as after a gap of our own.
  const silentMs = s.unreachableSince === undefined ? 0 : o.now - s.unreachableSince;
  if (!s.fenced && silentMs > o.fenceAfterMs) {
    return done('fence', 'stopped', `Our redis-server did not answer for ${silentMs} ms (longer than FENCE_AFTER_MS=${o.fenceAfterMs}: stopped or blocked); refusing writes until fresh evidence shows no failover of us is under way.`, { fenced: true, fencedAt: o.now, settlingSince: undefined, unreachableSince: undefined });
  }
  if (s.unreachableSince !== undefined) s = { ...s, unreachableSince: undefined };

  const why = `${o.zk === 'names-other' ? 'ZooKeeper names another master' : o.zk === 'unreachable' ? 'ZooKeeper did not answer' : 'ZooKeeper names us'}, ${o.sentinels.namingUs} of ${o.sentinels.registered} registered sentinels name us (${majorityOf(o.sentinels.registered)} needed), ${o.replicas.attached} of ${o.replicas.registered} registered replicas are attached`;
  const allAttached = o.replicas.attached >= o.replicas.registered;

  if (s.fenced) {
    // Only what was asked after the fence went up can lift it.
    const fresh = s.fencedAt === undefined || o.askedAt >= s.fencedAt;
    if (!fresh) return done('none', 'still-fenced', `Still fenced: this check's answers predate the fence.`);
    if (o.leadership !== undefined) {
      if (o.leadership === 'ours' && o.zk === 'names-us') return done('lift', 'lift-leadership', 'Our session holds the group\'s leadership and the record names us, read after the fence went up: lifting the write fence.', lifted(o.now));
      return done('none', 'still-fenced', `Still fenced: the leadership is ${o.leadership === 'ours' ? 'ours but the record does not name us' : o.leadership === 'unreachable' ? 'unknown (ZooKeeper did not answer)' : `${o.leadership === 'none' ? 'held by nobody' : 'held by another'}`} (FAILOVER_MODE=zookeeper lifts only on our leadership).`);
    }
    const sen = o.sentinels;
    if (sen.registered === 0) {
      if (o.zk === 'names-us') return done('lift', 'lift-no-sentinels', 'No sentinel is registered and the record names us, read after the fence went up: lifting the write fence.', lifted(o.now));
      if (allAttached && o.zk !== 'names-other') return done('lift', 'lift-no-sentinels', `No sentinel is registered and ${o.replicas.registered === 0 ? 'we have no replica anyone could promote' : `all ${o.replicas.registered} registered replicas are attached to us`}: lifting the write fence.`, lifted(o.now));
      return done('none', 'still-fenced', `Still fenced: ${why}.`);
    }
    const clean = sen.namingUs;
    if (clean >= sen.registered && sen.failoverSeen !== true) {
      return done('lift', 'lift-all-sentinels', `All ${sen.registered} registered sentinels name us with no down flag and no failover in progress, asked after the fence went up: lifting the write fence.`, lifted(o.now));
    }
    if (clean >= majorityOf(sen.registered) && sen.failoverSeen !== true && allAttached && o.zk !== 'names-other') {
      const since = s.settlingSince ?? o.askedAt;
      if (o.now - since >= LIFT_SETTLE_MS) {
        return done('lift', 'lift-majority-settled', `${clean} of ${sen.registered} registered sentinels name us with no failover in progress and all ${o.replicas.registered} registered replicas stayed attached for ${o.now - since} ms: lifting the write fence.`, lifted(o.now));
      }
      return done('none', 'still-fenced', `Still fenced: ${clean} of ${sen.registered} sentinels name us cleanly and every replica is attached; waiting ${LIFT_SETTLE_MS} ms for that to hold.`, { settlingSince: since });
    }
    return done('none', 'still-fenced', `Still fenced: ${sen.failoverSeen === true ? 'a sentinel reports a failover of us in progress; ' : ''}${clean} of ${sen.registered} registered sentinels name us with no down flag or failover, ${o.replicas.attached} of ${o.replicas.registered} registered replicas are attached.`, { settlingSince: undefined });
  }

  const confirmedBy =
    o.zk === 'names-us'
      ? ('zookeeper' as const)
      : o.sentinels.registered > 0 && o.sentinels.namingUs >= majorityOf(o.sentinels.registered)
        ? ('sentinels' as const)
        : allAttached && o.zk !== 'names-other'
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
    return done('none', 'confirmed', `Confirmed as master: ${by}.`, { lastConfirmedAt: Math.max(s.lastConfirmedAt, o.askedAt) }, confirmedBy);
  }
  const unconfirmedMs = Math.max(0, o.now - s.lastConfirmedAt);
  if (unconfirmedMs >= o.fenceAfterMs) {
    return done('fence', 'unconfirmed', `Not confirmed as master for ${unconfirmedMs} ms (FENCE_AFTER_MS=${o.fenceAfterMs}): ${why}. Refusing writes until fresh evidence shows no failover of us is under way.`, { fenced: true, fencedAt: o.now, settlingSince: undefined });
  }
  return done('none', 'within-lease', `Not confirmed as master for ${unconfirmedMs} ms, under FENCE_AFTER_MS=${o.fenceAfterMs}: ${why}.`);
}

const lifted = (now: number): Partial<FenceState> => ({ fenced: false, fencedAt: undefined, settlingSince: undefined, lastConfirmedAt: now });
