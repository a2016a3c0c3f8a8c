/**
 * A ZooKeeper that accepts a connection and then says nothing (as a 3.8 server does for a client
 * that connects while it is still starting): the ZooKeeper layer must drop that connection and
 * try again instead of waiting for the handshake forever. A TCP proxy in front of the suite-wide
 * ZooKeeper swallows chosen connections to play that server.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, parseZkHosts, Registration, Zk } from '@redis-zk/core';
import { sharedZkHosts, waitFor } from '../../harness/index.js';

const log = createLogger('zk-handshake-test', process.env.TEST_LOG_LEVEL ?? 'silent');

interface Proxy {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** The next `n` connections (Infinity: all until called again) are accepted and then ignored: no byte forwarded, never closed. */
  swallowNext(n: number): void;
  /** Cuts every forwarded connection, as a ZooKeeper that stops does. */
  cutAll(): void;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  let accepted = 0;
  let toSwallow = 0;
  const sockets = new Set<Socket>();
  const forwarded = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (toSwallow > 0) {
      toSwallow -= 1;
      return; // held open, never answered
    }
    const upstream = createConnection(target);
    sockets.add(upstream);
    forwarded.add(client);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => undefined);
    client.on('close', () => {
      forwarded.delete(client);
      upstream.destroy();
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    port: address.port,
    accepted: () => accepted,
    swallowNext: (n) => (toSwallow = n),
    cutAll: () => {
      for (const s of forwarded) s.destroy();
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

/** A proxy to the suite-wide ZooKeeper; `hosts` goes through it, `direct` does not (same chroot). */
async function proxied(): Promise<{ proxy: Proxy; hosts: string; direct: string }> {
  const direct = sharedZkHosts();
  const shared = parseZkHosts(direct);
  const proxy = await startProxy(shared.servers[0]!);
  cleanups.push(() => proxy.close());
  return { proxy, hosts: `127.0.0.1:${proxy.port}${shared.chroot ?? ''}`, direct };
}

async function connect(hosts: string, sessionTimeoutMs: number, connectTimeoutMs: number): Promise<Zk> {
  const zk = await Zk.connect({ ...parseZkHosts(hosts), sessionTimeoutMs, connectTimeoutMs, auth: undefined }, log);
  cleanups.push(() => zk.close());
  return zk;
}

describe('Zk against a server that accepts a connection and never answers', () => {
  it('connects on a later attempt, well within ZK_CONNECT_TIMEOUT_MS', async () => {
    const { proxy, hosts } = await proxied();
    // The chroot-less client Zk.connect uses to create the chroot is swallowed first.
    proxy.swallowNext(1);
    const started = Date.now();
    const zk = await connect(hosts, 2_000, 15_000);
    expect(zk.state).toBe('connected');
    expect(proxy.accepted()).toBeGreaterThanOrEqual(3);
    // One handshake deadline (session timeout / servers) plus the reconnects, not the 15 s deadline.
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 30_000);

  it('after expiry: reconnect attempts swallowed for longer than the session timeout, then the session is replaced and the registration re-created', async () => {
    const { proxy, hosts, direct } = await proxied();
    const zk = await connect(hosts, 2_000, 20_000);
    const oldSession = zk.sessionId;
    const registration = new Registration(zk, '/nodes', '127.0.0.1 1');
    await registration.start();
    cleanups.push(() => registration.stop());
    const observer = await connect(direct, 20_000, 20_000);
    expect((await observer.exists(registration.path))?.ephemeralOwner).toBe(oldSession);

    proxy.swallowNext(Infinity);
    proxy.cutAll();
    const cutAt = proxy.accepted();
    // The server expires the session it no longer hears from: its ephemeral node goes.
    await waitFor(async () => !(await observer.exists(registration.path)), { what: 'the old session expired on the server', timeoutMs: 15_000 });
    await waitFor(() => proxy.accepted() >= cutAt + 2, { what: 'the swallowed handshake given up and tried again', timeoutMs: 10_000 });
    proxy.swallowNext(0);

    const stat = await waitFor(
      async () => {
        const s = await observer.exists(registration.path);
        return s && s.ephemeralOwner !== oldSession ? s : undefined;
      },
      { what: 'the registration re-created on a new session', timeoutMs: 20_000 },
    );
    expect(zk.state).toBe('connected');
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(zk.session).toBe(1);
  }, 60_000);
});
