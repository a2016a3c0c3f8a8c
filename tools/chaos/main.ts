// `npm run chaos -- --mode sentinel|zookeeper --seed N --minutes M`: a seeded chaos soak of a
// whole group (3 servers, 3 sentinels unless FAILOVER_MODE=zookeeper, a watcher, a 3-node
// ZooKeeper ensemble) under random faults, with writers that count a write only after SET + WAIT
// and a probe that records every 100 ms which nodes accept a write. At the end it heals, waits for
// the group to converge, reads every acknowledged key back and exits 1 on any loss.
import { setTimeout as sleep } from 'node:timers/promises';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { createLab, freePort, netnsUnavailable, serverBinEnv, spawnGroup, startZooKeeperEnsemble, type GroupProcess, type Lab, type LabHost, type ZooKeeperEnsemble } from '@redis-zk/devkit';
import { createLogger, parseZkHosts, within, Zk } from '@redis-zk/core';
import { NEMESES, pick, rng, type Nemesis } from './nemeses.js';

interface Options {
  mode: 'sentinel' | 'zookeeper';
  seed: number;
  minutes: number;
  json: boolean;
  dir: string;
  /** Only this nemesis, and for a freeze, this long (`freeze-master-task:3000`). */
  only: { name: string; ms: number | undefined } | undefined;
  /** Stop after this many nemeses instead of after `minutes`. */
  rounds: number | undefined;
}

const USAGE = 'usage: npm run chaos -- [--mode sentinel|zookeeper] [--seed N] [--minutes M | --rounds N] [--nemesis NAME[:MS]] [--json] [--dir DIR]';

function parseArgs(argv: string[]): Options {
  const o: Options = { mode: 'sentinel', seed: Math.floor(Math.random() * 2 ** 31), minutes: 10, json: false, dir: '', only: undefined, rounds: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--mode') {
      const v = value();
      if (v !== 'sentinel' && v !== 'zookeeper') fail(`--mode ${v}: expected sentinel or zookeeper`);
      o.mode = v;
    } else if (a === '--seed') {
      const v = Number(value());
      if (!Number.isSafeInteger(v) || v < 0) fail('--seed: expected a whole number >= 0');
      o.seed = v;
    } else if (a === '--minutes') {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0 || v > 24 * 60) fail('--minutes: expected a number of minutes > 0');
      o.minutes = v;
    } else if (a === '--rounds') {
      const v = Number(value());
      if (!Number.isSafeInteger(v) || v <= 0) fail('--rounds: expected a whole number > 0');
      o.rounds = v;
    } else if (a === '--nemesis') {
      const [name = '', ms] = value().split(':');
      if (!NEMESES.some((n) => n.name === name)) fail(`--nemesis ${name}: expected one of ${NEMESES.map((n) => n.name).join(', ')}`);
      if (ms !== undefined && !/^[0-9]{1,6}$/.test(ms)) fail('--nemesis NAME:MS: expected milliseconds');
      o.only = { name, ms: ms === undefined ? undefined : Number(ms) };
    } else if (a === '--json') o.json = true;
    else if (a === '--dir') o.dir = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  const only = o.only === undefined ? undefined : NEMESES.find((n) => n.name === o.only!.name);
  if (only !== undefined && !only.modes.includes(o.mode)) fail(`--nemesis ${only.name}: not a fault of ${o.mode} mode`);
  o.dir ||= join(tmpdir(), `redis-zk-chaos-${o.mode}-${o.seed}`);
  return o;
}

function fail(line: string): never {
  process.stderr.write(`chaos: ${line} (${USAGE})\n`);
  process.exit(2);
}

// The bundle runs from tools/chaos/dist/.
const REPO = new URL('../../..', import.meta.url).pathname;
const NO_PERSISTENCE = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

/** One Marathon task: restarted on its port when it exits, unless a nemesis holds it down. */
export class Task {
  proc: GroupProcess | undefined;
  held = false;
  starts = 0;
  constructor(
    readonly name: string,
    readonly program: 'server' | 'sentinel' | 'watcher',
    /** Where it listens: its own network namespace's address, or the lab's bridge (or loopback). */
    readonly host: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    /** Its own "host" (a network namespace) that a partition can cut off, if any. */
    readonly netHost?: LabHost,
  ) {}

  get alive(): boolean {
    return this.proc !== undefined && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  start(): void {
    this.starts += 1;
    const log = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    const dataDir = join(this.logDir, '..', 'data', `${this.name}-${this.starts}`);
    mkdirSync(dataDir, { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...serverBinEnv(), ...this.env, BIND_IP: this.host, PORT0: String(this.port), REDIS_DATA_DIR: dataDir, SENTINEL_DIR: dataDir };
    const args = [join(REPO, 'packages', this.program, 'dist', `redis-zk-${this.program}.mjs`), ...(this.program === 'server' ? NO_PERSISTENCE : [])];
    const [file, argv] = this.netHost === undefined ? [process.execPath, args] : this.netHost.wrap(process.execPath, args);
    const proc = spawnGroup(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.child.stdout?.pipe(log, { end: false });
    proc.child.stderr?.pipe(log, { end: false });
    this.proc = proc;
  }

  signal(sig: NodeJS.Signals): void {
    this.proc?.signalGroup(sig);
  }
}

export interface Soak {
  opts: Options;
  ensemble: ZooKeeperEnsemble;
  /** The servers' network namespaces (a partition cuts one off); undefined where namespaces cannot be made. */
  lab: Lab | undefined;
  servers: Task[];
  sentinels: Task[];
  watcher: Task;
  /** The port `/redis/master` names now. */
  recorded(): Promise<number | undefined>;
  say(line: string): void;
  random: () => number;
  /** A fixed length for the nemesis that takes one (--nemesis NAME:MS). */
  fixedMs: number | undefined;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  rmSync(opts.dir, { recursive: true, force: true });
  const logDir = join(opts.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`chaos ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s | ${line}\n`);
  say(`mode ${opts.mode}, seed ${opts.seed}, ${opts.minutes} min; logs in ${logDir}`);

  // Each server on a host of its own (a network namespace), so that a partition can cut one off;
  // everything else on the bridge. Without namespaces (not root), all on loopback, no partitions.
  const noNetns = netnsUnavailable();
  const lab = noNetns === undefined ? createLab(3) : undefined;
  const shared = lab?.bridgeAddress ?? '127.0.0.1';
  if (noNetns !== undefined) say(`no partitions: network namespaces unavailable (${noNetns})`);
  const ensemble = await startZooKeeperEnsemble(3, { host: shared });
  const zkHosts = ensemble.connectString;
  say(`ZooKeeper ensemble ${zkHosts}${lab === undefined ? '' : `; servers on ${lab.hosts.map((h) => h.address).join(', ')}`}`);
  const env = { ZK_HOSTS: zkHosts, FAILOVER_MODE: opts.mode, ZK_SESSION_TIMEOUT_MS: '6000', SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '6000', REDIS_PROBE_TIMEOUT_MS: '500', SHUTDOWN_TIMEOUT_MS: '4000' };
  const task = async (name: string, program: Task['program'], netHost?: LabHost) => new Task(name, program, netHost?.address ?? shared, await freePort(shared), env, logDir, netHost);
  const servers = [await task('redis-0', 'server', lab?.hosts[0]), await task('redis-1', 'server', lab?.hosts[1]), await task('redis-2', 'server', lab?.hosts[2])];
  const sentinels = opts.mode === 'sentinel' ? [await task('sentinel-0', 'sentinel'), await task('sentinel-1', 'sentinel'), await task('sentinel-2', 'sentinel')] : [];
  const watcher = await task('watcher', 'watcher');

  const zk = await Zk.connect({ ...parseZkHosts(zkHosts), sessionTimeoutMs: 10_000, connectTimeoutMs: 30_000, auth: undefined }, createLogger('chaos', 'silent'));
  const recorded = async (): Promise<number | undefined> => {
    const r = await within(zk.get('/redis/master'), 1_000);
    if (r.outcome !== 'done' || r.value === undefined) return undefined;
    const m = /^\S+ (\d+)$/.exec(r.value.data.toString('utf8'));
    return m ? Number(m[1]) : undefined;
  };
  const soak: Soak = { opts, ensemble, lab, servers, sentinels, watcher, recorded, say, random: rng(opts.seed), fixedMs: opts.only?.ms };
  const all = [...servers, ...sentinels, watcher];
  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    for (const t of all) t.signal('SIGCONT');
    for (const n of ensemble.nodes) n.signal('SIGCONT');
    await Promise.all(all.map((t) => t.proc?.stop(3_000)));
    await zk.close().catch(() => undefined);
    await ensemble.destroy();
    lab?.destroy();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));

  try {
    servers[0]!.start();
    await until(async () => (await recorded()) === servers[0]!.port, 'the first server to claim master', 60_000);
    for (const t of [...servers.slice(1), ...sentinels, watcher]) t.start();
    await converged(soak, 120_000);
    say('group formed');

    // Marathon: a task that exits is started again on its port, unless a nemesis holds it down.
    const supervisor = setInterval(() => {
      if (stopping) return;
      for (const t of all) if (!t.alive && !t.held && t.proc !== undefined) {
        say(`${t.name} exited; starting it again`);
        t.start();
      }
    }, 1_000);

    const writers = [startWriter(soak, 'w0:'), startWriter(soak, 'w1:')];
    const probe = startProbe(soak);
    let current: Nemesis['name'] | 'none' = 'none';
    for (const w of writers) w.nemesis = () => current;
    probe.nemesis = () => current;

    const end = t0 + opts.minutes * 60_000;
    const applied: string[] = [];
    const choices = NEMESES.filter((x) => x.modes.includes(opts.mode) && (x.needsLab !== true || lab !== undefined) && (opts.only === undefined || x.name === opts.only.name));
    if (choices.length === 0) throw new Error(`--nemesis ${opts.only?.name ?? ''} needs network namespaces here (${noNetns ?? ''})`);
    while (opts.rounds === undefined ? Date.now() < end : applied.length < opts.rounds) {
      const n = pick(soak, choices);
      current = n.name;
      const what = await n.run(soak);
      applied.push(`${n.name} ${what}`);
      current = 'none';
      // Quiet: the group settles (bounded), then a pause before the next fault.
      await converged(soak, 60_000).catch((err: unknown) => say(`not converged after ${n.name}: ${(err as Error).message}`));
      await sleep(2_000 + Math.floor(soak.random() * 3_000));
    }

    say('healing and waiting for convergence');
    for (const t of all) {
      t.signal('SIGCONT');
      t.held = false;
    }
    lab?.healAll();
    for (const node of ensemble.nodes) {
      node.signal('SIGCONT');
      await node.start();
    }
    const master = await converged(soak, 120_000);
    clearInterval(supervisor);
    await Promise.all(writers.map((w) => w.stop()));
    probe.stop();

    // Every acknowledged key, read back from the converged master.
    const client = new Redis({ host: servers.find((t) => t.port === master)!.host, port: master, maxRetriesPerRequest: 1 });
    const acks = writers.flatMap((w) => w.acks);
    const lost: Ack[] = [];
    for (let i = 0; i < acks.length; i += 500) {
      const chunk = acks.slice(i, i + 500);
      const values = await client.mget(...chunk.map((a) => a.key));
      chunk.forEach((a, j) => {
        if (values[j] === null) lost.push(a);
      });
    }
    client.disconnect();
    const lostBy = new Map<string, number>();
    for (const l of lost) lostBy.set(l.nemesis, (lostBy.get(l.nemesis) ?? 0) + 1);
    const summary = {
      mode: opts.mode,
      seed: opts.seed,
      minutes: opts.minutes,
      nemeses: applied.length,
      acknowledged: acks.length,
      failedWrites: writers.reduce((n, w) => n + w.failures, 0),
      lost: lost.length,
      lostByNemesis: Object.fromEntries(lostBy),
      twoWritableSlots: probe.twoWritable,
      twoWritableByNemesis: Object.fromEntries(probe.twoWritableBy),
      longestWithoutWritableMasterMs: probe.longestNoneMs,
      probeSlots: probe.slots,
    };
    say(`nemeses: ${applied.join('; ')}`);
    say(`acknowledged ${summary.acknowledged}, lost ${summary.lost}${lost.length > 0 ? ` (${[...lostBy].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}, failed writes ${summary.failedWrites}`);
    say(`probe: ${summary.probeSlots} slots of 100 ms, ${summary.twoWritableSlots} with two writable nodes${probe.twoWritable > 0 ? ` (${[...probe.twoWritableBy].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}, longest without a writable master ${summary.longestWithoutWritableMasterMs} ms`);
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return lost.length > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

export async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function replicationOf(host: string, port: number): Promise<Record<string, string> | undefined> {
  const c = new Redis({ host, port, lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const [info, fence] = await Promise.all([c.info('replication'), c.config('GET', 'min-replicas-to-write') as Promise<string[]>]);
    const out = Object.fromEntries(info.split('\r\n').flatMap((l) => (l.includes(':') ? [l.split(':', 2) as [string, string]] : [])));
    out.fence = fence[1] ?? '0';
    return out;
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/** One master as recorded, unfenced, every other server its linked replica; resolves with its port. */
export async function converged(soak: Soak, timeoutMs: number): Promise<number> {
  let master: number | undefined;
  await until(
    async () => {
      master = await soak.recorded();
      if (master === undefined) return false;
      for (const s of soak.servers) {
        const r = await replicationOf(s.host, s.port);
        if (r === undefined) return false;
        if (s.port === master ? r.role !== 'master' || r.fence === '2147483647' : r.role !== 'slave' || r.master_port !== String(master) || r.master_link_status !== 'up') return false;
      }
      return true;
    },
    'one unfenced master as recorded, every other server its linked replica',
    timeoutMs,
  );
  return master!;
}

interface Ack {
  key: string;
  port: number;
  at: number;
  nemesis: string;
}

/** SET then WAIT 1 500 on the recorded master: acknowledged only when a replica has it. */
function startWriter(soak: Soak, prefix: string) {
  let running = true;
  let port: number | undefined;
  let client: Redis | undefined;
  let readAt = 0;
  const w = {
    acks: [] as Ack[],
    failures: 0,
    nemesis: (): string => 'none',
    stop: async () => {
      running = false;
      await done;
      client?.disconnect();
    },
  };
  const done = (async () => {
    for (let i = 0; running; i += 1) {
      if (client === undefined || Date.now() - readAt > 300) {
        const now = await soak.recorded();
        readAt = Date.now();
        if (now !== undefined && (now !== port || client === undefined)) {
          client?.disconnect();
          port = now;
          client = new Redis({ host: soak.servers.find((t) => t.port === port)?.host ?? '127.0.0.1', port, maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: 1_000, retryStrategy: () => null }).on('error', () => undefined);
        }
      }
      const c = client;
      const at = port;
      if (c === undefined || at === undefined) {
        await sleep(50);
        continue;
      }
      const key = `${prefix}${i}`;
      try {
        await c.set(key, String(at));
        if (Number(await c.call('WAIT', '1', '500')) >= 1) w.acks.push({ key, port: at, at: Date.now(), nemesis: w.nemesis() });
        else w.failures += 1;
      } catch {
        w.failures += 1;
        client = undefined;
      }
      await sleep(5);
    }
  })();
  return w;
}

/** Every 100 ms, which servers accept a write (a probe key): two at once is a split brain. */
function startProbe(soak: Soak) {
  const clients = new Map<number, Redis>();
  const of = (t: Task) => {
    let c = clients.get(t.port);
    if (c === undefined) {
      c = new Redis({ host: t.host, port: t.port, connectTimeout: 90, commandTimeout: 90, maxRetriesPerRequest: 0, retryStrategy: () => 200, enableOfflineQueue: false }).on('error', () => undefined);
      clients.set(t.port, c);
    }
    return c;
  };
  const p = {
    slots: 0,
    twoWritable: 0,
    twoWritableBy: new Map<string, number>(),
    longestNoneMs: 0,
    nemesis: (): string => 'none',
    stop: () => {
      clearInterval(timer);
      for (const c of clients.values()) c.disconnect();
    },
  };
  let noneSince: number | undefined;
  const timer = setInterval(() => {
    const slot = p.slots++;
    const started = Date.now();
    void Promise.all(soak.servers.map((s) => of(s).set(`chaos:probe:${s.port}`, String(slot)).then((r) => r === 'OK', () => false))).then((ok) => {
      const writable = ok.filter(Boolean).length;
      if (writable >= 2) {
        soak.say(`probe slot ${slot}: ${soak.servers.filter((_, i) => ok[i]).map((x) => x.name).join(' and ')} both accepted a write (nemesis: ${p.nemesis()})`);
        p.twoWritable += 1;
        p.twoWritableBy.set(p.nemesis(), (p.twoWritableBy.get(p.nemesis()) ?? 0) + 1);
      }
      if (writable === 0) noneSince ??= started;
      else if (noneSince !== undefined) {
        p.longestNoneMs = Math.max(p.longestNoneMs, started - noneSince);
        noneSince = undefined;
      }
    });
  }, 100);
  return p;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
