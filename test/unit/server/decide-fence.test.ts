import { describe, expect, it } from 'vitest';
import { decideFence, type FenceObservation } from '../../../packages/server/src/decide-fence.js';

const base: FenceObservation = {
  role: 'master',
  zk: 'names-us',
  sentinels: { registered: 3, namingUs: 3 },
  replicas: { registered: 2, attached: 2 },
  lastConfirmedAt: 10_000,
  now: 10_000,
  fenced: false,
  fenceAfterMs: 2_000,
};
const at = (o: Partial<FenceObservation>) => decideFence({ ...base, ...o });
/** Everything cut off: ZooKeeper silent, no sentinel, no replica. */
const isolated = { zk: 'unreachable' as const, sentinels: { registered: 3, namingUs: 0 }, replicas: { registered: 2, attached: 0 } };

describe('decideFence (a master keeps writes only while it can show it is the master)', () => {
  it('(3) any one source confirms: ZooKeeper, a majority of the registered sentinels, or every registered replica attached', () => {
    expect(at({}).confirmedBy).toBe('zookeeper');
    expect(at({ ...isolated, sentinels: { registered: 3, namingUs: 2 } }).confirmedBy).toBe('sentinels');
    expect(at({ ...isolated, replicas: { registered: 2, attached: 2 } }).confirmedBy).toBe('replicas');
    expect(at({ ...isolated, replicas: { registered: 0, attached: 0 } }).confirmedBy).toBe('replicas');
    expect(at({ ...isolated, now: 99_000 }).action).toBe('fence');
  });

  it('a minority of sentinels or all but one replica confirm nothing', () => {
    expect(at({ ...isolated, sentinels: { registered: 3, namingUs: 1 }, replicas: { registered: 2, attached: 1 } }).confirmedBy).toBeUndefined();
    // Four registered: two is no majority.
    expect(at({ ...isolated, sentinels: { registered: 4, namingUs: 2 } }).confirmedBy).toBeUndefined();
  });

  it('ZooKeeper naming another master voids the replicas\' failsafe (we were replaced while they still follow us)', () => {
    const d = at({ ...isolated, zk: 'names-other', replicas: { registered: 2, attached: 2 }, now: 99_000 });
    expect(d.confirmedBy).toBeUndefined();
    expect(d.action).toBe('fence');
  });

  it('(6) then (5): unconfirmed below FENCE_AFTER_MS nothing happens, at FENCE_AFTER_MS the fence goes up', () => {
    expect(at({ ...isolated, now: 11_999 }).action).toBe('none');
    const d = at({ ...isolated, now: 12_000 });
    expect(d.action).toBe('fence');
    expect(d.reason).toMatch(/^\(5\)/);
    expect(d.reason).toContain('FENCE_AFTER_MS=2000');
    expect(d.reason).toContain('0 of 3 registered sentinels name us (2 needed)');
  });

  it('(4) a fence that is up stays up while unconfirmed; (3) it is lifted when confirmed again', () => {
    expect(at({ ...isolated, now: 50_000, fenced: true }).action).toBe('none');
    const d = at({ fenced: true, now: 50_000 });
    expect(d.action).toBe('lift');
    expect(d.reason).toMatch(/^\(3\)/);
  });

  it('(1) a replica is never fenced, and a fence left from its master days is lifted', () => {
    expect(at({ ...isolated, role: 'replica', now: 99_000 }).action).toBe('none');
    expect(at({ ...isolated, role: 'replica', fenced: true }).action).toBe('lift');
  });

  it('(2) an unreachable redis-server is neither fenced nor lifted', () => {
    expect(at({ ...isolated, role: 'unreachable', now: 99_000 }).action).toBe('none');
    expect(at({ role: 'unreachable', fenced: true }).action).toBe('none');
  });
});
