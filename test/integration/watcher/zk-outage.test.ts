import { describe, expect, it } from 'vitest';
import { startProgram, startZooKeeper, waitFor } from '../../harness/index.js';
import { startGroup, watcherEnv } from './group.js';

async function health(base: string): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const r = await fetch(`${base}/health`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

describe('redis-zk-watcher /health follows ZooKeeper', () => {
  it('turns 503 with a reason when ZooKeeper goes away and 200 when it is back; the API keeps answering from memory', async () => {
    const zkServer = await startZooKeeper();
    const hosts = `${zkServer.connectString}/outage`;
    // Persistent registrations: this test is about the watcher's ZooKeeper session, not the sentinels'.
    const group = await startGroup({ zkHosts: hosts, sentinels: 3, registerPersistent: true });
    group.zk.close();
    const env = await watcherEnv(hosts, { ZK_SESSION_TIMEOUT_MS: '4000' });
    startProgram('watcher', env);
    const base = `http://127.0.0.1:${env.PORT0}`;
    await waitFor(async () => (await health(base))?.status === 200, { what: 'healthy', timeoutMs: 15_000 });

    await zkServer.stop();
    const down = await waitFor(async () => {
      const h = await health(base);
      return h?.status === 503 ? h : false;
    }, { what: '/health 503 while ZooKeeper is down', timeoutMs: 10_000 });
    expect(down.body).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/ZooKeeper/) });
    // Still answered from memory.
    expect((await fetch(`${base}/sentinels`)).status).toBe(200);
    expect((await fetch(`${base}/master`)).status).toBe(200);

    await zkServer.start();
    await waitFor(async () => (await health(base))?.status === 200, { what: '/health 200 once ZooKeeper is back', timeoutMs: 15_000 });
  });

  it('turns 503 within the session timeout when ZooKeeper hangs (SIGSTOP: connection open, no answer) and 200 after SIGCONT', async () => {
    const sessionTimeoutMs = 4_000;
    const zkServer = await startZooKeeper();
    const hosts = `${zkServer.connectString}/frozen`;
    const group = await startGroup({ zkHosts: hosts, sentinels: 3, registerPersistent: true });
    group.zk.close();
    const env = await watcherEnv(hosts, { ZK_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) });
    startProgram('watcher', env);
    const base = `http://127.0.0.1:${env.PORT0}`;
    await waitFor(async () => (await health(base))?.status === 200, { what: 'healthy', timeoutMs: 15_000 });

    zkServer.freeze();
    try {
      const frozenAt = Date.now();
      const down = await waitFor(async () => {
        const h = await health(base);
        return h?.status === 503 ? h : false;
      }, { what: '/health 503 while ZooKeeper is frozen', timeoutMs: 10_000 });
      expect(Date.now() - frozenAt).toBeLessThan(sessionTimeoutMs);
      expect(down.body).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/ZooKeeper/) });
      expect(down.body.zookeeper).not.toBe('connected');
    } finally {
      zkServer.thaw();
    }
    await waitFor(async () => (await health(base))?.status === 200, { what: '/health 200 after SIGCONT', timeoutMs: 20_000 });
  });
});
