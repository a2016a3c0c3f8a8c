// Moving a group from Redis 7 to Valkey 8 as Marathon's rolling upgrade does, task by task, in
// the documented order (docs/operations/valkey.md): sentinels, then the replicas, then the master
// (its SIGTERM hands off to a Valkey replica). A writer counts SET + WAIT 1 acknowledgements all
// along and a probe writes to every server answering as master every 100 ms. No moment with two
// servers taking writes, nothing acknowledged lost, and the all-Valkey group fails over.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor } from '../../harness/index.js';
import { killRedisServer, startDurableWriter, startFullGroup, startTwoMasterProbe, type FullGroup, type Task } from '../../harness/full-group.js';
import { missingKeys } from '../../harness/writer.js';

const has = (name: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
};
const missing = !has('valkey-server') || !has('valkey-sentinel') || !has('redis-server') || !has('redis-sentinel');
const REDIS = { REDIS_SERVER_BIN: 'redis-server', REDIS_SENTINEL_BIN: 'redis-sentinel' };
const VALKEY = { REDIS_SERVER_BIN: 'valkey-server', REDIS_SENTINEL_BIN: 'valkey-sentinel' };

async function info(port: number, section: string): Promise<Record<string, string>> {
  const c = redisClient(port);
  try {
    const text = await c.info(section);
    return Object.fromEntries(text.split('\r\n').flatMap((l) => (l.includes(':') ? [l.split(':', 2) as [string, string]] : [])));
  } finally {
    c.disconnect();
  }
}

async function stopTask(list: Task[], t: Task): Promise<void> {
  t.proc.signal('SIGTERM');
  expect((await t.proc.exited).code).toBe(0);
  list.splice(list.indexOf(t), 1);
}

async function linkedTo(g: FullGroup, t: Task): Promise<void> {
  await waitFor(async () => {
    const master = await g.recordedPort();
    const r = await info(t.port, 'replication').catch(() => undefined);
    return r?.['role'] === 'slave' && r['master_port'] === String(master) && r['master_link_status'] === 'up';
  }, { what: `${t.port} linked to the recorded master`, timeoutMs: 30_000 });
}

describe.skipIf(missing)('Redis 7 → Valkey 8, task by task (skipped: needs both; scripts/setup.sh --valkey)', () => {
  it('sentinels, replicas, then the master: never two writable masters, nothing acknowledged lost, and the Valkey group fails over', async () => {
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: { ...REDIS, SENTINEL_DOWN_AFTER_MS: '5000', SHUTDOWN_TIMEOUT_MS: '10000' } });
    await g.steady('the Redis group to form', 60_000);
    const writer = startDurableWriter(g, 'to-valkey:', 300);
    const probe = startTwoMasterProbe(() => g.servers.map((s) => s.port));
    const acked = async (what: string) => {
      const n = writer.acks.length;
      await waitFor(() => writer.acks.length > n + 20, { what: `writes acknowledged ${what}`, timeoutMs: 20_000 });
    };
    try {
      await acked('on the Redis group');
      // 1. Sentinels: one stopped, its Valkey replacement registered and monitoring the master.
      for (const old of [...g.sentinels]) {
        await stopTask(g.sentinels, old);
        const fresh = await g.addSentinel(VALKEY);
        await fresh.proc.waitForLog((l) => l.event === 'SENTINEL_REGISTERED', 30_000);
        await waitFor(async () => {
          const c = redisClient(fresh.port);
          try {
            const reply = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
            return reply[reply.indexOf('port') + 1] === String(await g.recordedPort());
          } finally {
            c.disconnect();
          }
        }, { what: `Valkey sentinel ${fresh.port} to monitor the master`, timeoutMs: 30_000 });
      }
      await acked('with Valkey sentinels');
      // 2. Replicas: each stopped, a Valkey replacement linked (a Valkey replica loads Redis 7's RDB).
      const master = (await g.recordedPort())!;
      for (const old of g.servers.filter((s) => s.port !== master)) {
        await stopTask(g.servers, old);
        await linkedTo(g, await g.addServer(VALKEY));
        await acked('after replacing a replica');
      }
      // 3. The master last: its hand-off promotes a Valkey replica (a Redis 7.0 replica could not
      // load a Valkey master's RDB 11 in a full resync, hence this order).
      const oldMaster = g.servers.find((s) => s.port === master)!;
      oldMaster.proc.signal('SIGTERM');
      const handed = await oldMaster.proc.waitForLog((l) => l.event === 'HANDED_OFF' || l.event === 'HAND_OFF_FAILED' || l.event === 'HAND_OFF_SKIPPED', 20_000);
      expect(handed.event, JSON.stringify(handed)).toBe('HANDED_OFF');
      expect((await oldMaster.proc.exited).code).toBe(0);
      g.servers.splice(g.servers.indexOf(oldMaster), 1);
      await linkedTo(g, await g.addServer(VALKEY));
      await acked('on the Valkey master');

      // All Valkey now, and it fails over: kill -9 of the master's valkey-server.
      for (const s of g.servers) expect((await info(s.port, 'server'))['server_name']).toBe('valkey');
      for (const s of g.sentinels) expect((await info(s.port, 'server'))['server_name']).toBe('valkey');
      // The hand-off's failover ends once every replica is re-pointed: wait for every sentinel to
      // name the recorded master with no failover flag, or the crash path rightly stands aside.
      await waitFor(async () => {
        const recorded = String(await g.recordedPort());
        for (const s of g.sentinels) {
          const c = redisClient(s.port);
          try {
            const reply = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
            if (reply[reply.indexOf('port') + 1] !== recorded || String(reply[reply.indexOf('flags') + 1]).includes('failover')) return false;
          } finally {
            c.disconnect();
          }
        }
        return true;
      }, { what: 'every sentinel to name the recorded master, no failover under way', timeoutMs: 30_000 });
      const now = (await g.recordedPort())!;
      const victim = g.servers.find((s) => s.port === now)!;
      await killRedisServer(victim);
      const done = await victim.proc.waitForLog((x) => x.event === 'CRASH_FAILED_OVER' || x.event === 'CRASH_FAILOVER_FAILED' || x.event === 'CRASH_FAILOVER_SKIPPED', 15_000);
      expect(done.event, JSON.stringify(done)).toBe('CRASH_FAILED_OVER');
      g.servers.splice(g.servers.indexOf(victim), 1);
      await acked('after the Valkey crash failover');
    } finally {
      await writer.stop();
      await probe.stop();
    }
    expect(probe.rounds).toBeGreaterThan(50);
    expect(probe.doubleWrites).toEqual([]);
    const c = redisClient((await g.recordedPort())!);
    const lost = await missingKeys(c, writer.acks);
    c.disconnect();
    expect(lost, `${lost.length} of ${writer.acks.length} acknowledged writes lost`).toEqual([]);
  }, 240_000);
});
