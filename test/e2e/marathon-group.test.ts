// The whole story on the group users deploy: marathon/group.json run by the local launcher
// (Marathon's task environment, fresh ports, restarts on new ports, SIGTERM then SIGKILL), with
// the real bundles, redis-server, redis-sentinel and ZooKeeper. A client writes keys, each
// acknowledged by a replica (WAIT 1); the master is killed with kill -9, then every Redis task
// is restarted in turn; after each, ZooKeeper, the sentinels and the watcher agree on one master
// with two linked replicas, and every acknowledged key is there. The outage (first failed to
// first successful acknowledged write, the writer re-reading /redis/master on failure) is printed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startGroup, type LocalGroup, type TaskInfo } from '../../packages/launcher/src/launcher.js';
import { findMaster } from '../../packages/launcher/src/master.js';
import { summary } from '../../packages/launcher/src/summary.js';
import { SERVER_COMM, sharedZkHosts, waitFor, zkClient, type TestZk } from '../harness/index.js';

const MASTER_NAME = 'mymaster';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection that fails fast instead of retrying: every failure is an observation. */
function connectRedis(host: string, port: number): Redis {
  const r = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  return r;
}

async function ask(port: number, ...cmd: string[]): Promise<unknown> {
  const r = connectRedis('127.0.0.1', port);
  try {
    await r.connect();
    return await r.call(cmd[0]!, ...cmd.slice(1));
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

function infoFields(text: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(text ?? '').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function httpGet(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? (await res.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Writes keys to whatever /redis/master says, each counted only once WAIT 1 confirms a replica has it. */
class Writer {
  readonly acked = new Map<string, string>();
  /** The master (`host port` from ZooKeeper) each acknowledged key was written to. */
  readonly writtenTo = new Map<string, string>();
  readonly outages: number[] = [];
  private failingSince: number | undefined;
  private running = true;
  private done: Promise<void>;
  private n = 0;

  constructor(private readonly zk: TestZk, private readonly prefix: string) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let client: Redis | undefined;
    let rec: string | undefined;
    while (this.running) {
      try {
        if (!client) {
          rec = await this.zk.get('/redis/master');
          const [host, port] = (rec ?? '').split(' ');
          if (!host || !port) throw new Error(`no master recorded (${rec})`);
          client = connectRedis(host, Number(port));
          await client.connect();
        }
        const key = `${this.prefix}:${this.n}`;
        const value = `v${this.n}-${Date.now()}`;
        await client.set(key, value);
        const replicas = Number(await client.call('WAIT', '1', '1000'));
        if (replicas < 1) throw new Error('write not acknowledged by a replica');
        this.acked.set(key, value);
        this.writtenTo.set(key, rec ?? '?');
        this.n += 1;
        if (this.failingSince !== undefined) {
          this.outages.push(Date.now() - this.failingSince);
          this.failingSince = undefined;
        }
        await sleep(20);
      } catch {
        this.failingSince ??= Date.now();
        client?.disconnect();
        client = undefined;
        this.n += 1; // never reuse a key whose write may have half-happened
        await sleep(50);
      }
    }
    client?.disconnect();
  }

  /** Stops writing; the outages so far (an outage still running is not counted). */
  async stop(): Promise<number[]> {
    this.running = false;
    await this.done;
    return this.outages;
  }
}

describe('the marathon/ group on the local launcher', () => {
  let group: LocalGroup;
  let zk: TestZk;
  const report: string[] = [];

  const stateDir = mkdtempSync(join(tmpdir(), 'redis-zk-e2e-group-'));
  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  beforeAll(async () => {
    const zkHosts = sharedZkHosts();
    zk = await zkClient(zkHosts);
    const short = { ZK_SESSION_TIMEOUT_MS: '4000' };
    group = await startGroup({
      zkHosts,
      // Task logs stay (and are named in the failure) when a test fails; see afterAll.
      stateDir,
      healthIntervalMs: 300,
      restartBackoffMs: 500,
      startTimeoutMs: 120_000,
      env: {
        server: { ...short },
        sentinel: { ...short, SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '3000' },
        watcher: { ...short, RECONCILE_INTERVAL_MS: '1000' },
      },
      onEvent: () => {},
    });
  }, 180_000);

  afterAll(async () => {
    await group?.stop();
    if (failed) report.push(`e2e: task logs kept in ${stateDir}/logs`);
    else rmSync(stateDir, { recursive: true, force: true });
    if (report.length > 0) process.stdout.write(`\n${report.join('\n')}\n`);
  }, 120_000);

  const redisTasks = () => group.tasks().filter((t) => t.program === 'server');

  /**
   * One master everybody agrees on: ZooKeeper's records, every sentinel, the watcher; the other
   * Redis tasks replicas of it with their link up. Returns the master task, else a reason.
   */
  async function agreement(): Promise<{ master: TaskInfo } | { reason: string }> {
    const tasks = group.tasks();
    if (!tasks.every((t) => t.healthy)) return { reason: `not all healthy: ${tasks.filter((t) => !t.healthy).map((t) => t.name)}` };
    const rec = await zk.get('/redis/master');
    const named = await zk.get(`/redis/masters/${MASTER_NAME}`);
    if (rec !== named) return { reason: `/redis/master ${rec} != /redis/masters/${MASTER_NAME} ${named}` };
    const master = redisTasks().find((t) => rec === `${t.host} ${t.port}`);
    if (!master) return { reason: `/redis/master ${rec} is no live task` };
    for (const t of redisTasks()) {
      const info = infoFields(await ask(t.port, 'INFO', 'replication'));
      if (t.name === master.name) {
        if (info.role !== 'master' || info.connected_slaves !== '2') return { reason: `${t.name} role ${info.role} replicas ${info.connected_slaves}` };
      } else if (info.role !== 'slave' || info.master_port !== String(master.port) || info.master_link_status !== 'up') {
        return { reason: `${t.name} role ${info.role} of ${info.master_port} link ${info.master_link_status}` };
      }
    }
    for (const s of tasks.filter((t) => t.program === 'sentinel')) {
      const addr = (await ask(s.port, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[] | undefined;
      if (addr?.[1] !== String(master.port)) return { reason: `${s.name} says ${addr}` };
    }
    for (const w of tasks.filter((t) => t.program === 'watcher')) {
      const said = await httpGet(`http://${w.host}:${w.port}/master`);
      if (said !== `${master.host}:${master.port}`) return { reason: `${w.name} /master says ${said}` };
    }
    return { master };
  }

  const agreed = async (what: string, timeoutMs = 90_000): Promise<TaskInfo> => {
    const r = await waitFor(async () => {
      const a = await agreement();
      if ('master' in a) return a;
      throw new Error(a.reason);
    }, { what, timeoutMs, intervalMs: 300 });
    return r.master;
  };

  /** Every acknowledged key, on the master and on every replica. */
  async function expectAllKeys(acked: Map<string, string>, writtenTo: Map<string, string>): Promise<void> {
    expect(acked.size).toBeGreaterThan(0);
    const keys = [...acked.keys()];
    for (const t of redisTasks()) {
      await waitFor(async () => {
        const missing: string[] = [];
        for (let i = 0; i < keys.length; i += 500) {
          const chunk = keys.slice(i, i + 500);
          const values = (await ask(t.port, 'MGET', ...chunk)) as (string | null)[] | undefined;
          if (!values) return false;
          chunk.forEach((k, j) => values[j] !== acked.get(k) && missing.push(k));
        }
        if (missing.length > 0) {
          // Per master written to: how many, and when (the write time is in the value).
          const byMaster = new Map<string, number[]>();
          for (const k of missing) {
            const at = Number(acked.get(k)!.split('-')[1]);
            byMaster.set(writtenTo.get(k) ?? '?', [...(byMaster.get(writtenTo.get(k) ?? '?') ?? []), at]);
          }
          const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);
          const where = [...byMaster].map(([m, ts]) => `${ts.length} to ${m} between ${iso(Math.min(...ts))} and ${iso(Math.max(...ts))}`).join('; ');
          throw new Error(`${t.name} (${t.port}) lacks ${missing.length} acknowledged keys, ${missing[0]}…${missing.at(-1)}, written to ${where}; tasks now ${redisTasks().map((x) => `${x.name}:${x.port}`)}`);
        }
        return true;
      }, { what: `every acknowledged key on ${t.name}`, timeoutMs: 20_000, intervalMs: 500 });
    }
  }

  it('comes up as 1 master, 2 replicas, 3 sentinels and a watcher, all healthy and agreeing', async () => {
    const tasks = group.tasks();
    expect(tasks.map((t) => t.name).sort()).toEqual(['redis.0', 'redis.1', 'redis.2', 'sentinel.0', 'sentinel.1', 'sentinel.2', 'watcher.0']);
    const master = await agreed('the group to agree on its first master', 60_000);
    expect(await zk.children('/redis/sentinels')).toHaveLength(3);
    expect(await zk.children('/redis/nodes')).toHaveLength(3);
    // What `npm start` prints: the summary marks the task ZooKeeper records as master, and its
    // failover drill kills that task's redis-server, not the wrapper.
    const found = await findMaster(group, 10_000);
    if (!('master' in found)) throw new Error(`launcher found no master: ${found.reason}`);
    expect(found.master.task.name).toBe(master.name);
    const redisPid = found.master.redisPid!;
    expect(readFileSync(`/proc/${redisPid}/comm`, 'utf8').trim()).toBe(SERVER_COMM);
    expect(redisPid).not.toBe(master.pid);
    const text = summary(group, found);
    expect(text.split('\n').find((l) => l.trimStart().startsWith(`${master.name} `))).toMatch(/healthy\s+master\s/);
    expect(text.split('\n').filter((l) => /healthy\s+replica\s/.test(l))).toHaveLength(2);
    expect(text).toContain(`kill -9 ${redisPid} `);
    expect(text).toContain(`the master is ${master.name}, ${master.host}:${master.port}`);
    report.push(`e2e: first master ${master.name} at ${master.host}:${master.port}`);
  }, 90_000);

  it('kill -9 of the master task: failover, the task rejoins on a new port as a replica, no acknowledged write lost', async () => {
    const old = await agreed('agreement before the kill');
    const writer = new Writer(zk, 'kill');
    await waitFor(() => writer.acked.size >= 50, { what: '50 acknowledged writes before the kill', timeoutMs: 20_000 });

    group.kill(old.name, 'SIGKILL');
    await waitFor(() => {
      const t = group.task(old.name);
      return t !== undefined && t.taskId !== old.taskId && t.healthy;
    }, { what: `${old.name} replaced by a healthy task`, timeoutMs: 60_000 });
    const master = await agreed('agreement on the new master after kill -9');
    const replaced = group.task(old.name)!;
    expect(master.port).not.toBe(old.port);
    expect(replaced.port).not.toBe(old.port);
    expect(master.name).not.toBe(old.name); // the restarted task is a replica (checked by agreement)
    const before = writer.acked.size;
    await waitFor(() => writer.acked.size >= before + 50, { what: '50 more acknowledged writes after the failover', timeoutMs: 20_000 });
    const outages = await writer.stop();

    await expectAllKeys(writer.acked, writer.writtenTo);
    expect(outages.length).toBeGreaterThanOrEqual(1);
    report.push(
      `e2e kill -9: master ${old.name} ${old.port} → ${master.name} ${master.port}; ${writer.acked.size} acknowledged writes, none lost; ` +
        `outage (first failed → first acknowledged write) ${Math.max(...outages)} ms${outages.length > 1 ? ` (all: ${outages.join(', ')} ms)` : ''}`,
    );
  }, 180_000);

  it('rolling restart of every Redis task, one at a time (SIGTERM, wait for health): one master throughout, no acknowledged write lost', async () => {
    await agreed('agreement before the rolling restart');
    const writer = new Writer(zk, 'roll');
    await waitFor(() => writer.acked.size >= 50, { what: '50 acknowledged writes before the restarts', timeoutMs: 20_000 });
    const names = redisTasks().map((t) => t.name).sort();
    const ports = new Map(redisTasks().map((t) => [t.name, t.port]));
    for (const name of names) {
      const replaced = await group.restart(name);
      expect(replaced.port).not.toBe(ports.get(name));
      await agreed(`agreement after restarting ${name}`);
      const before = writer.acked.size;
      await waitFor(() => writer.acked.size >= before + 20, { what: `acknowledged writes after restarting ${name}`, timeoutMs: 20_000 });
    }
    const outages = await writer.stop();
    await expectAllKeys(writer.acked, writer.writtenTo);
    report.push(
      `e2e rolling restart: ${names.length} Redis tasks restarted; ${writer.acked.size} acknowledged writes, none lost; ` +
        `${outages.length} outage(s)${outages.length ? `, longest ${Math.max(...outages)} ms (all: ${outages.join(', ')} ms)` : ''}`,
    );
  }, 300_000);
});
