// FAILOVER_MODE=zookeeper against real ZooKeeper and Redis, no sentinel anywhere: the master holds
// /redis/leader through its session; when its redis-server dies, or its whole task, the replicas'
// wrappers elect one of them, which writes the record with a higher epoch; the others follow;
// replica-priority 0 is never promoted, and the lower priority wins.
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor, zkClient, type TestZk, redisPidOf } from '../../harness/index.js';
import { isUp, replication, type ServerUnderTest, startServer } from './helpers.js';

const ZK_MODE = { FAILOVER_MODE: 'zookeeper', ZK_SESSION_TIMEOUT_MS: '4000', FENCE_AFTER_MS: '1000' };

const addr = (s: ServerUnderTest) => `127.0.0.1 ${s.port}`;


/** A master and two replicas, all linked, in FAILOVER_MODE=zookeeper. */
async function startGroup(hosts: string, redisArgs: { b?: string[]; c?: string[] } = {}, aEnv: Record<string, string> = {}): Promise<{ zk: TestZk; a: ServerUnderTest; b: ServerUnderTest; c: ServerUnderTest }> {
  const zk = await zkClient(hosts);
  const a = await startServer(hosts, { env: { ...ZK_MODE, ...aEnv } });
  await a.proc.waitForLog(isUp, 20_000);
  const [b, c] = await Promise.all([startServer(hosts, { env: ZK_MODE, redisArgs: redisArgs.b }), startServer(hosts, { env: ZK_MODE, redisArgs: redisArgs.c })]);
  await Promise.all([b.proc.waitForLog(isUp, 20_000), c.proc.waitForLog(isUp, 20_000)]);
  await waitFor(async () => (await replication(b.redis)).linkUp && (await replication(c.redis)).linkUp, { what: 'b and c linked to a' });
  expect(await zk.get('/redis/leader')).toBe(addr(a));
  expect(await zk.get('/redis/master')).toBe(addr(a));
  return { zk, a, b, c };
}

/** Until /redis/master names another server that takes a write: the client's outage, from `t0`. */
async function newMasterTakingWrites(zk: TestZk, old: string, t0: number): Promise<{ master: string; outageMs: number }> {
  return waitFor(
    async () => {
      const m = await zk.get('/redis/master');
      if (m === undefined || m === old) return false;
      const c = redisClient(Number(m.split(' ')[1]));
      try {
        await c.set('after-failover', '1');
        return { master: m, outageMs: Date.now() - t0 };
      } catch {
        return false;
      } finally {
        c.disconnect();
      }
    },
    { what: `a master other than ${old} recorded and taking writes`, timeoutMs: 20_000, intervalMs: 20 },
  );
}

describe('FAILOVER_MODE=zookeeper (no sentinels)', () => {
  it('kill -9 of the master\'s redis-server: a replica is elected at once, with a higher epoch; the other follows it; no acknowledged write is lost', async () => {
    const hosts = sharedZkHosts();
    const { zk, a, b, c } = await startGroup(hosts);
    const epochBefore = Number(await zk.get('/redis/epochs/mymaster'));
    for (let i = 0; i < 100; i += 1) await a.redis.set(`k${i}`, String(i));
    expect(await a.redis.call('WAIT', '2', '2000')).toBe(2);

    const t0 = Date.now();
    process.kill(redisPidOf(a), 'SIGKILL');
    const { master, outageMs } = await newMasterTakingWrites(zk, addr(a), t0);
    console.log(`zookeeper mode: kill -9 of the master's redis-server → a new master taking writes after ${outageMs} ms`);
    expect([addr(b), addr(c)]).toContain(master);
    expect(Number(await zk.get('/redis/epochs/mymaster'))).toBeGreaterThan(epochBefore);
    expect(await zk.get('/redis/masters/mymaster')).toBe(master);
    await waitFor(async () => (await zk.get('/redis/leader')) === master, { what: '/redis/leader to name the new master' });
    const [winner, other] = master === addr(b) ? [b, c] : [c, b];
    await waitFor(async () => {
      const r = await replication(other.redis);
      return r.role === 'slave' && r.masterPort === winner.port && r.linkUp;
    }, { what: 'the other replica to follow the new master', timeoutMs: 10_000 });
    const values = await winner.redis.mget(...Array.from({ length: 100 }, (_, i) => `k${i}`));
    expect(values.filter((v) => v === null).length).toBe(0);
    expect((await a.proc.exited).code).toBe(137);
    expect(winner.proc.logs().some((l) => l.event === 'PROMOTED' && l.rule === 'elected')).toBe(true);
  }, 60_000);

  it('kill -9 of a replica\'s redis-server starts nothing: the record, the epoch and the leadership stay', async () => {
    const hosts = sharedZkHosts();
    const { zk, a, b } = await startGroup(hosts);
    const epochBefore = await zk.get('/redis/epochs/mymaster');
    process.kill(redisPidOf(b), 'SIGKILL');
    expect((await b.proc.exited).code).toBe(137);
    // Its wrapper is gone (its session closed): an election would have run by now.
    await waitFor(async () => (await zk.children('/redis/nodes')).length === 2, { what: 'the replica deregistered', timeoutMs: 10_000 });
    expect(await zk.get('/redis/master')).toBe(addr(a));
    expect(await zk.get('/redis/leader')).toBe(addr(a));
    expect(await zk.get('/redis/epochs/mymaster')).toBe(epochBefore);
    expect((await replication(a.redis)).role).toBe('master');
    expect(b.proc.logs().some((l) => String(l.event).startsWith('CRASH_FAILOVER') || l.event === 'PROMOTED')).toBe(false);
  });

  it('the most advanced replica is elected, not the one the address order would pick', async () => {
    const hosts = sharedZkHosts();
    const { zk, a, b, c } = await startGroup(hosts);
    // `behind` is the replica the tie-break (the address) would pick; it misses the last writes.
    const [behind, ahead] = addr(b) < addr(c) ? [b, c] : [c, b];
    for (let i = 0; i < 50; i += 1) await a.redis.set(`k${i}`, String(i));
    expect(await a.redis.call('WAIT', '2', '2000')).toBe(2);
    // Cut `behind`'s replication link from its own side, and keep it from reconnecting (a wrong
    // masterauth fails its handshake), write more (they reach `ahead` alone), then kill the master.
    const offsetOf = async (s: ServerUnderTest) => Number(/slave_repl_offset:(\d+)/.exec(await s.redis.info('replication'))?.[1]);
    await behind.redis.config('SET', 'masterauth', 'not-the-password');
    await behind.redis.call('CLIENT', 'KILL', 'TYPE', 'master');
    for (let i = 0; i < 200; i += 1) await a.redis.set(`late${i}`, String(i));
    await a.redis.call('WAIT', '1', '1000');
    const offsets = [await offsetOf(behind), await offsetOf(ahead)];
    process.kill(redisPidOf(a), 'SIGKILL');
    await behind.redis.config('SET', 'masterauth', '');
    expect(offsets[0]!, `offsets behind/ahead ${offsets.join('/')}`).toBeLessThan(offsets[1]!);
    const { master } = await newMasterTakingWrites(zk, addr(a), Date.now());
    expect(master).toBe(addr(ahead));
    expect(await ahead.redis.get('late199')).not.toBeNull();
    expect(ahead.proc.logs().some((l) => l.event === 'PROMOTED' && l.rule === 'elected')).toBe(true);
  }, 60_000);

  it('a persistent /redis/leader written by hand is no leadership: the master replaces it, and after the master dies the replicas elect over it', async () => {
    const hosts = sharedZkHosts();
    const { zk, a, b, c } = await startGroup(hosts);
    // Replaced in one transaction: between a remove and a create the wrappers would take it.
    const forge = (value: string) =>
      new Promise<void>((resolve, reject) => zk.client.transaction().remove('/redis/leader', -1).create('/redis/leader', Buffer.from(value)).commit((err) => (err ? reject(err) : resolve())));
    const ephemeralOwner = async () => {
      const stat = await new Promise<{ ephemeralOwner: Buffer } | undefined>((r) => zk.client.exists('/redis/leader', (err, st) => r(err ? undefined : (st as unknown as { ephemeralOwner: Buffer }))));
      return stat === undefined ? undefined : Buffer.from(stat.ephemeralOwner).readBigUInt64BE();
    };
    // 1. While the master lives: it takes its leadership back over the forged node.
    await forge(addr(b));
    await waitFor(async () => (await zk.get('/redis/leader')) === addr(a) && (await ephemeralOwner()) !== 0n, { what: 'the master to replace the forged leadership', timeoutMs: 10_000 });
    // 2. The master's whole task dies and a forged persistent node takes the place of its
    //    leadership: the replicas elect at once (not never, not after the session timeout).
    const redisOfA = redisPidOf(a);
    a.proc.signal('SIGKILL');
    try {
      process.kill(redisOfA, 'SIGKILL');
    } catch {
      /* gone with its wrapper already */
    }
    await forge(addr(a));
    const t0 = Date.now();
    const { master } = await newMasterTakingWrites(zk, addr(a), t0);
    expect([addr(b), addr(c)]).toContain(master);
    await waitFor(async () => (await zk.get('/redis/leader')) === master && (await ephemeralOwner()) !== 0n, { what: 'the elected master to hold an ephemeral leadership' });
  }, 60_000);

  it('kill -9 of the master\'s whole task: the replicas elect once its session expires; replica-priority 0 is never promoted, the lower priority wins', async () => {
    const hosts = sharedZkHosts();
    // c may never be promoted; b is preferred over nobody else, so b must win.
    const { zk, a, b, c } = await startGroup(hosts, { b: ['--replica-priority', '50'], c: ['--replica-priority', '0'] });
    const redisOfA = redisPidOf(a);
    const t0 = Date.now();
    a.proc.signal('SIGKILL');
    try {
      process.kill(redisOfA, 'SIGKILL');
    } catch {
      /* gone with its wrapper already */
    }
    const { master, outageMs } = await newMasterTakingWrites(zk, addr(a), t0);
    console.log(`zookeeper mode: kill -9 of the master's whole task → a new master taking writes after ${outageMs} ms (session timeout 4000 ms)`);
    expect(master).toBe(addr(b));
    await waitFor(async () => {
      const r = await replication(c.redis);
      return r.role === 'slave' && r.masterPort === b.port && r.linkUp;
    }, { what: 'c (priority 0) to follow b', timeoutMs: 10_000 });

    // With only a priority-0 replica left, losing the master elects nobody: c stays a replica.
    const epoch = await zk.get('/redis/epochs/mymaster');
    process.kill(redisPidOf(b), 'SIGKILL');
    await c.proc.waitForLog((l) => l.event === 'ELECTION_DECIDED' && l.rule === 'nobody-eligible', 10_000);
    expect((await replication(c.redis)).role).toBe('slave');
    expect(await zk.get('/redis/master')).toBe(addr(b));
    expect(await zk.get('/redis/epochs/mymaster')).toBe(epoch);
  }, 60_000);

  it('SIGTERM of the master (a rolling restart) hands over first: the replica an election would pick, writes paused briefly, the leadership moved, no acknowledged write lost', async () => {
    const hosts = sharedZkHosts();
    // The default SHUTDOWN_TIMEOUT_MS: half of it is the hand-off's budget, which a loaded 2-core machine needs.
    const { zk, a, b, c } = await startGroup(hosts, { c: ['--replica-priority', '50'] }, { SHUTDOWN_TIMEOUT_MS: '10000' });
    const epochBefore = Number(await zk.get('/redis/epochs/mymaster'));
    // A client following /redis/master, writing all along; every OK is remembered.
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      let port = a.port;
      let client = redisClient(port);
      for (let i = 0; !stop; i++) {
        try {
          if ((await client.set(`h:${i}`, String(i))) === 'OK') acked.push(`h:${i}`);
        } catch {
          const m = await zk.get('/redis/master');
          const next = Number(m?.split(' ')[1]);
          if (next !== port) {
            client.disconnect();
            port = next;
            client = redisClient(port);
          } else await new Promise((r) => setTimeout(r, 10));
        }
      }
      client.disconnect();
    })();
    await waitFor(() => acked.length >= 50, { what: '50 writes acknowledged by a', timeoutMs: 10_000 });

    const t0 = Date.now();
    a.proc.signal('SIGTERM');
    expect((await a.proc.exited).code).toBe(0);
    const handed = a.proc.logs().find((l) => l.event === 'HANDED_OFF');
    expect(handed, `the hand-off logged; what a said: ${JSON.stringify(a.proc.logs().filter((l) => /hand|stopping|shut/i.test(String(l.msg))).map((l) => l.msg))}`).toMatchObject({ to: addr(c), epoch: epochBefore + 1 });
    console.log(`zookeeper-mode hand-off: SIGTERM to exit ${Date.now() - t0} ms; writes paused ${String(handed!.outageMs)} ms`);
    expect(await zk.get('/redis/master')).toBe(addr(c));
    await waitFor(async () => (await zk.get('/redis/leader')) === addr(c) && (await replication(b.redis)).masterPort === c.port, { what: "c's wrapper holding the leadership and b following c", timeoutMs: 10_000 });
    const ackedByA = acked.length;
    await waitFor(() => acked.length >= ackedByA + 50, { what: '50 writes acknowledged by c after the hand-off', timeoutMs: 10_000 });
    stop = true;
    await writer;
    // No election ran on top of it: one epoch up, not two.
    expect(Number(await zk.get('/redis/epochs/mymaster'))).toBe(epochBefore + 1);
    const values = await c.redis.mget(...acked);
    const missing = acked.filter((_, i) => values[i] === null);
    expect(missing, `acknowledged writes missing on the new master (of ${acked.length})`).toEqual([]);
  }, 60_000);
});
