import { describe, expect, it } from 'vitest';
import { freePort, sharedZkHosts, startRedisServer, waitFor, zkClient } from '../../harness/index.js';
import { masterAddr, registered, registeredSentinels, sentinelMaster, serverUp, startSentinel, startServer } from './helpers.js';

async function knows(port: number, name: string): Promise<boolean> {
  return (await masterAddr(port, name)) !== undefined;
}

describe('redis-zk-sentinel groups and re-pointing', () => {
  it('started before any master, it waits and then monitors the master redis-zk-server claims', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog((l) => l.event === 'WAITING_FOR_MASTER');
    expect(await registeredSentinels(zk)).toEqual([]);
    const server = await startServer(hosts);
    await server.proc.waitForLog(serverUp, 20_000);
    await s.proc.waitForLog(registered, 15_000);
    expect(await masterAddr(s.port)).toBe(`127.0.0.1 ${server.port}`);
  });

  it('monitors the groups under /redis/masters at start and as they appear and vanish', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const [main, g2, g3] = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer()]);
    await zk.set('/redis/master', `127.0.0.1 ${main.port}`);
    await zk.set('/redis/masters/mymaster', `127.0.0.1 ${main.port}`);
    await zk.set('/redis/masters/g2', `127.0.0.1 ${g2.port}`);
    await zk.set('/redis/masters/bad', 'nonsense');
    const s = await startSentinel(hosts);
    await s.proc.waitForLog(registered, 15_000);
    expect(await masterAddr(s.port, 'g2')).toBe(`127.0.0.1 ${g2.port}`);
    expect(await knows(s.port, 'bad')).toBe(false);
    expect(s.proc.logs().some((l) => (l.event === 'RECORD_REFUSED' || l.event === 'GROUP_REFUSED') && l.group === 'bad')).toBe(true);

    await zk.set('/redis/masters/g3', `127.0.0.1 ${g3.port}`);
    await waitFor(async () => (await masterAddr(s.port, 'g3')) === `127.0.0.1 ${g3.port}`, { what: 'the sentinel to monitor g3 at run time' });
    // SENTINEL MONITOR then SET: the group shows before its timings do.
    const m = await waitFor(
      async () => {
        const now = await sentinelMaster(s.port, 'g3');
        return now['down-after-milliseconds'] === '1000' && now;
      },
      { timeoutMs: 3_000, what: 'g3 to get our down-after' },
    );
    expect(m['failover-timeout']).toBe('3000');

    await zk.remove('/redis/masters/g2');
    await waitFor(async () => !(await knows(s.port, 'g2')), { what: 'the sentinel to stop monitoring g2' });
    expect(await knows(s.port, 'g3')).toBe(true);
  });

  it('started with named groups only, it monitors the default group once /redis/master appears', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const [main, g2] = await Promise.all([startRedisServer(), startRedisServer()]);
    await zk.set('/redis/masters/g2', `127.0.0.1 ${g2.port}`);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog(registered, 15_000);
    expect(await masterAddr(s.port, 'g2')).toBe(`127.0.0.1 ${g2.port}`);
    expect(await knows(s.port, 'mymaster')).toBe(false);
    await zk.set('/redis/master', `127.0.0.1 ${main.port}`);
    await zk.set('/redis/masters/mymaster', `127.0.0.1 ${main.port}`);
    await waitFor(async () => (await masterAddr(s.port)) === `127.0.0.1 ${main.port}`, { what: 'the sentinel to monitor the default group' });
    expect(await knows(s.port, 'g2')).toBe(true);
  });

  it('follows /redis/master to a live master only when its own master is down (whole group restarted)', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const [a, b, c] = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer()]);
    await zk.set('/redis/master', `127.0.0.1 ${a.port}`);
    const s = await startSentinel(hosts, { SENTINEL_QUORUM: '1' });
    await s.proc.waitForLog(registered, 15_000);

    // Healthy master: a record change is not followed (the sentinels lead).
    await zk.set('/redis/master', `127.0.0.1 ${b.port}`);
    await s.proc.waitForLog((l) => l.event === 'SENTINEL_KEPT' && l.rule === 'sentinels-lead');
    expect(await masterAddr(s.port)).toBe(`127.0.0.1 ${a.port}`);

    // Its master dies with no replica to promote (b goes too, so only the next record is live);
    // ZooKeeper then records a live master.
    b.process.killGroup();
    a.process.killGroup();
    await waitFor(async () => (await sentinelMaster(s.port)).flags?.includes('s_down'), { what: 'the sentinel to flag its master down' });
    await zk.set('/redis/master', `127.0.0.1 ${c.port}`);
    await waitFor(async () => (await masterAddr(s.port)) === `127.0.0.1 ${c.port}`, { what: 'the sentinel to re-point to the recorded live master' });
    expect(s.proc.logs().some((l) => l.event === 'SENTINEL_REPOINTED' && l.rule === 'group-restarted')).toBe(true);
    // The re-point is SENTINEL MONITOR then SET: the address shows before the timings do.
    await waitFor(async () => (await sentinelMaster(s.port))['down-after-milliseconds'] === '1000', { timeoutMs: 3_000, what: 'the re-pointed group to get our down-after' });

    // A record pointing at nothing alive is never followed.
    await zk.set('/redis/master', `127.0.0.1 ${await freePort()}`);
    await s.proc.waitForLog((l) => l.event === 'SENTINEL_KEPT' && l.rule === 'record-not-master');
    expect(await masterAddr(s.port)).toBe(`127.0.0.1 ${c.port}`);
  });
});
