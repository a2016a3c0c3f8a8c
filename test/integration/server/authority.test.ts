/**
 * The authority rule on the server's side, against real Redis and Sentinel: a ZooKeeper value
 * alone never demotes the live master the sentinels name, and a change seen while our own
 * redis-server did not answer is applied the moment it answers again.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { sharedZkHosts, startProgram, startRedisServer, redisClient, waitFor, zkClient } from '../../harness/index.js';
import { watcherEnv } from '../watcher/group.js';
import { registerSentinels, replication, startLinkedPair } from './helpers.js';

const pidOf = async (r: { info(section: string): Promise<string> }) => Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]);

describe('redis-zk-server: one authority for the master', () => {
  it('a live foreign Redis written into /redis/master while the sentinels name the real master: nobody moves, no data is replaced', async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await startLinkedPair(hosts);
    onTestFailed(() => console.log([...a.proc.logs(), ...b.proc.logs()].map((l) => `${l.time} ${l.pid} ${l.level} ${l.msg}`).join('\n')));
    for (let i = 0; i < 100; i += 1) await a.redis.set(`k${i}`, String(i));
    const zk = await zkClient(hosts);
    await registerSentinels(zk, a.port);
    const foreign = await startRedisServer();
    const fc = redisClient(foreign.port);
    await fc.set('foreign', 'data');

    await zk.set('/redis/master', `127.0.0.1 ${foreign.port}`);
    const refused = (l: Record<string, unknown>) => l.event === 'FOLLOW_REFUSED' && l.rule === 'sentinels-name-other' && l.master === `127.0.0.1 ${foreign.port}`;
    await a.proc.waitForLog(refused, 10_000);
    await b.proc.waitForLog(refused, 10_000);
    // A watcher repairs the record to the sentinels' master (the value was not written from a failover).
    startProgram('watcher', await watcherEnv(hosts));
    await waitFor(async () => (await zk.get('/redis/master')) === `127.0.0.1 ${a.port}`, { what: '/redis/master repaired to the real master', timeoutMs: 10_000 });
    expect((await replication(a.redis)).role).toBe('master');
    expect(await replication(b.redis)).toMatchObject({ role: 'slave', masterPort: a.port, linkUp: true });
    expect(await a.redis.dbsize()).toBe(100);
    expect(await b.redis.get('k99')).toBe('99');
    expect(await b.redis.get('foreign')).toBeNull();
    fc.disconnect();
  });

  it("the old master's redis-server SIGSTOPped past down-after, a replica promoted and recorded, then SIGCONT: its own wrapper demotes it at once", async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await startLinkedPair(hosts);
    onTestFailed(() => console.log(a.proc.logs().map((l) => `${l.time} ${l.level} ${l.msg}`).join('\n')));
    const zk = await zkClient(hosts);
    await registerSentinels(zk, a.port);
    const w = startProgram('watcher', await watcherEnv(hosts));
    await w.waitForLog((l) => l.event === 'SUBSCRIBED', 15_000);
    const pid = await pidOf(a.redis);
    a.redis.disconnect();
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor(async () => (await zk.get('/redis/master')) === `127.0.0.1 ${b.port}`, { what: 'b promoted and recorded', timeoutMs: 20_000 });
      // The wrapper saw the change while its redis-server did not answer: it says so, and keeps it.
      await a.proc.waitForLog((l) => l.event === 'FOLLOW_WAITING' && l.rule === 'own-unreachable', 10_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const resumed = Date.now();
    const a2 = redisClient(a.port);
    await waitFor(async () => (await replication(a2)).role === 'slave', { what: 'the old master demoted', timeoutMs: 5_000, intervalMs: 20 });
    const demotedMs = Date.now() - resumed;
    console.log(`old master demoted by its own wrapper ${demotedMs} ms after SIGCONT`);
    // Sentinel itself takes about 10 s; the wrapper acts on its next retry.
    expect(demotedMs).toBeLessThan(3_000);
    await a.proc.waitForLog((l) => l.event === 'DEMOTED' && l.rule === 'demote', 5_000);
    a2.disconnect();
  });
});
