import { beforeAll, describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor, zkClient, type TestZk } from '../../harness/index.js';
import {
  TIMINGS,
  knownSentinels,
  masterAddr,
  registered,
  registeredSentinels,
  sentinelMaster,
  serverUp,
  startSentinel,
  startServer,
  waitForSentinels,
  type StartedSentinel,
} from './helpers.js';

/**
 * One group for the whole file: three redis-zk-server, three redis-zk-sentinel. The scenarios
 * build on each other (the failover of one test is the state of the next).
 */
describe('three servers and three sentinels', () => {
  let hosts: string;
  let zk: TestZk;
  let servers: { port: number; proc: { killGroup(): void } }[];
  const sentinels: StartedSentinel[] = [];
  const ports = () => sentinels.map((s) => s.port);

  beforeAll(async () => {
    hosts = sharedZkHosts();
    zk = await zkClient(hosts);
    const first = await startServer(hosts);
    await first.proc.waitForLog(serverUp, 20_000);
    const rest = await Promise.all([startServer(hosts), startServer(hosts)]);
    await Promise.all(rest.map((s) => s.proc.waitForLog(serverUp, 20_000)));
    servers = [first, ...rest];
    const started = await Promise.all([0, 1, 2].map(() => startSentinel(hosts)));
    sentinels.push(...started);
    await Promise.all(started.map((s) => s.proc.waitForLog(registered, 20_000)));
  }, 60_000);

  it('every sentinel knows the other two and both replicas; /redis/sentinels holds exactly the three', async () => {
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${servers[0]!.port}`);
    await waitForSentinels(ports(), (m) => m['num-other-sentinels'] === '2' && m['num-slaves'] === '2', 'every sentinel to count 2 others and 2 replicas');
    expect(await registeredSentinels(zk)).toEqual(ports().map((p) => `127.0.0.1 ${p}`).sort());
  });

  /** The sentinels agree on a master that has an online replica: a stable point to fail from. */
  async function stableMaster(): Promise<string> {
    return waitFor(
      async () => {
        const all = await Promise.all(ports().map((p) => masterAddr(p)));
        const first = all[0];
        if (first === undefined || !all.every((a) => a === first)) return false;
        const info = await redisClient(Number(first.split(' ')[1])).info('replication');
        return /role:master/.test(info) && /slave\d+:.*state=online/.test(info) ? first : false;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the sentinels to agree on a master with an online replica' },
    );
  }

  /** `bounded`: also assert the healthy-path time (the group's first failover, nothing reset lately). */
  async function killMasterAndMeasure(label: string, bounded = true): Promise<string> {
    const old = await stableMaster();
    // The whole task (its host lost): the sentinels' own path, which this file measures; a
    // redis-server crash under its live wrapper would be failed over (and recorded) by the wrapper.
    const task = servers.find((s) => `127.0.0.1 ${s.port}` === old)!;
    const t0 = Date.now();
    task.proc.killGroup();
    let agreed: string;
    try {
      agreed = await waitFor(
        async () => {
          const all = await Promise.all(ports().map((p) => masterAddr(p)));
          const first = all[0];
          if (first === undefined || first === old || !all.every((a) => a === first)) return false;
          const role = ((await redisClient(Number(first.split(' ')[1])).info('replication')).match(/role:(\w+)/) ?? [])[1];
          return role === 'master' ? first : false;
        },
        { timeoutMs: bounded ? 30_000 : 60_000, intervalMs: 100, what: `all sentinels to agree on a new master after kill -9 of ${old}` },
      );
    } catch (err) {
      for (const s of sentinels) console.log(`sentinel ${s.port}:`, s.proc.output().split('\n').filter((l) => /[+-](switch-master|sdown|odown|failover|elected|selected|promoted|slave|try-failover|vote)/.test(l)).slice(-30).join('\n'));
      throw err;
    }
    const took = Date.now() - t0;
    console.log(`${label}: kill -9 of master ${old} → all 3 sentinels agree on ${agreed} after ${took} ms (down-after ${TIMINGS.SENTINEL_DOWN_AFTER_MS} ms)`);
    // down-after, then a few seconds of agreement, election and promotion; a sentinel that took
    // part in a failover of this group less than 2 × failover-timeout ago waits that out first.
    const healthyPathMs = Number(TIMINGS.SENTINEL_DOWN_AFTER_MS) + 2 * Number(TIMINGS.SENTINEL_FAILOVER_TIMEOUT_MS) + 3_000;
    if (bounded) expect(took).toBeLessThan(healthyPathMs);
    else if (took >= healthyPathMs) {
      // Right after resets a sentinel may abort a first attempt (it is still relearning the
      // replicas) and retry after 2 × failover-timeout: slower, still a failover. Say why.
      for (const s of sentinels) console.log(`sentinel ${s.port}:`, s.proc.output().split('\n').filter((l) => /[+-](switch-master|sdown|odown|failover|elected|selected|promoted|try-failover|vote|reset)/.test(l)).slice(-20).join('\n'));
    }
    return agreed;
  }

  it('kill -9 of the master redis-server: the sentinels promote a replica and agree on it', async () => {
    const newMaster = await killMasterAndMeasure('first failover');
    expect(newMaster).not.toBe(`127.0.0.1 ${servers[0]!.port}`);
  });

  it('a sentinel restarted five times on new ports does not pile up; failover still works', async () => {
    for (let i = 0; i < 5; i++) {
      const victim = sentinels.pop()!;
      victim.proc.signal('SIGTERM');
      expect((await victim.proc.exited).code).toBe(0);
      const next = await startSentinel(hosts);
      sentinels.push(next);
      await next.proc.waitForLog(registered, 20_000);
      if (i === 0) {
        // Nothing updates ZooKeeper in this file (no watcher): the record still names the dead
        // master, and the live sentinels' agreement wins at start.
        expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${servers[0]!.port}`);
        expect(next.proc.logs().filter((l) => l.event === 'GROUP_MONITORED').map((l) => l.rule)).toEqual(['sentinels-win']);
        expect(await masterAddr(next.port)).toBe(await masterAddr(sentinels[0]!.port));
      }
    }
    expect(await registeredSentinels(zk)).toEqual(ports().map((p) => `127.0.0.1 ${p}`).sort());
    const othersOf = (p: number) => ports().filter((q) => q !== p).map((q) => `127.0.0.1 ${q}`).sort();
    const t0 = Date.now();
    await waitFor(async () => (await Promise.all(ports().map(async (p) => JSON.stringify(await knownSentinels(p)) === JSON.stringify(othersOf(p))))).every(Boolean), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every sentinel to know exactly the two live others after 5 restarts',
    });
    console.log(`5 sentinel restarts: all sentinels know exactly the live set ${Date.now() - t0} ms after the last restart registered`);
    await waitForSentinels(ports(), (m) => m['num-other-sentinels'] === '2', 'every sentinel to count exactly 2 others after 5 restarts', 5_000);
    // Each replacement took the departed sentinel's myid, so the others replaced its entry by
    // Sentinel's own rule: nobody was reset, nobody was ever blind.
    expect(sentinels[2]!.proc.logs().some((l) => l.event === 'SENTINEL_ID_CLAIMED' && l.from !== undefined)).toBe(true);
    // Never a SENTINEL RESET (which would blind a sentinel until it rediscovers the group).
    expect(sentinels.slice(0, 2).map((s) => s.proc.output().includes('+reset-master'))).toEqual([false, false]);
    await killMasterAndMeasure('failover after 5 sentinel restarts');
    // After the failover still exactly the two live others, by address: no departed sentinel came back.
    for (const p of ports()) expect(await knownSentinels(p)).toEqual(othersOf(p));
  });

  it('kill -9 of a sentinel process group: gone from /redis/sentinels within the session timeout, the others forget it', async () => {
    const victim = sentinels.pop()!;
    const t0 = Date.now();
    victim.proc.killGroup();
    await waitFor(async () => !(await registeredSentinels(zk)).includes(`127.0.0.1 ${victim.port}`), {
      timeoutMs: Number(TIMINGS.ZK_SESSION_TIMEOUT_MS) + 3_000,
      intervalMs: 100,
      what: 'the killed sentinel to vanish from /redis/sentinels',
    });
    console.log(`kill -9 of a sentinel: gone from /redis/sentinels after ${Date.now() - t0} ms`);
    await waitForSentinels(ports(), (m) => m['num-other-sentinels'] === '1', 'the two remaining sentinels to count exactly 1 other', 40_000);
    const m = await sentinelMaster(sentinels[0]!.port);
    expect(m.quorum).toBe('2');
  });
});
