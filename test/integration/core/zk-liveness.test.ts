/**
 * A ZooKeeper server that hangs (SIGSTOP, a stuck JVM) keeps the TCP connection open and says
 * nothing; node-zookeeper-client has no read timeout of its own. The Zk layer must notice within
 * 2/3 of the session timeout (as the Java client does), reconnect and resume the same session when
 * the server answers again in time, and never drop a healthy idle connection.
 * A TCP proxy in front of the suite-wide ZooKeeper plays the frozen server: while frozen it
 * forwards nothing either way (sockets stay open, bytes are held) and delivers what it held on thaw.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, parseZkHosts, Registration, Zk, type ZkState } from '@redis-zk/core';
import { waitFor } from '../../harness/index.js';
import { proxiedSharedZk as proxied } from '../../harness/tcp-proxy.js';

const log = createLogger('zk-liveness-test', process.env.TEST_LOG_LEVEL ?? 'silent');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

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
