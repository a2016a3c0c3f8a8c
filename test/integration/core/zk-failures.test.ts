/**
 * The ZooKeeper layer when ZooKeeper goes away: deadlines while it is down, watches across a
 * restart, and session expiry (forced by restarting a private ZooKeeper with a wiped data dir,
 * so the server no longer knows the session) for registrations, watches and the lock.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Lock, Registration, Zk, createLogger, parseZkHosts, watchData, type ZkConfig, type ZkState } from '@redis-zk/core';
import { startZooKeeper, type ZooKeeperHandle } from '@redis-zk/devkit';
import { waitFor } from '../../harness/index.js';

const log = createLogger('zk-failures-test', process.env.TEST_LOG_LEVEL ?? 'silent');

let server: ZooKeeperHandle;
beforeAll(async () => {
  server = await startZooKeeper({ tickTimeMs: 1000 });
});
afterAll(async () => {
  await server?.destroy();
});

function config(extra: Partial<ZkConfig> = {}): ZkConfig {
  return { ...parseZkHosts(server.connectString), sessionTimeoutMs: 3000, connectTimeoutMs: 1500, auth: undefined, ...extra };
}
const open: Zk[] = [];
async function connect(extra: Partial<ZkConfig> = {}): Promise<Zk> {
  const zk = await Zk.connect(config(extra), log);
  open.push(zk);
  return zk;
}
afterEach(async () => {
  await server.start(); // no-op when running
  for (const zk of open.splice(0).reverse()) await zk.close();
});

function recordStates(zk: Zk): ZkState[] {
  const states: ZkState[] = [];
  zk.on('state', (s) => states.push(s));
  return states;
}

/**
 * A wiped server restarts with zxid 0, and ZooKeeper refuses clients that have seen a later zxid
 * ("client must try another server"): write with a fresh client until the server is past what
 * our clients have seen, so they can reconnect and learn their session is gone.
 */
async function wipeAndRestart(seenZxid: bigint): Promise<void> {
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
  mkdirSync(server.dataDir, { recursive: true });
  await server.start();
  const pump = await Zk.connect({ ...config(), connectTimeoutMs: 10_000 }, log);
  try {
    await pump.create('/pump', '');
    for (;;) {
      const stat = await pump.set('/pump', 'x');
      if (BigInt(stat.mzxid) > seenZxid + 5n) break;
    }
  } finally {
    await pump.close();
  }
}

/** The latest zxid the given clients have seen (a write by each, read back). */
async function latestZxid(...clients: Zk[]): Promise<bigint> {
  let max = 0n;
  for (const zk of clients) {
    const path = await zk.create('/zxid-', '', 'ephemeral_sequential');
    const stat = await zk.exists(path);
    if (stat && BigInt(stat.mzxid) > max) max = BigInt(stat.mzxid);
  }
  return max;
}

describe('ZooKeeper down', () => {
  it('a request while ZooKeeper is stopped rejects within the deadline, and works again after restart', async () => {
    const zk = await connect();
    const states = recordStates(zk);
    await zk.create('/x', 'before');
    await server.stop();
    await waitFor(() => zk.state === 'disconnected', { what: 'disconnected state', timeoutMs: 5000 });
    const started = Date.now();
    const err = await zk.get('/x').catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'ZK_TIMEOUT' });
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(2500);
    // A write attempted while down must not be applied later behind our back.
    await expect(zk.set('/x', 'while-down')).rejects.toMatchObject({ code: 'ZK_TIMEOUT' });
    await server.start();
    await waitFor(() => zk.state === 'connected', { what: 'reconnected', timeoutMs: 10_000 });
    expect((await zk.get('/x'))?.data.toString()).toBe('before');
    expect(states).toEqual(['disconnected', 'connected']);
    expect(zk.session).toBe(0); // same session
  });

  it('watchData sees a change made while it was disconnected and keeps watching', async () => {
    const zk = await connect({ connectTimeoutMs: 5000 });
    await zk.create('/w', 'v1');
    const seen: (string | undefined)[] = [];
    const w = watchData(zk, '/w', (v) => seen.push(v));
    try {
      await waitFor(() => seen.at(-1) === 'v1', { what: 'initial value' });
      await server.stop();
      await waitFor(() => zk.state === 'disconnected', { what: 'disconnected', timeoutMs: 5000 });
      await server.start();
      // Another client gets in first (ours waits out its reconnect spin) and changes the node.
      const writer = await connect({ connectTimeoutMs: 10_000 });
      await writer.set('/w', 'v2');
      await waitFor(() => seen.at(-1) === 'v2', { what: 'change made around the reconnect', timeoutMs: 10_000 });
      await writer.set('/w', 'v3');
      await waitFor(() => seen.at(-1) === 'v3', { what: 'watch re-armed after the reconnect' });
    } finally {
      w.close();
    }
  });
});

describe('session expiry', () => {
  it('replaces the dead client: registration re-created, watch re-armed, held lock lost, waiter rejected', async () => {
    const zk = await connect();
    const other = await connect();
    const states = recordStates(zk);
    let sessions = 0;
    zk.on('session', () => sessions++);

    const reg = new Registration(zk, '/redis/nodes', '10.0.0.1 6379');
    await reg.start();
    const oldSessionId = zk.sessionId;

    const seen: (string | undefined)[] = [];
    const w = watchData(zk, '/redis/master', (v) => seen.push(v));
    await waitFor(() => seen.length >= 1, { what: 'initial watch value' });

    const lock = new Lock(zk, '/redis/lock');
    await lock.acquire();
    let lost = 0;
    lock.on('lost', () => lost++);
    const waiter = new Lock(other, '/redis/lock');
    const waiting = waiter.acquire().catch((e: unknown) => e);
    await waitFor(async () => (await zk.children('/redis/lock')).length === 2, { what: 'waiter queued' });

    await wipeAndRestart(await latestZxid(zk, other));

    await waitFor(() => sessions === 1 && zk.state === 'connected', { what: 'a new session', timeoutMs: 20_000 });
    expect(zk.sessionId).not.toBe(oldSessionId);
    expect(states).toContain('expired');
    expect(states.at(-1)).toBe('connected');

    // The registration comes back under the new session (its dir too: the data was wiped).
    const stat = await waitFor(async () => zk.exists(reg.path), { what: 're-created registration', timeoutMs: 10_000 });
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect((await zk.get(reg.path))?.data.toString()).toBe('10.0.0.1 6379');

    // The lock: the holder knows it lost it, the waiter is told its session expired.
    expect(lock.held).toBe(false);
    expect(lost).toBe(1);
    expect(await waiting).toMatchObject({ code: 'ZK_SESSION_EXPIRED' });
    expect(waiter.held).toBe(false);
    await lock.release(); // nothing to remove: fine
    await lock.acquire({ timeoutMs: 5000 }); // and it can be taken again
    expect(lock.held).toBe(true);
    await lock.release();

    // The watch is armed on the new session.
    await zk.mkdirp('/redis');
    await other.create('/redis/master', '10.0.0.2 6379').catch(() => zk.set('/redis/master', '10.0.0.2 6379'));
    await waitFor(() => seen.at(-1) === '10.0.0.2 6379', { what: 'watch fired on the new session', timeoutMs: 10_000 });
    w.close();

    await reg.stop();
    expect(await zk.exists(reg.path)).toBeUndefined();
  });
});
