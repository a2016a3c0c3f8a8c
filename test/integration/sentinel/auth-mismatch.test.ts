/**
 * REDIS_PASSWORD on the servers but not on the sentinels: every sentinel has the master
 * s_down,disconnected and failover is silently impossible. It must be loud instead.
 */
import { describe, expect, it } from 'vitest';
import { sharedZkHosts, startProgram, waitFor, zkClient } from '../../harness/index.js';
import { watcherEnv } from '../watcher/group.js';
import { registered, serverUp, startSentinel, startServer } from './helpers.js';

describe('a password the sentinels do not have', () => {
  it('each sentinel wrapper names REDIS_PASSWORD in one error line, and the watcher /health is 503 saying why', async () => {
    const hosts = sharedZkHosts();
    await zkClient(hosts);
    const password = { REDIS_PASSWORD: 'server-secret-1' };
    const a = await startServer(hosts, password);
    await a.proc.waitForLog(serverUp, 20_000);
    const b = await startServer(hosts, password);
    await b.proc.waitForLog(serverUp, 20_000);
    const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    const env = await watcherEnv(hosts, password);
    const w = startProgram('watcher', env);

    const alarm = (l: Record<string, unknown>) => l.code === 'REDIS_AUTH_FAILED' && l.level === 'error';
    for (const s of sentinels) {
      const line = await s.proc.waitForLog(alarm, 15_000);
      // The wording on purpose: this is the one line an operator reads to fix the setting.
      expect(String(line.msg)).toMatch(/cannot authenticate to the master 127\.0\.0\.1:\d+ of mymaster with no REDIS_PASSWORD \(it is unset for redis-zk-sentinel\): it answers ".*NOAUTH/);
      expect(String(line.msg)).toMatch(/failover is disabled for this group until REDIS_PASSWORD on the sentinels is the servers' password/);
    }
    const health = await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${env.PORT0}/health`);
        return r.status === 503 ? ((await r.json()) as { reason: string }) : false;
      },
      { what: 'the watcher /health to turn 503', timeoutMs: 15_000 },
    );
    // A majority suffices for the watcher to say so; the third sentinel may not have given up yet.
    expect(health.reason).toMatch(/the sentinels cannot monitor the master 127\.0\.0\.1 \d+ of mymaster: [23] of 3 report it .*disconnected.*REDIS_PASSWORD/);
    // Said once, not on every check.
    await new Promise((r) => setTimeout(r, 3_500));
    for (const s of sentinels) expect(s.proc.logs().filter(alarm)).toHaveLength(1);
    // The secret itself never reaches a log line.
    for (const p of [...sentinels.map((s) => s.proc), w, a.proc]) expect(p.output()).not.toContain('server-secret-1');
  });
});
