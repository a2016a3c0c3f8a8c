/**
 * A ZooKeeper server that hangs (SIGSTOP, a stuck JVM) keeps the TCP connection open and says
 * nothing; node-zookeeper-client has no read timeout of its own. The Zk layer must notice within
 * 2/3 of the session timeout (as the Java client does), reconnect and resume the same session when
 * the server answers again in time, and never drop a healthy idle connection.
 * A TCP proxy in front of the suite-wide ZooKeeper plays the frozen server: while frozen it
 * forwards nothing either way (sockets stay open, bytes are held) and delivers what it held on thaw.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, parseZkHosts, Registration, Zk, type ZkState } from '@redis-zk/core';
import { sharedZkHosts, waitFor } from '../../harness/index.js';

const log = createLogger('zk-liveness-test', process.env.TEST_LOG_LEVEL ?? 'silent');

interface FreezingProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

async function startFreezingProxy(target: { host: string; port: number }): Promise<FreezingProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  /** Flushes of the bytes held while frozen, one per direction of each connection. */
  const flushes = new Set<() => void>();
  const forward = (from: Socket, to: Socket) => {
    const held: Buffer[] = [];
    const flush = () => {
      for (const b of held.splice(0)) if (!to.destroyed) to.write(b);
    };
    flushes.add(flush);
    from.on('data', (b: Buffer) => {
      if (frozen) held.push(b);
      else to.write(b);
    });
    from.on('close', () => {
      flushes.delete(flush);
      to.destroy();
    });
    from.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    port: address.port,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false;
      for (const f of flushes) f();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function proxied(): Promise<{ proxy: FreezingProxy; hosts: string; direct: string }> {
  const direct = sharedZkHosts();
  const shared = parseZkHosts(direct);
  const proxy = await startFreezingProxy(shared.servers[0]!);
  cleanups.push(async () => {
    proxy.thaw();
    await proxy.close();
  });
  return { proxy, hosts: `127.0.0.1:${proxy.port}${shared.chroot ?? ''}`, direct };
}

async function connect(hosts: string, sessionTimeoutMs: number): Promise<Zk> {
  const zk = await Zk.connect({ ...parseZkHosts(hosts), sessionTimeoutMs, connectTimeoutMs: 20_000, auth: undefined }, log);
  cleanups.push(() => zk.close());
  return zk;
}

/** Every state the client goes through from now on, with when. */
function recordStates(zk: Zk): { state: ZkState; at: number }[] {
  const seen: { state: ZkState; at: number }[] = [];
  zk.on('state', (state) => seen.push({ state, at: Date.now() }));
  return seen;
}

describe('Zk against a server that stops answering while connected', () => {
  it('turns disconnected within 2/3 of the session timeout (plus slack), not never', async () => {
    const sessionTimeoutMs = 4_000;
    const { proxy, hosts } = await proxied();
    const zk = await connect(hosts, sessionTimeoutMs);
    const states = recordStates(zk);
    proxy.freeze();
    const frozenAt = Date.now();
    await waitFor(() => zk.state === 'disconnected', { what: 'disconnected after the server went silent', timeoutMs: 10_000 });
    const noticedAfter = states.find((s) => s.state === 'disconnected')!.at - frozenAt;
    // Silence counts from the last byte received, at most a ping interval (1/3) before the freeze.
    expect(noticedAfter).toBeLessThan((sessionTimeoutMs * 2) / 3 + 1_000);
    expect(noticedAfter).toBeGreaterThanOrEqual(sessionTimeoutMs / 3 - 100);
  }, 30_000);

  it('resumes the same session (no expiry, ephemeral node kept) when the server answers again within the session timeout', async () => {
    // Long enough that reconnecting after detection fits in the last third of the session timeout.
    const sessionTimeoutMs = 9_000;
    const { proxy, hosts, direct } = await proxied();
    const zk = await connect(hosts, sessionTimeoutMs);
    const sessionId = zk.sessionId;
    const registration = new Registration(zk, '/nodes', '127.0.0.1 1');
    await registration.start();
    cleanups.push(() => registration.stop());
    const states = recordStates(zk);

    proxy.freeze();
    await waitFor(() => zk.state === 'disconnected', { what: 'disconnected after the server went silent', timeoutMs: 15_000 });
    proxy.thaw();
    await waitFor(() => zk.state === 'connected', { what: 'reconnected once the server answers', timeoutMs: 10_000 });

    expect(states.map((s) => s.state)).not.toContain('expired');
    expect(zk.sessionId).toBe(sessionId);
    expect(zk.session).toBe(0);
    const observer = await connect(direct, 20_000);
    expect((await observer.exists(registration.path))?.ephemeralOwner).toBe(sessionId);
    // And the client works again.
    expect(await zk.exists('/nodes')).toBeDefined();
  }, 40_000);

  it('never drops a healthy idle connection (idle for 3 x the session timeout)', async () => {
    // The shortest session the suite-wide ZooKeeper grants (2 x tickTime): the tightest ping window.
    const sessionTimeoutMs = 2_000;
    const { hosts } = await proxied();
    const zk = await connect(hosts, sessionTimeoutMs);
    const states = recordStates(zk);
    const sessionId = zk.sessionId;
    // Asserting that nothing happens needs the time to pass.
    await new Promise((resolve) => setTimeout(resolve, 3 * sessionTimeoutMs));
    expect(states).toEqual([]);
    expect(zk.state).toBe('connected');
    expect(zk.sessionId).toBe(sessionId);
  }, 30_000);
});
