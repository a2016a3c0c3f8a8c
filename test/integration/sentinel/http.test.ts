// The sentinel wrapper's HTTP port (HTTP_PORT, by default PORT1): GET /health for Marathon and
// GET /metrics for Prometheus, against a real redis-sentinel and ZooKeeper. 503 while it waits
// for the master, 200 with what redis-sentinel knows once it monitors, 503 while redis-sentinel
// does not answer (SIGSTOP) and 200 again after; a taken HTTP port stops it before it registers.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, runProgramToExit, sharedZkHosts, startRedisServer, tempDir, waitFor, zkClient } from '../../harness/index.js';
import { redisPid, registered, startSentinel } from './helpers.js';

const health = async (port: number) => {
  const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
  return r === undefined ? undefined : { status: r.status, body: (await r.json()) as { status: string; reason: string; groups: { name: string; master: string | null; configEpoch: number | null }[] } };
};

describe('redis-zk-sentinel HTTP port', () => {
  it('/health: 503 while waiting for the master, 200 once monitoring, 503 while redis-sentinel does not answer; /metrics per group', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const httpPort = await freePort();
    const s = await startSentinel(hosts, { PORT1: String(httpPort) });

    const waiting = await waitFor(async () => (await health(httpPort)) ?? false, { what: 'the sentinel wrapper to answer /health while it waits for the master', timeoutMs: 10_000 });
    expect(waiting).toMatchObject({ status: 503, body: { status: 'failing', reason: expect.stringMatching(/^redis-sentinel is not running: waiting for the master record/) } });

    const master = await startRedisServer();
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    await s.proc.waitForLog(registered, 20_000);
    const ok = await waitFor(async () => {
      const h = await health(httpPort);
      return h?.status === 200 ? h : false;
    }, { what: '/health 200 once redis-sentinel monitors the group', timeoutMs: 10_000 });
    expect(ok.body.groups).toEqual([expect.objectContaining({ name: 'mymaster', master: `127.0.0.1:${master.port}`, configEpoch: 0 })]);

    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^redis_zk_sentinel_up\{program="redis-zk-sentinel"\} 1$/m);
    expect(metrics).toMatch(/^redis_zk_sentinel_monitoring\{group="mymaster",program="redis-zk-sentinel"\} 1$/m);
    expect(metrics).toMatch(/^redis_zk_sentinel_master_down\{group="mymaster",program="redis-zk-sentinel"\} 0$/m);
    expect(metrics).toMatch(/^redis_zk_zookeeper_session_state\{state="connected",program="redis-zk-sentinel"\} 1$/m);
    expect(metrics).toMatch(/^redis_zk_http_requests_total\{method="GET",route="\/health",code="200",program="redis-zk-sentinel"\} \d+$/m);
    expect((await fetch(`http://127.0.0.1:${httpPort}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${httpPort}/health`, { method: 'POST' })).status).toBe(405);

    // redis-sentinel stopped (not dead): the wrapper says it does not answer, then recovers.
    const pid = await redisPid(s.port);
    process.kill(pid, 'SIGSTOP');
    try {
      const stuck = await waitFor(async () => {
        const h = await health(httpPort);
        return h?.status === 503 ? h : false;
      }, { what: '/health 503 while redis-sentinel is stopped', timeoutMs: 10_000 });
      expect(stuck.body.reason).toMatch(/^redis-sentinel does not answer: /);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(async () => (await health(httpPort))?.status === 200, { what: '/health 200 again after SIGCONT', timeoutMs: 10_000 });
  }, 60_000);

  it('a taken HTTP_PORT: one line naming it, exit 1, nothing registered', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const master = await startRedisServer();
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    try {
      const port = (taken.address() as { port: number }).port;
      const r = await runProgramToExit('sentinel', { ZK_HOSTS: hosts, BIND_IP: '127.0.0.1', PORT0: String(await freePort()), HTTP_PORT: String(port), SENTINEL_DIR: tempDir('redis-zk-sentinel-test-') });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`HTTP_PORT=${port} is already in use`);
      expect(await zk.children('/redis/sentinels').catch(() => [])).toEqual([]);
    } finally {
      taken.close();
    }
  }, 30_000);
});
