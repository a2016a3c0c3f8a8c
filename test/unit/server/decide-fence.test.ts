import { describe, expect, it } from 'vitest';
import { decideFence, fenceAfterGap, initialFenceState, LIFT_SETTLE_MS, type FenceObservation, type FenceState } from '../../../packages/server/src/decide-fence.js';

const base: FenceObservation = {
  role: 'master',
  zk: 'names-us',
  sentinels: { registered: 3, namingUs: 3, failoverSeen: false },
  replicas: { registered: 2, attached: 2 },
  askedAt: 10_000,
  now: 10_000,
  fenceAfterMs: 2_000,
};
const open: FenceState = initialFenceState(10_000);
/** Fenced at 20 s; evidence asked from 21 s on is fresh. */
const fenced: FenceState = { ...open, fenced: true, fencedAt: 20_000 };
const at = (o: Partial<FenceObservation>, s: FenceState = open) => decideFence(s, { ...base, ...o });
const later = { askedAt: 21_000, now: 21_000 };
/** Everything cut off: ZooKeeper silent, no sentinel, no replica. */
const isolated = { zk: 'unreachable' as const, sentinels: { registered: 3, namingUs: 0 }, replicas: { registered: 2, attached: 0 } };

describe('decideFence: keeping writes (a master keeps them only while it can show it is the master)', () => {
  it('(3) any one source confirms: ZooKeeper, a majority of the registered sentinels, or every registered replica attached', () => {
    expect(at({}).confirmedBy).toBe('zookeeper');
    expect(at({ ...isolated, sentinels: { registered: 3, namingUs: 2 } }).confirmedBy).toBe('sentinels');
    expect(at({ ...isolated, replicas: { registered: 2, attached: 2 } }).confirmedBy).toBe('replicas');
    expect(at({ ...isolated, replicas: { registered: 0, attached: 0 } }).confirmedBy).toBe('replicas');
    expect(at({ ...isolated, now: 99_000 }).action).toBe('fence');
    expect(at({}).rule).toBe('confirmed');
    // The lease runs from when the confirmation was asked.
    expect(at({ askedAt: 10_500, now: 10_900 }).next.lastConfirmedAt).toBe(10_500);
  });

  it('a minority of sentinels or all but one replica confirm nothing', () => {
    expect(at({ ...isolated, sentinels: { registered: 3, namingUs: 1 }, replicas: { registered: 2, attached: 1 } }).confirmedBy).toBeUndefined();
    expect(at({ ...isolated, sentinels: { registered: 4, namingUs: 2 } }).confirmedBy).toBeUndefined();
  });

  it("ZooKeeper naming another master voids the replicas' failsafe (we were replaced while they still follow us)", () => {
    const d = at({ ...isolated, zk: 'names-other', replicas: { registered: 2, attached: 2 }, now: 99_000 });
    expect(d.confirmedBy).toBeUndefined();
    expect(d.action).toBe('fence');
  });

  it('(6) then (5): unconfirmed below FENCE_AFTER_MS nothing happens, at FENCE_AFTER_MS the fence goes up and records when', () => {
    expect(at({ ...isolated, now: 11_999 })).toMatchObject({ action: 'none', rule: 'within-lease' });
    const d = at({ ...isolated, now: 12_000 });
    expect(d).toMatchObject({ action: 'fence', rule: 'unconfirmed', next: { fenced: true, fencedAt: 12_000 } });
  });

  it('(1) a replica is never fenced, a fence left from its master days is lifted, and a promotion gets one FENCE_AFTER_MS of lease', () => {
    expect(at({ ...isolated, role: 'replica', now: 99_000 })).toMatchObject({ action: 'none', rule: 'replica', next: { lastConfirmedAt: 101_000 } });
    expect(at({ ...isolated, role: 'replica' }, fenced)).toMatchObject({ action: 'lift', rule: 'replica', next: { fenced: false } });
  });

  it('(2) an unreachable redis-server is neither fenced nor lifted, and (0) one silent for longer than FENCE_AFTER_MS is fenced when it answers as master, even if ZooKeeper names it', () => {
    expect(at({ ...isolated, role: 'unreachable', now: 99_000 })).toMatchObject({ action: 'none', rule: 'unreachable' });
    expect(at({ role: 'unreachable' }, fenced).action).toBe('none');
    const silent = at({ role: 'unreachable', askedAt: 30_000, now: 30_000 }).next;
    expect(silent.unreachableSince).toBe(30_000);
    expect(at({ askedAt: 31_000, now: 31_000 }, silent)).toMatchObject({ action: 'none', rule: 'confirmed' });
    expect(at({ askedAt: 33_000, now: 33_000 }, silent)).toMatchObject({ action: 'fence', rule: 'stopped', next: { fenced: true, fencedAt: 33_000, unreachableSince: undefined } });
  });

  it('(0) the watchdog: a gap longer than FENCE_AFTER_MS fences at once, before anyone is asked; a shorter one or a fence already up does nothing', () => {
    expect(fenceAfterGap(open, 50_000, 3_000, 2_000)).toMatchObject({ action: 'fence', rule: 'stopped', next: { fenced: true, fencedAt: 50_000 } });
    expect(fenceAfterGap(open, 50_000, 1_999, 2_000)).toBeUndefined();
    expect(fenceAfterGap(fenced, 50_000, 9_000, 2_000)).toBeUndefined();
  });
});

describe('decideFence: lifting a fence only on fresh evidence that no failover of us is under way', () => {
  it('(4) evidence asked before the fence went up lifts nothing, however good (the check that was under way when we froze)', () => {
    expect(at({ askedAt: 19_999, now: 21_000 }, fenced)).toMatchObject({ action: 'none', rule: 'still-fenced' });
  });

  it('stale cases that used to lift: ZooKeeper still naming us mid-failover, a majority of sentinels naming us, every replica attached — none lifts alone', () => {
    // The record moves only when the failover is done.
    expect(at({ ...later, sentinels: { registered: 3, namingUs: 0, failoverSeen: true } }, fenced).action).toBe('none');
    // Two sentinels that did not lead the failover still name us; the leader reports it.
    expect(at({ ...later, sentinels: { registered: 3, namingUs: 2, failoverSeen: true } }, fenced).action).toBe('none');
    // The replica that will not be promoted is still attached, and so is the chosen one, for now.
    expect(at({ ...later, zk: 'unreachable', sentinels: { registered: 3, namingUs: 1 }, replicas: { registered: 2, attached: 2 } }, fenced).action).toBe('none');
  });

  it('(7) every registered sentinel names us with no down flag and no failover in progress: lifted', () => {
    expect(at({ ...later, sentinels: { registered: 3, namingUs: 3, failoverSeen: false } }, fenced)).toMatchObject({ action: 'lift', rule: 'lift-all-sentinels', next: { fenced: false } });
    expect(at({ ...later, sentinels: { registered: 3, namingUs: 3, failoverSeen: true } }, fenced).action).toBe('none');
  });

  it('(8) a sentinel silent: a majority naming us, no failover reported, every replica attached, held for LIFT_SETTLE_MS', () => {
    const partial = { ...later, sentinels: { registered: 3, namingUs: 2, failoverSeen: false } };
    const first = at(partial, fenced);
    expect(first).toMatchObject({ action: 'none', rule: 'still-fenced', next: { settlingSince: 21_000 } });
    expect(at({ ...partial, askedAt: 21_500, now: 21_500 }, first.next).action).toBe('none');
    expect(at({ ...partial, askedAt: 21_000 + LIFT_SETTLE_MS, now: 21_000 + LIFT_SETTLE_MS }, first.next)).toMatchObject({ action: 'lift', rule: 'lift-majority-settled' });
    // A break (a replica detached: promoted?) starts the wait again.
    const broken = at({ ...partial, replicas: { registered: 2, attached: 1 }, askedAt: 21_500, now: 21_500 }, first.next);
    expect(broken.next.settlingSince).toBeUndefined();
    // ZooKeeper naming another master: never.
    expect(at({ ...partial, zk: 'names-other', askedAt: 25_000, now: 25_000 }, first.next).action).toBe('none');
  });

  it('(9) FAILOVER_MODE=zookeeper: only our own leadership, with the record naming us, lifts', () => {
    expect(at({ ...later, leadership: 'ours' }, fenced)).toMatchObject({ action: 'lift', rule: 'lift-leadership' });
    for (const leadership of ['none', 'other', 'unreachable'] as const) expect(at({ ...later, leadership }, fenced).action).toBe('none');
    expect(at({ ...later, leadership: 'ours', zk: 'names-other' }, fenced).action).toBe('none');
    // The sentinels and replicas do not count in this mode.
    expect(at({ ...later, leadership: 'none', replicas: { registered: 2, attached: 2 } }, fenced).action).toBe('none');
  });

  it('(10) Sentinel mode with no sentinel registered: the record naming us, or every replica attached (nobody else can promote one)', () => {
    const none = { registered: 0, namingUs: 0 };
    expect(at({ ...later, sentinels: none }, fenced)).toMatchObject({ action: 'lift', rule: 'lift-no-sentinels' });
    expect(at({ ...later, sentinels: none, zk: 'unreachable' }, fenced)).toMatchObject({ action: 'lift', rule: 'lift-no-sentinels' });
    expect(at({ ...later, sentinels: none, zk: 'unreachable', replicas: { registered: 2, attached: 1 } }, fenced).action).toBe('none');
    expect(at({ ...later, sentinels: none, zk: 'names-other' }, fenced).action).toBe('none');
  });

  it('every rule named in a reason is the rule returned', () => {
    const ds = [at({}), at({ ...isolated, now: 12_000 }), at({ ...later }, fenced), at({ ...later, leadership: 'ours' }, fenced), at({ role: 'replica' }), fenceAfterGap(open, 1, 5_000, 2_000)!];
    for (const d of ds) expect(d.reason.startsWith('(')).toBe(true);
  });
});
