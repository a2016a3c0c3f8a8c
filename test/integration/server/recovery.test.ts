import { describe, expect, it } from 'vitest';
import { freePort, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, type ServerUnderTest, startServer } from './helpers.js';

/** A master `a` and a replica `b` on `hosts`, both up; b holds the key `kept` written to a. */
async function masterAndReplicaKeeping(hosts: string): Promise<{ a: ServerUnderTest; b: ServerUnderTest }> {
  const a = await startServer(hosts);
  await a.proc.waitForLog(isUp, 20_000);
  const b = await startServer(hosts);
  await b.proc.waitForLog(isUp, 20_000);
  await a.redis.set('kept', 'yes');
  await waitFor(async () => (await b.redis.get('kept')) === 'yes', { what: 'b to have the key' });
  return { a, b };
}

describe('a dead or restarted recorded master', () => {
  it('/redis/master names a dead address and nobody holds data: the new wrapper claims', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const dead = await freePort();
    await zk.set('/redis/master', `127.0.0.1 ${dead}`);
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    expect((await replication(a.redis)).role).toBe('master');
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    expect(await zk.get('/redis/masters/mymaster')).toBe(`127.0.0.1 ${a.port}`);
  });

  it('/redis/master names a dead address but a live node holds data: the new wrapper follows the data', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    await a.redis.set('k1', 'v1');
    await a.redis.set('k2', 'v2');
    await waitFor(async () => (await b.redis.get('k2')) === 'v2', { what: 'b to have the keys' });
    const zk = await zkClient(hosts);

    // The master dies hard: its record stays, its /redis/nodes entry vanishes with its session.
    a.proc.killGroup();
    await a.proc.exited;
    await waitFor(async () => (await zk.children('/redis/nodes')).length === 1, { what: "a's registration to expire", timeoutMs: 15_000 });
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);

    const c = await startServer(hosts);
    await c.proc.waitForLog(isUp, 20_000);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${b.port}`);
    await waitFor(async () => (await replication(b.redis)).role === 'master', { what: 'b promoted by its wrapper' });
    await waitFor(async () => {
      const r = await replication(c.redis);
      return r.role === 'slave' && r.masterPort === b.port && r.linkUp;
    }, { what: 'c linked to b' });
    expect(await c.redis.get('k1')).toBe('v1');
    expect(await c.redis.get('k2')).toBe('v2');
    expect(c.proc.logs().some((l) => l.action === 'handover')).toBe(true);
  });

  it('a master restarted in place does not come back empty over a replica holding data', async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await masterAndReplicaKeeping(hosts);

    a.proc.signal('SIGTERM');
    expect((await a.proc.exited).code).toBe(0);
    const zk = await zkClient(hosts);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);

    // Same address, no persistence: its redis-server starts empty.
    const a2 = await startServer(hosts, { port: a.port });
    await a2.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => (await replication(b.redis)).role === 'master', { what: 'b to become master' });
    await waitFor(async () => {
      const r = await replication(a2.redis);
      return r.role === 'slave' && r.masterPort === b.port && r.linkUp;
    }, { what: 'the restarted a to replicate b' });
    expect(await a2.redis.get('kept')).toBe('yes');
    expect(await b.redis.get('kept')).toBe('yes');
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${b.port}`);
  });
});

describe('with sentinels registered', () => {
  it('a master restarted in place waits (lock released) until the record names a live master, then follows it', async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await masterAndReplicaKeeping(hosts);
    const zk = await zkClient(hosts);
    // A registered sentinel that knows nothing: the wrapper must leave the promotion to sentinels.
    await zk.set('/redis/sentinels', '');
    await zk.create('/redis/sentinels/s1', `127.0.0.1 ${await freePort()}`, 0);

    a.proc.signal('SIGTERM');
    await a.proc.exited;
    const a2 = await startServer(hosts, { port: a.port });
    await a2.proc.waitForLog((l) => l.action === 'wait', 20_000);
    // While it waits, the lock is free: another wrapper can decide and start.
    const c = await startServer(hosts);
    await c.proc.waitForLog((l) => l.action === 'wait', 20_000);
    // SIGTERM while waiting: a prompt, clean exit (nothing started, nothing registered).
    c.proc.signal('SIGTERM');
    expect((await c.proc.exited).code).toBe(0);
    const d = await startServer(hosts);
    await d.proc.waitForLog((l) => l.action === 'wait', 20_000);

    // The sentinels promote b (with sentinels registered, a record alone promotes nobody), then
    // the watcher records it.
    await b.redis.call('REPLICAOF', 'NO', 'ONE');
    await zk.set('/redis/master', `127.0.0.1 ${b.port}`);
    await waitFor(async () => (await replication(b.redis)).role === 'master', { what: 'b promoted' });
    await a2.proc.waitForLog(isUp, 20_000);
    await d.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => {
      const r = await replication(a2.redis);
      return r.role === 'slave' && r.masterPort === b.port && r.linkUp;
    }, { what: 'a2 linked to b' });
    expect(await a2.redis.get('kept')).toBe('yes');
  });
});
