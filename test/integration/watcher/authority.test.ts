/**
 * The authority rule against real servers: no single registered sentinel, however high its
 * config epoch, moves the master; only a majority of the registered sentinels (or the failover
 * leader confirmed by the new master's lineage and membership) does.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFailed } from 'vitest';
import { redisClient, sharedZkHosts, startProgram, startRedisServer, waitFor, zkClient } from '../../harness/index.js';
import { startRedisSentinel } from '../../harness/redis-sentinel.js';
import { recordHistory } from '../../harness/zk-history.js';
import { startGroup, watcherEnv } from './group.js';

describe('redis-zk-watcher: one authority for the master', () => {
  it('a rogue registered sentinel naming a foreign Redis with epoch 50 moves nothing, is refused and not handed out; a real failover still lands', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const zk = await zkClient(group.zkHosts);
    const real = await zk.get('/redis/master');
    const foreign = await startRedisServer();
    const fc = redisClient(foreign.port);
    await fc.set('foreign', 'data');
    const rogue = await startRedisSentinel({ masterPort: foreign.port, quorum: 1, downAfterMs: 1000, extraConf: ['sentinel config-epoch mymaster 50'] });
    const rc = redisClient(rogue.port);
    expect(((await rc.call('SENTINEL', 'MASTER', 'mymaster')) as string[]).join(' ')).toMatch(/config-epoch 50/);
    await zk.create(`/redis/sentinels/${randomUUID()}`, `127.0.0.1 ${rogue.port}`);

    const history = recordHistory(zk);
    const env = await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '300' });
    const w = startProgram('watcher', env);
    onTestFailed(() => console.log(w.logs().map((l) => `${l.time} ${l.level} ${l.msg}`).join('\n')));
    const base = `http://127.0.0.1:${env.PORT0}`;
    // Refused in one line, however many checks run.
    await w.waitForLog((l) => l.event === 'SENTINEL_NOT_SERVED' && l.sentinel === `127.0.0.1 ${rogue.port}`, 10_000);
    await waitFor(() => w.logs().filter((l) => typeof l.msg === 'string' && /periodic check/.test(String(l.why))).length >= 10, { what: 'ten periodic checks', timeoutMs: 15_000 });
    expect(w.logs().filter((l) => l.event === 'SENTINEL_NOT_SERVED' && l.sentinel === `127.0.0.1 ${rogue.port}`)).toHaveLength(1);
    expect(await zk.get('/redis/master')).toBe(real);
    expect(history.values.filter((v) => v !== real)).toEqual([]);
    const sentinels = await (await fetch(`${base}/sentinels`)).text();
    expect(sentinels.split(',')).toHaveLength(3);
    expect(sentinels).not.toContain(String(rogue.port));
    const status = (await (await fetch(`${base}/status`)).json()) as { refusedSentinels: { port: number; reason: string }[] };
    expect(status.refusedSentinels).toEqual([expect.objectContaining({ port: rogue.port, reason: expect.stringMatching(/while the majority names/) })]);
    for (let i = 0; i < 20; i += 1) expect(await (await fetch(`${base}/sentinel`)).text()).not.toContain(String(rogue.port));

    // The rogue announcing a switch to the foreign Redis is one input: it moves nothing either.
    await rc.call('SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '1000');
    const next = await group.failover();
    await waitFor(async () => (await zk.get('/redis/master')) === next, { what: `the real failover to ${next} recorded with the rogue registered`, timeoutMs: 10_000 });
    expect(history.values.filter((v) => v.endsWith(` ${foreign.port}`))).toEqual([]);
    fc.disconnect();
    rc.disconnect();
  });

  it('a rogue sentinel that really fails over its own foreign pair (+switch-master, epoch 51) is one input: the lineage does not confirm it and the majority keeps the master', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const zk = await zkClient(group.zkHosts);
    const real = await zk.get('/redis/master');
    const foreign = await startRedisServer();
    const foreignReplica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(foreign.port)] });
    const frc = redisClient(foreignReplica.port);
    await waitFor(async () => /master_link_status:up/.test(await frc.info('replication')), { what: 'the foreign replica linked' });
    const rogue = await startRedisSentinel({ masterPort: foreign.port, quorum: 1, downAfterMs: 1000, failoverTimeoutMs: 3000, extraConf: ['sentinel config-epoch mymaster 50'] });
    const rc = redisClient(rogue.port);
    await waitFor(async () => /num-slaves 1/.test(((await rc.call('SENTINEL', 'MASTER', 'mymaster')) as string[]).join(' ')), { what: 'the rogue to know its replica' });
    await zk.create(`/redis/sentinels/${randomUUID()}`, `127.0.0.1 ${rogue.port}`);
    const env = await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '60000' });
    const w = startProgram('watcher', env);
    onTestFailed(() => console.log(w.logs().map((l) => `${l.time} ${l.level} ${l.msg}`).join('\n')));
    await waitFor(() => w.logs().filter((l) => l.event === 'SUBSCRIBED').length === 4, { what: 'subscribed to all four', timeoutMs: 15_000 });
    const history = recordHistory(zk);
    expect(await rc.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    await w.waitForLog((l) => l.event === 'SWITCH_ANNOUNCED' && (l.to as { port?: number } | undefined)?.port === foreignReplica.port, 15_000);
    await w.waitForLog((l) => l.event === 'SWITCH_UNCONFIRMED' && l.rule === 'lineage-unconfirmed', 5_000);
    // The all-sentinels check that follows finds the real majority and leaves ZooKeeper alone.
    await w.waitForLog((l) => l.event === 'RECORD_KEPT' && l.rule === 'already-recorded' && /announced/.test(String(l.why)), 5_000);
    expect(await zk.get('/redis/master')).toBe(real);
    expect(history.values.filter((v) => v !== real)).toEqual([]);
    frc.disconnect();
    rc.disconnect();
  });
});
