import { describe, expect, it } from 'vitest';
import { freePort, runProgramToExit, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, startServer } from './helpers.js';

describe('redis-zk-server basics', () => {
  it('prints --help with every variable and the exit codes', async () => {
    const r = await runProgramToExit('server', {}, ['--help']);
    expect(r.code).toBe(0);
    for (const v of ['ZK_HOSTS', 'PORT0', 'REDIS_CONF', 'REDIS_DATA_DIR', 'REDIS_PASSWORD', 'SHUTDOWN_TIMEOUT_MS']) expect(r.stdout).toContain(v);
    expect(r.stdout).toMatch(/Exit codes/);
  });

  it('the first wrapper claims master and records "127.0.0.1 <port>"; a second one replicates it', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const zk = await zkClient(hosts);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    expect(await zk.get('/redis/masters/mymaster')).toBe(`127.0.0.1 ${a.port}`);
    expect((await replication(a.redis)).role).toBe('master');
    const nodes = await zk.children('/redis/nodes');
    expect(nodes).toHaveLength(1);
    expect(await zk.get(`/redis/nodes/${nodes[0]}`)).toBe(`127.0.0.1 ${a.port}`);

    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => {
      const r = await replication(b.redis);
      return r.role === 'slave' && r.masterPort === a.port && r.linkUp;
    }, { what: 'b to be a linked replica of a' });
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    const cfgLine = a.proc.logs().find((l) => l.action === 'claim');
    expect(String(cfgLine?.msg)).toMatch(/Claiming master/);
  });

  it('a running replica follows a change of /redis/master within a second; the old master demotes itself', async () => {
    const hosts = sharedZkHosts();
    const other = sharedZkHosts(); // an unrelated group whose master becomes the new target
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    const x = await startServer(other);
    await x.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => (await replication(b.redis)).linkUp, { what: 'b linked to a' });

    const zk = await zkClient(hosts);
    const t0 = Date.now();
    await zk.set('/redis/master', `127.0.0.1 ${x.port}`);
    await waitFor(async () => (await replication(b.redis)).masterPort === x.port, { what: 'b to re-point to x', timeoutMs: 5_000, intervalMs: 20 });
    const followMs = Date.now() - t0;
    console.log(`replica re-pointed ${followMs} ms after the /redis/master change`);
    expect(followMs).toBeLessThan(1_000);
    await waitFor(async () => {
      const r = await replication(a.redis);
      return r.role === 'slave' && r.masterPort === x.port;
    }, { what: 'the old master a to demote itself to a replica of x', timeoutMs: 5_000 });
    await waitFor(async () => (await replication(b.redis)).linkUp, { what: 'b linked to x' });
  });

  it('SIGTERM stops redis-server, removes the /redis/nodes entry and exits 0', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const zk = await zkClient(hosts);
    expect(await zk.children('/redis/nodes')).toHaveLength(1);
    a.proc.signal('SIGTERM');
    const exit = await a.proc.exited;
    expect(exit.code).toBe(0);
    expect(await zk.children('/redis/nodes')).toHaveLength(0);
    await expect(a.redis.ping()).rejects.toThrow();
  });

  it('ZooKeeper unreachable at start: a clear error after ZK_CONNECT_TIMEOUT_MS, exit 1', async () => {
    const port = await freePort();
    const deadZk = await freePort();
    const t0 = Date.now();
    const r = await runProgramToExit('server', { ZK_HOSTS: `127.0.0.1:${deadZk}`, ZK_CONNECT_TIMEOUT_MS: '1500', PORT0: String(port), BIND_IP: '127.0.0.1' });
    const took = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ZooKeeper/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(8_000);
  });
});
