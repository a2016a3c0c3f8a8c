// The Redis layer against real redis-server and redis-sentinel processes: what a probe observes,
// that nothing hangs on a dead or silent peer, auth, control commands, and sentinel queries.
import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoteTo, isRedisZkError, probeRedis, redisCommand, sentinelMaster, sentinelMasterAddr, waitForPing, type RedisObservation } from '@redis-zk/core';
import { freePort, redisClient, SENTINEL_BIN, startProcess, startRedisServer, tempDir, waitFor } from '../../harness/index.js';

const auth = { password: undefined, timeoutMs: 1_000 };
const local = (port: number) => ({ host: '127.0.0.1', port });

/** A TCP server that accepts and never answers: the worst peer for a probe. */
async function silentServer(): Promise<number> {
  const port = await freePort();
  const sockets: Socket[] = [];
  const srv = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  srv.unref();
  return port;
}

describe('probeRedis', () => {
  it('observes a master with its replica, keys per database, offsets', async () => {
    const master = await startRedisServer();
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const c = redisClient(master.port);
    await c.set('a', '1');
    await c.set('b', '2');
    await c.select(2);
    await c.set('c', '3');

    const r = await waitFor(
      async () => {
        const p = await probeRedis(local(replica.port), auth);
        return p.reachable && p.linkUp && p.keys === 3 ? p : undefined;
      },
      { what: 'the replica to be linked and hold the 3 keys' },
    );
    expect(r).toMatchObject({ role: 'slave', masterHost: '127.0.0.1', masterPort: master.port, keysPerDb: { db0: 2, db2: 1 } });

    const m = (await probeRedis(local(master.port), auth)) as RedisObservation;
    expect(m).toMatchObject({ reachable: true, role: 'master', linkUp: false, keys: 3, keysPerDb: { db0: 2, db2: 1 } });
    expect(m.runId).toMatch(/^[0-9a-f]{40}$/);
    expect(m.offset).toBeGreaterThan(0);
    expect(m.replicas).toEqual([expect.objectContaining({ host: '127.0.0.1', port: replica.port, state: 'online' })]);
  });

  it('reports an unreachable port as an observation, quickly', async () => {
    const t = Date.now();
    const p = await probeRedis(local(await freePort()), auth);
    expect(p.reachable).toBe(false);
    if (!p.reachable) expect(p.error).toMatch(/cannot connect to Redis at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('does not hang on a peer that accepts and never answers: unreachable within the timeout', async () => {
    const port = await silentServer();
    const t = Date.now();
    const p = await probeRedis(local(port), { password: undefined, timeoutMs: 300 });
    const took = Date.now() - t;
    expect(p).toEqual({ reachable: false, error: `Redis at 127.0.0.1:${port} did not answer within 300 ms` });
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1_500);
  });

  it('authenticates with the password; a wrong or missing one is an unreachable observation saying why', async () => {
    const r = await startRedisServer({ password: 'pw-1' });
    expect(await probeRedis(local(r.port), { password: 'pw-1', timeoutMs: 1_000 })).toMatchObject({ reachable: true, role: 'master' });
    const wrong = await probeRedis(local(r.port), { password: 'nope', timeoutMs: 1_000 });
    expect(wrong).toMatchObject({ reachable: false, error: expect.stringMatching(/WRONGPASS/) });
    const missing = await probeRedis(local(r.port), auth);
    expect(missing).toMatchObject({ reachable: false, error: expect.stringMatching(/NOAUTH/) });
  });
});

describe('redisCommand', () => {
  it('runs a control command (REPLICAOF) that the next probe sees', async () => {
    const a = await startRedisServer();
    const b = await startRedisServer();
    expect(await redisCommand(local(b.port), auth, 'REPLICAOF', '127.0.0.1', a.port)).toBe('OK');
    const p = await waitFor(async () => {
      const o = await probeRedis(local(b.port), auth);
      return o.reachable && o.linkUp ? o : undefined;
    }, { what: 'b to replicate from a' });
    expect(p).toMatchObject({ role: 'slave', masterPort: a.port });
    expect(await redisCommand(local(b.port), auth, 'REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await probeRedis(local(b.port), auth)).toMatchObject({ role: 'master' });
  });

  it('rejects with REDIS_UNREACHABLE, REDIS_TIMEOUT or REDIS_COMMAND_FAILED', async () => {
    const dead = await redisCommand(local(await freePort()), auth, 'PING').catch((e: unknown) => e);
    expect(isRedisZkError(dead, 'REDIS_UNREACHABLE')).toBe(true);
    const silent = await redisCommand(local(await silentServer()), { password: undefined, timeoutMs: 200 }, 'PING').catch((e: unknown) => e);
    expect(isRedisZkError(silent, 'REDIS_TIMEOUT')).toBe(true);
    const r = await startRedisServer({ password: 'pw-2' });
    const refused = await redisCommand(local(r.port), { password: 'pw-2', timeoutMs: 1_000 }, 'NOSUCHCOMMAND').catch((e: unknown) => e);
    expect(isRedisZkError(refused, 'REDIS_COMMAND_FAILED')).toBe(true);
    expect((refused as Error).message).toMatch(/unknown command/);
    const noAuth = await redisCommand(local(r.port), auth, 'PING').catch((e: unknown) => e);
    expect(isRedisZkError(noAuth, 'REDIS_COMMAND_FAILED')).toBe(true);
    expect((noAuth as Error).message).not.toContain('pw-2');
  });
});

describe('waitForPing', () => {
  it('resolves once a server that starts later answers', async () => {
    const port = await freePort();
    const waiting = waitForPing(local(port), { password: undefined, timeoutMs: 300 }, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await startRedisServer({ port });
    await expect(waiting).resolves.toBeUndefined();
  });

  it('fails with REDIS_TIMEOUT after the deadline, saying what it last saw', async () => {
    const t = Date.now();
    const err = await waitForPing(local(await freePort()), { password: undefined, timeoutMs: 200 }, 600).catch((e: unknown) => e);
    expect(isRedisZkError(err, 'REDIS_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/did not answer PING within 600 ms \(last: .*ECONNREFUSED/);
    expect(Date.now() - t).toBeLessThan(2_000);
  });
});

describe('sentinel queries', () => {
  it('ask a real redis-sentinel for the master; unknown names and dead sentinels give undefined', async () => {
    const master = await startRedisServer();
    const port = await freePort();
    const conf = join(tempDir(), 'sentinel.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\n`);
    startProcess(`redis-sentinel:${port}`, SENTINEL_BIN, [conf]);
    await waitForPing(local(port), auth, 10_000);

    expect(await sentinelMasterAddr(local(port), auth, 'mymaster')).toEqual({ host: '127.0.0.1', port: master.port });
    const m = await sentinelMaster(local(port), auth, 'mymaster');
    expect(m).toMatchObject({ name: 'mymaster', ip: '127.0.0.1', port: String(master.port), flags: 'master', quorum: '1' });
    expect(m?.['config-epoch']).toBe('0');

    expect(await sentinelMasterAddr(local(port), auth, 'othergroup')).toBeUndefined();
    expect(await sentinelMaster(local(port), auth, 'othergroup')).toBeUndefined();
    const dead = local(await freePort());
    expect(await sentinelMasterAddr(dead, auth, 'mymaster')).toBeUndefined();
    expect(await sentinelMaster(dead, auth, 'mymaster')).toBeUndefined();
  });
});

describe('demoteTo', () => {
  it('makes a paused master a replica of the new one: its clients are closed, its pause lifted (a paused replica applies no stream), it replicates at once', async () => {
    const a = await startRedisServer();
    const b = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(a.port)] });
    const bc = redisClient(b.port);
    await waitFor(async () => /master_link_status:up/.test(await bc.info('replication')), { what: 'b linked to a' });
    // A client of a, and a's writes paused as a planned move pauses them.
    const client = redisClient(a.port);
    await client.ping();
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await redisCommand(local(a.port), auth, 'CLIENT', 'PAUSE', 30_000, 'WRITE');
    await redisCommand(local(b.port), auth, 'REPLICAOF', 'NO', 'ONE');

    await demoteTo(local(a.port), auth, local(b.port));
    await closed;
    await bc.set('after-demotion', '1');
    const ac = redisClient(a.port);
    await waitFor(async () => (await ac.get('after-demotion')) === '1', { what: 'a to apply the new master\'s stream (not held by the pause)', timeoutMs: 5_000 });
    expect((await ac.info('replication')).includes(`master_port:${b.port}`)).toBe(true);
    ac.disconnect();
    bc.disconnect();
    client.disconnect();
  });
});
