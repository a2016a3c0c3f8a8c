import { describe, expect, it } from 'vitest';
import { startRedisServer, startZooKeeper, waitFor, zkClient, type TestZk } from '../../harness/index.js';
import { TIMINGS, masterAddr, registered, registeredSentinels, startSentinel } from './helpers.js';

async function ephemeralOwner(zk: TestZk): Promise<string> {
  const [id] = await zk.children('/redis/sentinels');
  return new Promise((resolve, reject) =>
    zk.client.exists(`/redis/sentinels/${id}`, (err, stat) => (err ? reject(err) : resolve(stat ? stat.ephemeralOwner.toString('hex') : 'none'))),
  );
}

describe('redis-zk-sentinel and its ZooKeeper session', () => {
  it('keeps running and registered through a ZooKeeper outage longer than the session timeout', async () => {
    const zkServer = await startZooKeeper();
    const hosts = `${zkServer.connectString}/sentinel-session`;
    const zk = await zkClient(hosts);
    const master = await startRedisServer();
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog(registered, 15_000);
    const ownerBefore = await ephemeralOwner(zk);
    zk.close();

    await zkServer.stop();
    // The outage itself (not a wait for a condition): longer than the session timeout.
    await new Promise((r) => setTimeout(r, Number(TIMINGS.ZK_SESSION_TIMEOUT_MS) + 2_000));
    expect(await masterAddr(s.port)).toBe(`127.0.0.1 ${master.port}`);
    await zkServer.start();

    const again = await zkClient(hosts);
    await waitFor(async () => (await registeredSentinels(again)).length === 1 && (await registeredSentinels(again)), {
      timeoutMs: 20_000,
      what: 'the sentinel to be registered after the outage',
    });
    expect(await registeredSentinels(again)).toEqual([`127.0.0.1 ${s.port}`]);
    // A restarted ZooKeeper restores sessions with a fresh timeout, so the session survived; the
    // re-creation after a real expiry is Registration's, tested in test/integration/core.
    expect(await ephemeralOwner(again)).toBe(ownerBefore);
    // Still the same process, still monitoring.
    expect(s.proc.logs().some((l) => l.level === 'fatal')).toBe(false);
    expect(await masterAddr(s.port)).toBe(`127.0.0.1 ${master.port}`);
  });
});
