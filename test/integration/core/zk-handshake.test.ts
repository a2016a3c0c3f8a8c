/**
 * A ZooKeeper that accepts a connection and then says nothing (as a 3.8 server does for a client
 * that connects while it is still starting): the ZooKeeper layer must drop that connection and
 * try again instead of waiting for the handshake forever. A TCP proxy in front of the suite-wide
 * ZooKeeper swallows chosen connections to play that server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, parseZkHosts, Registration, Zk } from '@redis-zk/core';
import { waitFor } from '../../harness/index.js';
import { proxiedSharedZk as proxied } from '../../harness/tcp-proxy.js';

const log = createLogger('zk-handshake-test', process.env.TEST_LOG_LEVEL ?? 'silent');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

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
