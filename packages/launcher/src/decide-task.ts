import type { AppDef } from './definitions.js';

/**
 * Marathon's task rules as the launcher applies them, without I/O: when a health check result
 * makes a task healthy, unhealthy or killed, and how long a dead task waits to be replaced.
 * launcher.ts gathers the results and applies the actions.
 */

type HealthCheckDef = NonNullable<AppDef['healthChecks']>[number];

export interface HealthPolicy {
  intervalMs: number;
  timeoutMs: number;
  /** No kill before this long after the start, unless the task passed a check (Marathon's gracePeriodSeconds). */
  graceMs: number;
  maxFailures: number;
}

/** Marathon's defaults for a health check definition; `intervalMs` overrides its interval (tests). */
export function healthPolicy(hc: HealthCheckDef, intervalMs?: number): HealthPolicy {
  const interval = intervalMs ?? (hc.intervalSeconds ?? 60) * 1000;
  return {
    intervalMs: interval,
    timeoutMs: Math.min((hc.timeoutSeconds ?? 20) * 1000, Math.max(interval, 1000)),
    graceMs: (hc.gracePeriodSeconds ?? 300) * 1000,
    maxFailures: Math.max(1, hc.maxConsecutiveFailures ?? 3),
  };
}

export interface HealthState {
  /** Failed checks in a row. */
  failures: number;
  healthy: boolean;
  /** Passed a check at least once: the grace period is over. */
  everHealthy: boolean;
  startedAt: number;
}

export type HealthRule = 'passed' | 'became-healthy' | 'failed-in-grace' | 'failed' | 'too-many-failures';

export interface HealthDecision {
  /** `became-healthy`/`became-unhealthy` are said once; `kill` stops the task (it is then replaced). */
  action: 'none' | 'became-healthy' | 'became-unhealthy' | 'kill';
  rule: HealthRule;
  next: HealthState;
}

export function decideHealth(state: HealthState, passed: boolean, now: number, policy: HealthPolicy): HealthDecision {
  if (passed) {
    const next = { ...state, failures: 0, healthy: true, everHealthy: true };
    return state.healthy ? { action: 'none', rule: 'passed', next } : { action: 'became-healthy', rule: 'became-healthy', next };
  }
  const failures = state.failures + 1;
  const next = { ...state, failures, healthy: false };
  const inGrace = !state.everHealthy && now - state.startedAt < policy.graceMs;
  // Mesos-level checks: killed after maxConsecutiveFailures once out of the grace period.
  if (!inGrace && failures >= policy.maxFailures) return { action: 'kill', rule: 'too-many-failures', next };
  return { action: state.healthy ? 'became-unhealthy' : 'none', rule: inGrace ? 'failed-in-grace' : 'failed', next };
}

/**
 * Marathon's launch backoff: `backoffSeconds × backoffFactor^(failed launches in a row − 1)`,
 * at most `maxLaunchDelaySeconds`. A launch counts as failed when the task never became healthy.
 */
export function restartDelayMs(app: Pick<AppDef, 'backoffSeconds' | 'backoffFactor' | 'maxLaunchDelaySeconds'>, failedLaunches: number, baseOverrideMs?: number): number {
  const base = baseOverrideMs ?? (app.backoffSeconds ?? 1) * 1000;
  const factor = app.backoffFactor ?? 1.15;
  const max = (app.maxLaunchDelaySeconds ?? 3600) * 1000;
  return Math.min(max, Math.round(base * factor ** Math.max(0, failedLaunches - 1)));
}
