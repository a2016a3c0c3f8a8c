/**
 * A rolling upgrade from 0.1.0 as Marathon does it: a single-group deployment of the 0.1.0
 * bundles (built from its commit by scripts/build-release.sh), upgraded task by task in each
 * app's upgradeStrategy order (marathon/*.json), old and new side by side meanwhile — sentinels,
 * then servers, then the watcher — while a client writes all along. At no moment do two servers
 * accept writes; no acknowledged write is lost; the group ends on the new layout and fails over
 * with new programs only.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisClient, repoRoot, sharedZkHosts, startProcess, startProgram, tempDir, waitFor, zkClient, type ProgramName, type StartedProcess, type TestZk } from '../harness/index.js';
import { startTwoMasterProbe } from '../harness/full-group.js';

const OLD = join(repoRoot, '.cache', 'release-0.1.0');
const REDIS_ARGS = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
const COMMON = { BIND_IP: '127.0.0.1', ZK_SESSION_TIMEOUT_MS: '4000', REDIS_PROBE_TIMEOUT_MS: '500' };
const SENTINEL_TIMINGS = { SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '3000' };

interface Task {
  version: 'old' | 'new';
  port: number;
  proc: Omit<StartedProcess, 'name'>;
}

function start(version: 'old' | 'new', program: ProgramName, env: Record<string, string>, args: string[] = []): Omit<StartedProcess, 'name'> {
  if (version === 'new') return startProgram(program, env, args);
  return startProcess(`redis-zk-${program}@0.1.0`, process.execPath, [join(OLD, `redis-zk-${program}.mjs`), ...args], env);
}

async function call(port: number, ...args: (string | number)[]): Promise<unknown> {
  const c = redisClient(port);
  try {
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    c.disconnect();
  }
}

async function role(port: number): Promise<string | undefined> {
  return call(port, 'ROLE').then((r) => String((r as unknown[])[0]), () => undefined);
}

/** Writes k<i> = i to whatever /redis/master names, one at a time; only an OK reply counts as acknowledged. */
function startWriter(zk: TestZk): { acked: Map<string, string>; next: () => number; stop(): Promise<void> } {
  const acked = new Map<string, string>();
  let index = 0;
  let stopped = false;
  let client: Redis | undefined;
  let target: string | undefined;
  const loop = (async () => {
    for (let i = 0; !stopped; i += 1) {
      index = i;
      try {
        const master = await zk.get('/redis/master');
        if (master !== target) {
          client?.disconnect();
          target = master;
          const [host, port] = (master ?? '').split(' ');
          client = redisClient(Number(port), host);
        }
        const key = `k${i}`;
        const ok = await Promise.race([client!.set(key, String(i)), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2_000))]);
        if (ok === 'OK') acked.set(key, String(i));
      } catch {
        /* not acknowledged: a failover or a stopping master */
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    client?.disconnect();
  })();
  return {
    acked,
    next: () => index,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function stopTask(t: Task): Promise<void> {
  t.proc.signal('SIGTERM');
  const exit = await Promise.race([t.proc.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 20_000))]);
  if (exit === 'late') t.proc.killGroup();
}

describe('rolling upgrade from 0.1.0', () => {
  beforeAll(() => {
    execFileSync('bash', [join(repoRoot, 'scripts', 'build-release.sh')], { stdio: 'inherit', timeout: 180_000 });
  }, 200_000);

  it('old and new side by side, task by task: one master accepting writes at a time, no acknowledged write lost, ends on the new layout', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const server = async (version: 'old' | 'new'): Promise<Task> => {
      const port = await freePort();
      const proc = start(version, 'server', { ...COMMON, ZK_HOSTS: hosts, PORT0: String(port), SHUTDOWN_TIMEOUT_MS: '6000', REDIS_DATA_DIR: tempDir('upgrade-srv-') }, REDIS_ARGS);
      return { version, port, proc };
    };
    const sentinel = async (version: 'old' | 'new'): Promise<Task> => {
      const port = await freePort();
      const proc = start(version, 'sentinel', { ...COMMON, ...SENTINEL_TIMINGS, ZK_HOSTS: hosts, PORT0: String(port), SENTINEL_DIR: tempDir('upgrade-sen-') });
      return { version, port, proc };
    };
    const watcher = async (version: 'old' | 'new'): Promise<Task> => {
      const port = await freePort();
      const proc = start(version, 'watcher', { ...COMMON, ZK_HOSTS: hosts, PORT0: String(port), RECONCILE_INTERVAL_MS: '1000' });
      return { version, port, proc };
    };
    const healthy = (w: Task) => waitFor(async () => (await fetch(`http://127.0.0.1:${w.port}/health`).catch(() => undefined))?.status === 200, { what: `watcher (${w.version}) healthy`, timeoutMs: 30_000 });
    const registered = (dir: string, t: Task) => waitFor(async () => {
      for (const c of await zk.children(dir)) if ((await zk.get(`${dir}/${c}`)) === `127.0.0.1 ${t.port}`) return true;
      return false;
    }, { what: `${t.version} task on ${t.port} registered in ${dir}`, timeoutMs: 30_000 });

    // 0.1.0: three servers, three sentinels, a watcher.
    let servers: Task[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await server('old');
      servers.push(s);
      await registered('/redis/nodes', s);
    }
    const first = servers[0]!;
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${first.port}`);
    await waitFor(async () => /connected_slaves:2/.test(String(await call(first.port, 'INFO', 'replication'))), { what: 'two replicas', timeoutMs: 30_000 });
    let sentinels: Task[] = [];
    for (let i = 0; i < 3; i += 1) sentinels.push(await sentinel('old'));
    for (const s of sentinels) await registered('/redis/sentinels', s);
    let watchers = [await watcher('old')];
    await healthy(watchers[0]!);

    const writer = startWriter(zk);
    const probe = startTwoMasterProbe(() => servers.map((s) => s.port));
    await waitFor(() => writer.acked.size > 50, { what: 'writes acknowledged before the upgrade', timeoutMs: 10_000 });

    // Marathon's order for each app is its upgradeStrategy (marathon/*.json). Sentinels first
    // (see the upgrade notes in docs/concepts/groups.md): a 0.1.0 sentinel asks a master for INFO every 10 s, so
    // it may not know a replica started seconds ago, and a 0.1.0 master stopped then finds no
    // sentinel able to fail over to it. New sentinels learn replicas within 1 s.
    // sentinel.json, redis.json: maximumOverCapacity 0, minimumHealthCapacity 0.66 — one old
    // task killed (youngest first), then its replacement started and healthy, then the next.
    const dump = (err: unknown, what: string) => async () => {
      const roles = await Promise.all(servers.map(async (s) => `${s.version}:${s.port}=${await role(s.port)}`));
      const tail = (t: Task) => t.proc.output().split('\n').filter((l) => !l.includes('"level":"debug"')).slice(-25).join('\n');
      console.log(`${what}: record ${await zk.get('/redis/master')}; servers ${roles.join(' ')}\n${[...servers, ...sentinels].map((t) => `--- ${t.version} ${t.port}:\n${tail(t)}`).join('\n')}`);
      throw err;
    };
    for (const old of [...sentinels].reverse()) {
      await stopTask(old);
      sentinels = sentinels.filter((s) => s !== old);
      const fresh = await sentinel('new');
      sentinels.push(fresh);
      await registered('/redis/sentinels', fresh);
    }
    for (const old of [...servers].reverse()) {
      const before = writer.acked.size;
      await stopTask(old);
      servers = servers.filter((s) => s !== old);
      await waitFor(() => writer.acked.size > before + 20, { what: `writes acknowledged again after stopping ${old.port}`, timeoutMs: 30_000 }).catch((err: unknown) => dump(err, `after stopping ${old.port}`)());
      const fresh = await server('new');
      servers.push(fresh);
      await registered('/redis/nodes', fresh);
      await waitFor(async () => /master_link_status:up/.test(String(await call(fresh.port, 'INFO', 'replication'))), { what: `new server ${fresh.port} in sync`, timeoutMs: 30_000 });
    }
    expect(servers.every((s) => s.version === 'new')).toBe(true);

    // watcher.json: maximumOverCapacity 1 — the new one healthy, then the old one stopped.
    const w = await watcher('new');
    watchers.push(w);
    await healthy(w);
    await stopTask(watchers[0]!);
    watchers = [w];

    // New programs only: a kill -9 of the master fails over and reaches the record.
    const master = Number((await zk.get('/redis/master'))!.split(' ')[1]);
    const pid = Number(/process_id:(\d+)/.exec(String(await call(master, 'INFO', 'server')))![1]);
    // Writes up to here are checked: the ones after (in flight at the crash) may be lost.
    const lastPlanned = writer.next();
    const sizeThen = writer.acked.size;
    await waitFor(() => writer.acked.size > sizeThen + 20, { what: 'writes replicated past the checked ones', timeoutMs: 10_000 });
    const acked = writer.acked.size;
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await zk.get('/redis/master')) !== `127.0.0.1 ${master}`, { what: '/redis/master to move off the killed master', timeoutMs: 30_000 }).catch((err: unknown) => dump(err, 'after the kill -9')());
    await waitFor(() => writer.acked.size > acked + 20, { what: 'writes acknowledged after the failover', timeoutMs: 30_000 });
    await writer.stop();
    await probe.stop();

    // Never two masters accepting writes at once.
    expect(probe.rounds).toBeGreaterThan(50);
    expect(probe.doubleWrites).toEqual([]);
    // Exactly one master; everything acknowledged before the upgrade's last step is there.
    // (The final kill -9 is a crash with asynchronous replication: the writes in flight at that
    // moment may be lost, as Redis documents; every planned step before it lost nothing.)
    const now = (await zk.get('/redis/master'))!;
    const finalMaster = Number(now.split(' ')[1]);
    const live = servers.filter((s) => s.port !== master);
    await waitFor(async () => (await Promise.all(live.map((s) => role(s.port)))).filter((r) => r === 'master').length === 1, { what: 'exactly one master among the live servers', timeoutMs: 15_000 }).catch((err: unknown) =>
      dump(err, 'at the end')(),
    );
    const c = redisClient(finalMaster);
    const keys = [...writer.acked.keys()].filter((k) => Number(k.slice(1)) < lastPlanned);
    const values = await c.mget(...keys);
    c.disconnect();
    const lost = keys.filter((k, i) => values[i] !== writer.acked.get(k));
    expect(lost).toEqual([]);

    // The new layout: epoch beside the record, sentinel ids, only new tasks registered.
    // Read together: on busy cores Sentinel (1 s down-after) may fail the last master over once
    // more meanwhile, which moves both in one transaction.
    await waitFor(async () => {
      const [a, b] = await Promise.all([zk.get('/redis/master'), zk.get('/redis/masters/mymaster')]);
      return a !== undefined && a === b;
    }, { what: '/redis/masters/mymaster to mirror /redis/master', timeoutMs: 10_000 });
    expect(Number(await zk.get('/redis/epochs/mymaster'))).toBeGreaterThan(0);
    expect((await zk.children('/redis/sentinel-ids')).length).toBeGreaterThanOrEqual(3);
    const expected = servers.filter((s) => s.port !== master).map((s) => `127.0.0.1 ${s.port}`).sort().join(',');
    await waitFor(async () => (await Promise.all((await zk.children('/redis/nodes')).map((c) => zk.get(`/redis/nodes/${c}`)))).sort().join(',') === expected, {
      what: `only the live new servers in /redis/nodes (${expected})`,
      timeoutMs: 10_000,
    });
  }, 240_000);
});
