// A real HAProxy (Debian's haproxy) in front of the group, routing by the wrappers' role checks
// (`option httpchk GET /primary` on each redis-zk-server's HTTP_PORT): a client connected through
// it keeps writing through a kill -9 of the master and reaches the new one. Beside it, a client
// that follows /redis/master directly; both outages are printed.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sharedZkHosts, startProcess, startProgram, tempDir, waitFor, zkClient, redisPidOf } from '../harness/index.js';
import { isUp, replication, type ServerUnderTest, startServer } from '../integration/server/helpers.js';
import { registered, sentinelMaster, startSentinel } from '../integration/sentinel/helpers.js';
import { watcherEnv } from '../integration/watcher/group.js';
import { startWriter } from '../harness/writer.js';

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).status;
  } catch {
    return 0;
  }
}

describe('HAProxy in front of the group, routing by GET /primary', () => {
  it('a client through HAProxy keeps writing through a kill -9 of the master and reaches the new one', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const httpPorts = await Promise.all([freePort(), freePort(), freePort()]);
    const servers: ServerUnderTest[] = [];
    for (const httpPort of httpPorts) {
      const s = await startServer(hosts, { env: { HTTP_PORT: String(httpPort), FENCE_AFTER_MS: '500' } });
      await s.proc.waitForLog(isUp, 20_000);
      servers.push(s);
    }
    await waitFor(async () => (await Promise.all(servers.slice(1).map(async (s) => (await replication(s.redis)).linkUp))).every(Boolean), { what: 'both replicas linked' });
    const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    // A steady group before the fault: a sentinel that does not know the replicas yet aborts the
    // failover for want of one (Sentinel's own rule), which is not what this test is about.
    await waitFor(async () => {
      const views = await Promise.all(sentinels.map((s) => sentinelMaster(s.port)));
      return views.every((v) => v['num-slaves'] === '2' && v['num-other-sentinels'] === '2');
    }, { what: 'every sentinel to know both replicas and the other sentinels', timeoutMs: 20_000 });
    startProgram('watcher', await watcherEnv(hosts));

    // The role checks themselves: one 200 for /primary, two for /replica, three for /health.
    const codes = async (path: string) => Promise.all(httpPorts.map((p) => status(`http://127.0.0.1:${p}${path}`)));
    await waitFor(async () => JSON.stringify(await codes('/primary')) === '[200,503,503]', { what: '/primary 200 on the master only' });
    expect(await codes('/replica')).toEqual([503, 200, 200]);
    expect(await codes('/health')).toEqual([200, 200, 200]);
    expect(await codes('/replica?lag=1000000')).toEqual([503, 200, 200]);

    const frontPort = await freePort();
    const cfg = join(tempDir('haproxy-'), 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 200',
        'defaults',
        '  mode tcp',
        '  timeout connect 1s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend redis',
        `  bind 127.0.0.1:${frontPort}`,
        '  default_backend redis_primary',
        'backend redis_primary',
        '  option httpchk GET /primary',
        '  http-check expect status 200',
        '  default-server inter 200ms fall 1 rise 1 on-marked-down shutdown-sessions',
        ...servers.map((s, i) => `  server s${i} 127.0.0.1:${s.port} check port ${httpPorts[i]}`),
        '',
      ].join('\n'),
    );
    const haproxy = startProcess('haproxy', 'haproxy', ['-f', cfg, '-db']);
    const options = { retryStrategy: () => 20, maxRetriesPerRequest: 1, commandTimeout: 300, enableReadyCheck: false };
    const quiet = (c: Redis) => c.on('error', () => undefined);
    let viaHaproxy = quiet(new Redis({ host: '127.0.0.1', port: frontPort, ...options }));
    const through = startWriter(() => viaHaproxy, 'via-haproxy:', () => {
      viaHaproxy.disconnect();
      viaHaproxy = quiet(new Redis({ host: '127.0.0.1', port: frontPort, ...options }));
    });
    // The direct client: follows /redis/master (re-read every 20 ms), a new connection on a change.
    let recorded = (await zk.get('/redis/master'))!;
    let directClient = quiet(new Redis({ host: '127.0.0.1', port: Number(recorded.split(' ')[1]), ...options }));
    // Its target changes only with the record (below).
    const direct = startWriter(() => directClient, 'direct:', () => undefined);
    const follow = setInterval(() => {
      void zk.get('/redis/master').then((m) => {
        if (m === undefined || m === recorded) return;
        recorded = m;
        directClient.disconnect();
        directClient = quiet(new Redis({ host: '127.0.0.1', port: Number(m.split(' ')[1]), ...options }));
      });
    }, 20);
    try {
      await waitFor(() => through.oks.length > 20 && direct.oks.length > 20, { what: 'both clients writing', timeoutMs: 10_000 });
      const master = servers[0]!;
      const t0 = Date.now();
      process.kill(redisPidOf(master), 'SIGKILL');
      const firstAfter = (oks: { at: number; key: string }[]) => oks.find((o) => o.at > t0 + 50);
      await waitFor(() => firstAfter(through.oks) !== undefined && firstAfter(direct.oks) !== undefined, { what: 'both clients writing to the new master', timeoutMs: 30_000 }).catch(async (err: unknown) => {
        // What CI's tail needs to tell a slow failover from a client that never reconnected.
        const fences = servers.map((s) => s.proc.logs().filter((l) => l.fence !== undefined).map((l) => String(l.msg).slice(0, 60)));
        throw new Error(`${(err as Error).message}; via HAProxy ${firstAfter(through.oks) !== undefined}, direct ${firstAfter(direct.oks) !== undefined}; record ${await zk.get('/redis/master')}; /primary ${JSON.stringify(await codes('/primary'))}; fences ${JSON.stringify(fences)}`);
      });
      const outage = (oks: { at: number; key: string }[]) => firstAfter(oks)!.at - Math.max(...oks.filter((o) => o.at <= t0).map((o) => o.at));
      console.log(`HAProxy test: client write outage through HAProxy ${outage(through.oks)} ms, direct client following /redis/master ${outage(direct.oks)} ms (down-after 1000 ms)`);
      // The writes through HAProxy after the kill are on the new master.
      const next = (await zk.get('/redis/master'))!;
      const nm = servers.find((s) => `127.0.0.1 ${s.port}` === next)!;
      expect(nm).toBeDefined();
      expect(await nm.redis.get(firstAfter(through.oks)!.key)).toBe('1');
      expect(JSON.stringify(await codes('/primary'))).toBe(JSON.stringify(httpPorts.map((_, i) => (servers[i] === nm ? 200 : i === 0 ? 0 : 503))));
    } finally {
      clearInterval(follow);
      await through.stop();
      await direct.stop();
      haproxy.signal('SIGTERM');
    }
  }, 90_000);
});
