import { describe, expect, it } from 'vitest';
import { freePort, runProgramToExit, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, startLinkedPair, startServer } from './helpers.js';

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
    expect(a.proc.logs().some((l) => l.action === 'claim')).toBe(true);
  });

  it('a running replica follows a change of /redis/master to another live node within a second; that node promotes itself, the old master demotes itself', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    const c = await startServer(hosts);
    await c.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => (await replication(b.redis)).linkUp && (await replication(c.redis)).linkUp, { what: 'b and c linked to a' });

    // No sentinel registered: the record is the authority (an operator's hand-over), for a live node of the group.
    const zk = await zkClient(hosts);
    const t0 = Date.now();
    await zk.set('/redis/master', `127.0.0.1 ${c.port}`);
    await waitFor(async () => (await replication(b.redis)).masterPort === c.port, { what: 'b to re-point to c', timeoutMs: 5_000, intervalMs: 20 });
    const followMs = Date.now() - t0;
    console.log(`replica re-pointed ${followMs} ms after the /redis/master change`);
    expect(followMs).toBeLessThan(1_000);
    expect((await replication(c.redis)).role).toBe('master');
    await waitFor(async () => {
      const r = await replication(a.redis);
      return r.role === 'slave' && r.masterPort === c.port;
    }, { what: 'the old master a to demote itself to a replica of c', timeoutMs: 5_000 });
    await waitFor(async () => (await replication(b.redis)).linkUp, { what: 'b linked to c' });
  });

  it('a live master of another group written into /redis/master moves nobody: it is not a node of this group (refused in one line)', async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await startLinkedPair(hosts);
    await a.redis.set('ours', '1');
    const x = await startServer(sharedZkHosts());
    await x.proc.waitForLog(isUp, 20_000);
    await x.redis.set('theirs', '1');
    const zk = await zkClient(hosts);
    await zk.set('/redis/master', `127.0.0.1 ${x.port}`);
    const refused = (l: Record<string, unknown>) => l.event === 'FOLLOW_REFUSED' && l.rule === 'not-a-member' && l.master === `127.0.0.1 ${x.port}`;
    await a.proc.waitForLog(refused, 10_000);
    await b.proc.waitForLog(refused, 10_000);
    expect((await replication(a.redis)).role).toBe('master');
    expect(await replication(b.redis)).toMatchObject({ role: 'slave', masterPort: a.port, linkUp: true });
    expect(await b.redis.get('ours')).toBe('1');
    expect(await b.redis.get('theirs')).toBeNull();
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

describe('lock hygiene', () => {
  it('a persistent node in the group\'s lock (written by hand, no live owner) never blocks a start: refused in one log line (LOCK_NODE_REFUSED) and removed', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    // Sequence 0, ahead of every wrapper's ephemeral node, as a forgotten tool would leave it.
    await zk.set('/redis/lock/lock-forged-0000000000', 'garbage');
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const refused = a.proc.logs().filter((l) => l.event === 'LOCK_NODE_REFUSED');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ node: '/redis/lock/lock-forged-0000000000', removed: true });
    expect(await zk.exists('/redis/lock/lock-forged-0000000000')).toBe(false);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    zk.close();
  });
});
