// The whole group, in both modes: three redis-zk-server and a redis-zk-watcher (and three
// redis-zk-sentinel in Sentinel mode). The watcher serves the API (in ZooKeeper mode from the
// records and the leadership) and runs the hook on every switch; the master's host frozen (SIGSTOP
// of wrapper and redis-server) past the session timeout is replaced, fences itself when it thaws
// and rejoins as a replica. In ZooKeeper mode, the whole ZooKeeper frozen 30 s promotes nobody and
// stops no write while the replicas are attached.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisClient, startProgram, startZooKeeper, waitFor, zkClient, type TestZk, redisPidOf } from '../harness/index.js';
import { isUp, replication, type ServerUnderTest, startServer } from '../integration/server/helpers.js';
import { watcherEnv } from '../integration/watcher/group.js';
import { registered, sentinelMaster, startSentinel } from '../integration/sentinel/helpers.js';

const ZK_MODE = { FAILOVER_MODE: 'zookeeper', ZK_SESSION_TIMEOUT_MS: '4000', FENCE_AFTER_MS: '1000' };
const addr = (s: ServerUnderTest) => `127.0.0.1 ${s.port}`;

async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(1_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Three servers in FAILOVER_MODE=zookeeper unless `env` says otherwise. */
async function startGroup(hosts: string, env: Record<string, string> = {}): Promise<{ zk: TestZk; servers: ServerUnderTest[] }> {
  const zk = await zkClient(hosts);
  const a = await startServer(hosts, { env: { ...ZK_MODE, ...env } });
  await a.proc.waitForLog(isUp, 20_000);
  const rest = await Promise.all([startServer(hosts, { env: { ...ZK_MODE, ...env } }), startServer(hosts, { env: { ...ZK_MODE, ...env } })]);
  await Promise.all(rest.map((s) => s.proc.waitForLog(isUp, 20_000)));
  await waitFor(async () => (await Promise.all(rest.map(async (s) => (await replication(s.redis)).linkUp))).every(Boolean), { what: 'both replicas linked' });
  return { zk, servers: [a, ...rest] };
}

describe('the whole group with its watcher, a frozen master host, a frozen ZooKeeper', () => {
  it.each(['zookeeper', 'sentinel'] as const)('FAILOVER_MODE=%s: the watcher serves the master and runs the hook on a switch; a frozen master host is replaced, fences itself on thawing and rejoins', async (mode) => {
    const zkServer = await startZooKeeper();
    const hosts = zkServer.connectString;
    const zkMode = mode === 'zookeeper';
    const { zk, servers } = await startGroup(hosts, zkMode ? {} : { FAILOVER_MODE: 'sentinel' });
    if (!zkMode) {
      const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts)));
      await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
      await waitFor(async () => {
        const views = await Promise.all(sentinels.map((s) => sentinelMaster(s.port)));
        return views.every((v) => v['num-slaves'] === '2' && v['num-other-sentinels'] === '2');
      }, { what: 'every sentinel to know both replicas and the other sentinels', timeoutMs: 20_000 });
    }
    const [a, b, c] = servers as [ServerUnderTest, ServerUnderTest, ServerUnderTest];
    const dir = mkdtempSync(join(tmpdir(), 'zkmode-hook-'));
    const argsFile = join(dir, 'args');
    const hook = join(dir, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\nprintf '%s ' "$@" >>${argsFile}\necho >>${argsFile}\n`, { mode: 0o755 });
    const env = await watcherEnv(hosts, { FAILOVER_MODE: mode, HOOK_COMMAND: hook });
    const watcher = startProgram('watcher', env);
    const base = `http://127.0.0.1:${env.PORT0}`;
    await waitFor(async () => (await get(`${base}/health`)).status === 200, { what: 'the watcher healthy', timeoutMs: 15_000 });
    if (zkMode) {
      expect(JSON.parse((await get(`${base}/health`)).body).reason).toContain(`${addr(a)} holds the leadership /redis/leader`);
      expect(JSON.parse((await get(`${base}/sentinels`)).body)).toEqual([]);
    }
    expect(JSON.parse((await get(`${base}/master`)).body)).toMatchObject({ host: '127.0.0.1', port: a.port });

    // 1. The master's host frozen past the session timeout: wrapper and redis-server stopped.
    const frozen = [a.proc.pid, redisPidOf(a)];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    let thawed = false;
    const thaw = () => {
      if (thawed) return;
      thawed = true;
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    };
    try {
      const t0 = Date.now();
      const next = await waitFor(async () => {
        const m = await zk.get('/redis/master');
        return m !== undefined && m !== addr(a) ? m : false;
      }, { what: 'a replica elected after the session timeout', timeoutMs: 20_000, intervalMs: 50 });
      console.log(`${mode} mode: master host frozen → ${next} recorded after ${Date.now() - t0} ms (session timeout 4000 ms${zkMode ? '' : ', down-after 1000 ms'})`);
      expect([addr(b), addr(c)]).toContain(next);
      await waitFor(async () => JSON.parse((await get(`${base}/master`)).body).port === Number(next.split(' ')[1]), { what: 'the watcher to serve the new master' });
      await waitFor(() => existsSync(argsFile) && readFileSync(argsFile, 'utf8').includes(`mymaster ${addr(a)} ${next}`), { what: 'the hook to run with the switch', timeoutMs: 5_000 });
      expect(JSON.parse((await get(`${base}/status`)).body).events.some((e: { kind: string; source?: string }) => e.kind === 'switch-master' && (zkMode ? e.source === 'zookeeper' : e.source !== 'zookeeper'))).toBe(true);

      // 2. Thawed: the old master's wrapper sees it cannot confirm itself and fences at once,
      //    then follows the new record as a replica.
      thaw();
      const thawedAt = Date.now();
      const old = redisClient(a.port);
      try {
        // A client at the old master from the instant it thaws: what it says OK to before its
        // wrapper has looked is a race no fence set after the fact can close; once it refused
        // (NOREPLICAS while fenced, READONLY once a replica), it must never say OK again.
        const replies: string[] = [];
        const until = Date.now() + 3_000;
        for (let i = 0; Date.now() < until; i += 1) {
          const r = await old.set(`thawed:${i}`, '1').then(String, (e: Error) => e.message.split(' ')[0]!);
          if (r === 'OK' || r === 'NOREPLICAS' || r === 'READONLY') replies.push(r);
        }
        const firstRefusal = replies.findIndex((r) => r !== 'OK');
        const fencedAt = a.proc.logs().find((l) => l.event === 'FENCE_UP' && l.rule === 'stopped');
        console.log(`${mode} mode: the thawed old master fenced itself ${fencedAt === undefined ? '?' : Date.parse(String(fencedAt.time)) - thawedAt} ms after SIGCONT; a client connecting then got ${firstRefusal === -1 ? replies.length : firstRefusal} OKs before the first refusal (${replies[firstRefusal] ?? 'none'})`);
        expect(fencedAt, 'the (0) fence on waking').toBeDefined();
        expect(firstRefusal).toBeGreaterThanOrEqual(0);
        expect(replies.slice(firstRefusal).filter((r) => r === 'OK')).toEqual([]);
        await waitFor(async () => {
          const r = await replication(old);
          return r.role === 'slave' && r.masterPort === Number(next.split(' ')[1]) && r.linkUp;
        }, { what: 'the old master to rejoin as a replica of the new one', timeoutMs: 20_000 });
      } finally {
        old.disconnect();
      }
    } finally {
      thaw();
    }
    watcher.signal('SIGTERM');
    expect((await watcher.exited).code).toBe(0);
  }, 90_000);

  it.each(['zookeeper', 'sentinel'] as const)('FAILOVER_MODE=%s: the whole ZooKeeper frozen 30 s: nobody is promoted and writes go on while the replicas are attached', async (mode) => {
    const zkServer = await startZooKeeper();
    const hosts = zkServer.connectString;
    const { zk: before, servers } = await startGroup(hosts, { ZK_SESSION_TIMEOUT_MS: '20000', FAILOVER_MODE: mode });
    if (mode === 'sentinel') {
      const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts)));
      await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    }
    const epoch = await before.get('/redis/epochs/mymaster');
    const master = servers[0]!;
    let written = 0;
    await zkServer.whileFrozen(async () => {
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        expect(await master.redis.set(`frozen:${written}`, String(written))).toBe('OK');
        written += 1;
        await new Promise((r) => setTimeout(r, 200)); // the write rate, not a wait for a condition
      }
    });
    expect(written).toBeGreaterThan(100);
    // The test's own client had a 10 s session, which the freeze expired: a fresh one.
    const zk = await zkClient(hosts);
    expect(master.proc.logs().filter((l) => l.fence === 'up')).toEqual([]);
    for (const s of servers.slice(1)) expect((await replication(s.redis)).role).toBe('slave');
    // The freeze outlasted the sessions (this ZooKeeper grants at most 20 s): on thawing it expired
    // them all, so the leadership vanished — and nobody was elected, because the recorded master
    // still answered as master; its wrapper took the leadership back.
    expect(await zk.get('/redis/master')).toBe(addr(master));
    expect(await zk.get('/redis/epochs/mymaster')).toBe(epoch);
    if (mode === 'zookeeper') await waitFor(async () => (await zk.get('/redis/leader')) === addr(master), { what: 'the master to hold the leadership again', timeoutMs: 10_000 });
    for (const s of servers.slice(1)) expect((await replication(s.redis)).role).toBe('slave');
    await waitFor(async () => (await servers[1]!.redis.get(`frozen:${written - 1}`)) !== null, { what: 'the replicas to have every write' });
  }, 90_000);
});
