// A stale /redis/master (the watcher is down, so nobody wrote the sentinels' failover to
// ZooKeeper) must not pull nodes away from the live master the sentinels agree on.
import { describe, expect, it } from 'vitest';
import { freePort, redisClient, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, registerSentinels, replication, startLinkedPair, startServer } from './helpers.js';


describe('a stale /redis/master naming a dead node (no watcher)', () => {
  it('a replaced task follows the sentinels\' master and is not re-pointed to the dead record; nor is anyone on a later write of it', async () => {
    const hosts = sharedZkHosts();
    const { a, b } = await startLinkedPair(hosts);
    const zk = await zkClient(hosts);
    const sentinelPorts = await registerSentinels(zk, a.port);

    // The master's whole task dies (its host: no wrapper is left to start the failover and
    // record it). The sentinels promote b, and with no watcher ZooKeeper keeps naming the dead a.
    a.proc.killGroup();
    await a.proc.exited;
    await waitFor(async () => {
      for (const port of sentinelPorts) {
        const addr = (await redisClient(port).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
        if (Number(addr[1]) !== b.port) return false;
      }
      return (await replication(b.redis)).role === 'master';
    }, { what: 'the sentinels to promote b', timeoutMs: 30_000, intervalMs: 200 });
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);

    // (a) The replacement task decides for the sentinels' master b and stays there.
    const c = await startServer(hosts);
    await c.proc.waitForLog(isUp, 20_000);
    expect(c.proc.logs().some((l) => l.event === 'ROLE_DECIDED' && l.rule === 'sentinels-newer')).toBe(true);
    await waitFor(async () => {
      const r = await replication(c.redis);
      return r.role === 'slave' && r.masterPort === b.port && r.linkUp;
    }, { what: 'c linked to b', timeoutMs: 10_000 });

    // (b) A stale record naming a dead node delivered while running (as after a ZooKeeper session
    // comes back). Another dead address than a's: rewriting a's very value could reach c before
    // its watch delivered the first value, and c rightly skips the record its startup weighed.
    const dead = await freePort();
    await zk.set('/redis/master', `127.0.0.1 ${dead}`);
    const refusal = (l: Record<string, unknown>) => l.event === 'FOLLOW_REFUSED' && l.rule === 'target-not-master' && l.master === `127.0.0.1 ${dead}`;
    await c.proc.waitForLog(refusal, 15_000);
    await b.proc.waitForLog(refusal, 15_000);

    // Nobody ever pointed at a dead address, and the group is intact.
    for (const s of [b, c]) {
      expect(s.proc.logs().filter((l) => l.event === 'REPLICA_REPOINTED' && (l.master === `127.0.0.1 ${a.port}` || l.master === `127.0.0.1 ${dead}`))).toEqual([]);
    }
    expect(await replication(c.redis)).toMatchObject({ role: 'slave', masterPort: b.port, linkUp: true });
    expect((await replication(b.redis)).role).toBe('master');
  });
});
