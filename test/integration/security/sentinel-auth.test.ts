// SENTINEL_PASSWORD: the sentinels require a password of their own (requirepass, and
// sentinel-pass between them). With it on every program the group forms and fails over; a
// client without it is refused; a watcher without it says so on /health naming the setting, a
// server wrapper without it in one warning per sentinel.
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, startProgram, waitFor } from '../../harness/index.js';
import { registered, sentinelMaster, serverUp, startSentinel, startServer } from '../sentinel/helpers.js';
import { killServedMaster, startHealthyWatcher, watcherEnv } from '../watcher/group.js';

const PASSWORD = 'sentinel-only-s3cret';

describe('SENTINEL_PASSWORD', () => {
  it('the group forms and fails over with it; a client or a watcher without it is refused, naming SENTINEL_PASSWORD', async () => {
    const hosts = sharedZkHosts();
    const env = { SENTINEL_PASSWORD: PASSWORD };
    const servers: Awaited<ReturnType<typeof startServer>>[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await startServer(hosts, env);
      await s.proc.waitForLog(serverUp, 20_000);
      servers.push(s);
    }
    const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts, env)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    // sentinel-pass: they know each other (hello messages, then their own connections).
    await waitFor(async () => {
      for (const s of sentinels) {
        const m = await sentinelMaster(s.port, 'mymaster', PASSWORD).catch(() => ({}) as Record<string, string>);
        if (m['num-other-sentinels'] !== '2' || m['num-slaves'] !== '2') return false;
      }
      return true;
    }, { what: 'every sentinel to know the others and both replicas', timeoutMs: 30_000 });

    // Without the password a sentinel answers nothing.
    const anonymous = redisClient(sentinels[0]!.port);
    await expect(anonymous.call('SENTINEL', 'MASTERS')).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();

    const { w, base } = await startHealthyWatcher(hosts, env);
    // A watcher without it: unhealthy, and it says why.
    const withoutEnv = await watcherEnv(hosts);
    const blind = startProgram('watcher', withoutEnv);
    const health = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${withoutEnv.PORT0}/health`).catch(() => undefined);
      if (r === undefined || r.status !== 503) return false;
      const body = (await r.json()) as { reason: string };
      return /SENTINEL_PASSWORD/.test(body.reason) ? body : false;
    }, { what: 'the watcher without SENTINEL_PASSWORD to say so on /health', timeoutMs: 15_000 });
    expect(health.reason).toMatch(/^cannot subscribe to any registered sentinel: 127\.0\.0\.1:\d+: .*NOAUTH.*\(SENTINEL_PASSWORD is missing or wrong\)/);

    // kill -9 of the master's redis-server: the sentinels (voting with sentinel-pass) fail over,
    // the watcher (subscribed with the password) records it.
    await killServedMaster(base, servers, 'the watcher to serve the new master');

    // A server wrapper without it: one warning naming SENTINEL_PASSWORD per refusing sentinel
    // (not "unreachable"); it still joins by the record, which its redis-server needs no sentinel for.
    const stray = await startServer(hosts);
    const refused = await stray.proc.waitForLog((l) => l.code === 'SENTINEL_REFUSED', 20_000);
    // The wording on purpose: this is the one line an operator reads to fix the setting.
    expect(String(refused.msg)).toMatch(/: 127\.0\.0\.1 \d+: .*NOAUTH.*\(SENTINEL_PASSWORD is missing or wrong\)\.$/);
    await stray.proc.waitForLog(serverUp, 20_000);
    expect(stray.proc.logs().filter((l) => l.code === 'SENTINEL_REFUSED').length).toBeLessThanOrEqual(sentinels.length);

    // The password is in no log line of any program.
    for (const p of [...servers.map((s) => s.proc), ...sentinels.map((s) => s.proc), w, blind]) {
      expect(p.logs().some((l) => JSON.stringify(l).includes(PASSWORD)), p.program).toBe(false);
    }
  }, 90_000);
});
