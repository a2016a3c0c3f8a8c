import { describe, expect, it } from 'vitest';
import { decideHealth, healthPolicy, restartDelayMs, type HealthState } from '../../../packages/launcher/src/decide-task.js';

const policy = healthPolicy({ protocol: 'MESOS_HTTP', path: '/health', portIndex: 1, intervalSeconds: 1, gracePeriodSeconds: 10, maxConsecutiveFailures: 3, timeoutSeconds: 5 } as never);
const fresh: HealthState = { failures: 0, healthy: false, everHealthy: false, startedAt: 0 };

function run(state: HealthState, results: boolean[], now: number) {
  const decisions = [];
  for (const ok of results) {
    const d = decideHealth(state, ok, now, policy);
    decisions.push(d);
    state = d.next;
  }
  return decisions;
}

describe('Marathon health rules (decideHealth)', () => {
  it('takes Marathon defaults from the definition, the timeout bounded by the interval', () => {
    expect(policy).toEqual({ intervalMs: 1_000, timeoutMs: 1_000, graceMs: 10_000, maxFailures: 3 });
    expect(healthPolicy({} as never)).toEqual({ intervalMs: 60_000, timeoutMs: 20_000, graceMs: 300_000, maxFailures: 3 });
  });
  it('a first pass makes the task healthy once; later passes say nothing', () => {
    expect(run(fresh, [true, true], 1).map((d) => d.action)).toEqual(['became-healthy', 'none']);
  });
  it('failures inside the grace period never kill a task that has not passed yet', () => {
    const ds = run(fresh, [false, false, false, false], 5_000);
    expect(ds.map((d) => d.rule)).toEqual(['failed-in-grace', 'failed-in-grace', 'failed-in-grace', 'failed-in-grace']);
    expect(ds.every((d) => d.action !== 'kill')).toBe(true);
  });
  it('after the grace period, maxConsecutiveFailures failures in a row kill it', () => {
    expect(run(fresh, [false, false, false], 20_000).map((d) => d.action)).toEqual(['none', 'none', 'kill']);
  });
  it('a task that passed once has no grace left: it is said unhealthy once, then killed on the third failure', () => {
    const [up] = run(fresh, [true], 1);
    const ds = run(up!.next, [false, false, false], 2);
    expect(ds.map((d) => d.action)).toEqual(['became-unhealthy', 'none', 'kill']);
    expect(ds[2]!.rule).toBe('too-many-failures');
  });
  it('a pass resets the count of failures', () => {
    expect(run(fresh, [false, false, true, false, false], 20_000).map((d) => d.action)).toEqual(['none', 'none', 'became-healthy', 'became-unhealthy', 'none']);
  });
});

describe('Marathon launch backoff (restartDelayMs)', () => {
  it('grows by backoffFactor per failed launch, bounded by maxLaunchDelaySeconds', () => {
    const app = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 5 };
    expect([0, 1, 2, 3, 4, 10].map((n) => restartDelayMs(app, n))).toEqual([1_000, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
  it('uses Marathon defaults (1 s, ×1.15) and the override of the base delay', () => {
    expect(restartDelayMs({}, 2)).toBe(1_150);
    expect(restartDelayMs({}, 1, 50)).toBe(50);
  });
});
