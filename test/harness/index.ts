/**
 * The shared test harness: real ZooKeeper, Redis and Sentinel processes on free loopback ports,
 * every process and temp dir cleaned up after each test even when it fails.
 *
 * Lifetimes: what is started inside a test (or its beforeEach) is killed after that test; what is
 * started in beforeAll lives until the end of the file. Private ZooKeepers and temp dirs are
 * removed after the file. Everything is also killed/removed when the worker process exits.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import zookeeper from 'node-zookeeper-client';
import { inject } from 'vitest';
import { freePort as devkitFreePort, SENTINEL_BIN, SERVER_BIN, SERVER_COMM, serverBinEnv, spawnGroup, startZooKeeper as devkitStartZooKeeper, type ZooKeeperHandle } from '@redis-zk/devkit';

export { SENTINEL_BIN, SERVER_BIN, SERVER_COMM };
import { removeDirOnExit, track } from './resources.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Says what was awaited, in the failure message. */
  what: string;
}

function describeValue(v: unknown): string {
  if (v instanceof Error) return `error: ${v.message}`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 500 ? `${s.slice(0, 500)}…` : s;
  } catch {
    return String(v);
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after timeoutMs (default 10 s). */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  let seen = false;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
      seen = true;
    } catch (err) {
      last = err;
      seen = true;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}; last ${seen ? `seen ${describeValue(last)}` : 'check never completed'}`);
}

export function freePort(): Promise<number> {
  return devkitFreePort('127.0.0.1');
}

/** A temp dir removed after the test file (and on exit). */
export function tempDir(prefix = 'redis-zk-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const forget = removeDirOnExit(dir);
  track(`temp dir ${dir}`, () => {
    rmSync(dir, { recursive: true, force: true });
    forget();
  }, 'file');
  return dir;
}

export interface ZooKeeperServer {
  host: string;
  port: number;
  /** `127.0.0.1:<port>` */
  connectString: string;
  stop(): Promise<void>;
  /** Starts again on the same port with the same data. */
  start(): Promise<void>;
  /** SIGKILL, no clean shutdown. */
  kill(): Promise<void>;
  /**
   * SIGSTOP to its JVM, a hung server: connections stay open and nothing answers. Thawed by
   * `thaw()`, or at the latest after the test (the file, when frozen in beforeAll).
   */
  freeze(): void;
  /** SIGCONT to the JVM `freeze()` stopped; nothing when not frozen. */
  thaw(): void;
  /** Runs `body` with the server frozen, thawed after whatever happens. */
  whileFrozen<T>(body: () => Promise<T>): Promise<T>;
}

/** A devkit ZooKeeper stopped and its dir removed after the test file (the dir also on exit). */
export function destroyAfterFile(zk: ZooKeeperHandle): ZooKeeperHandle {
  const forget = removeDirOnExit(zk.dir);
  track(`ZooKeeper ${zk.connectString}`, async () => {
    await zk.destroy();
    forget();
  }, 'file');
  return zk;
}

/** The pid of the JVM serving the ZooKeeper whose own dir is `dir`: the process whose command line names its zoo.cfg. */
function zooKeeperPid(dir: string): number {
  const cfg = join(dir, 'zoo.cfg');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(cfg)) return Number(entry);
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  throw new Error(`no process runs ZooKeeper with ${cfg}`);
}

/** A private ZooKeeper for tests that stop or restart it; stopped after the test file. */
export async function startZooKeeper(): Promise<ZooKeeperServer> {
  const zk = destroyAfterFile(await devkitStartZooKeeper());
  let frozenPid: number | undefined;
  const thaw = () => {
    if (frozenPid === undefined) return;
    const pid = frozenPid;
    frozenPid = undefined;
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone meanwhile */
    }
  };
  const freeze = () => {
    if (frozenPid !== undefined) return;
    // Looked up at each freeze: a stop/start makes a new JVM.
    const pid = zooKeeperPid(zk.dir);
    process.kill(pid, 'SIGSTOP');
    frozenPid = pid;
    track(`SIGCONT to frozen ZooKeeper ${zk.connectString} (pid ${pid})`, thaw);
  };
  const whileFrozen = async <T>(body: () => Promise<T>): Promise<T> => {
    freeze();
    try {
      return await body();
    } finally {
      thaw();
    }
  };
  return { ...zk, freeze, thaw, whileFrozen };
}

/**
 * The suite-wide ZooKeeper with a fresh chroot for the calling test: `127.0.0.1:<port>/t-<random>`.
 * The chroot is NOT created (the programs must create it); use `zkClient` to get a client that
 * creates it first.
 */
export function sharedZkHosts(): string {
  return `${inject('zkConnectString')}/t-${randomBytes(6).toString('hex')}`;
}

/** A small promise client for tests to read and arrange ZooKeeper state directly. */
export interface TestZk {
  client: zookeeper.Client;
  /** Data as UTF-8, or undefined when the node does not exist. */
  get(path: string): Promise<string | undefined>;
  /** Sets data, creating the node and its parents (persistent) when missing. */
  set(path: string, data: string | Buffer): Promise<void>;
  create(path: string, data?: string | Buffer, mode?: number): Promise<string>;
  /** Removes the node (and its children with `recursive`); missing is fine. */
  remove(path: string, recursive?: boolean): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Children names, [] when the node does not exist. */
  children(path: string): Promise<string[]>;
  close(): void;
}

function connectRaw(connectString: string, timeoutMs: number): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, spinDelay: 200, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`test ZooKeeper client: no connection to ${connectString} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

function cb<T>(fn: (done: (err: unknown, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

const isNoNode = (err: unknown) => (err as { getCode?: () => number }).getCode?.() === zookeeper.Exception.NO_NODE;

/**
 * A client on `hosts` (default: the suite-wide ZooKeeper, no chroot). A chroot in `hosts` is
 * created first. Closed after the test (or the file when made in beforeAll).
 */
export async function zkClient(hosts: string = inject('zkConnectString'), timeoutMs = 10_000): Promise<TestZk> {
  const slash = hosts.indexOf('/');
  if (slash !== -1) {
    const root = await connectRaw(hosts.slice(0, slash), timeoutMs);
    try {
      await cb<string>((d) => root.mkdirp(hosts.slice(slash), d));
    } finally {
      root.close();
    }
  }
  const client = await connectRaw(hosts, timeoutMs);
  const toBuf = (d: string | Buffer | undefined) => (d === undefined ? undefined : Buffer.isBuffer(d) ? d : Buffer.from(d, 'utf8'));
  const zk: TestZk = {
    client,
    get: async (path) => {
      try {
        const data = await cb<Buffer | undefined>((d) => client.getData(path, (e, b) => d(e, b)));
        return data ? data.toString('utf8') : '';
      } catch (err) {
        if (isNoNode(err)) return undefined;
        throw err;
      }
    },
    set: async (path, data) => {
      try {
        await cb((d) => client.setData(path, toBuf(data) ?? Buffer.alloc(0), -1, (e) => d(e)));
      } catch (err) {
        if (!isNoNode(err)) throw err;
        const parent = path.slice(0, path.lastIndexOf('/'));
        if (parent !== '') await cb<string>((d) => client.mkdirp(parent, d));
        await cb<string>((d) => client.create(path, toBuf(data) ?? Buffer.alloc(0), zookeeper.CreateMode.PERSISTENT, d));
      }
    },
    create: (path, data, mode = zookeeper.CreateMode.PERSISTENT) =>
      cb<string>((d) => client.create(path, toBuf(data) ?? Buffer.alloc(0), mode, d)),
    remove: async (path, recursive = false) => {
      if (recursive) for (const c of await zk.children(path)) await zk.remove(`${path === '/' ? '' : path}/${c}`, true);
      try {
        await cb((d) => client.remove(path, -1, (e) => d(e)));
      } catch (err) {
        if (!isNoNode(err)) throw err;
      }
    },
    exists: async (path) => (await cb<unknown>((d) => client.exists(path, (e, stat) => d(e, stat)))) != null,
    children: async (path) => {
      try {
        return await cb<string[]>((d) => client.getChildren(path, (e, c) => d(e, c)));
      } catch (err) {
        if (isNoNode(err)) return [];
        throw err;
      }
    },
    close: () => client.close(),
  };
  track(`ZooKeeper client ${hosts}`, () => client.close());
  return zk;
}

export type ProgramName = 'server' | 'sentinel' | 'watcher';
export interface ProgramProcess {
  program: ProgramName;
  pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** stdout lines that parsed as JSON (pino logs). */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line matching; fails after timeoutMs (default 10 s). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Settles when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the program only (default SIGTERM). */
  signal(sig?: NodeJS.Signals): void;
  /** SIGKILL to the program and its children (the whole process group). */
  killGroup(): void;
}

/** The pid of the redis-server (or redis-sentinel) a wrapper started, from its `started …` log line. */
export function redisPidOf(s: { proc: ProgramProcess }): number {
  const line = s.proc.logs().find((l) => l.event === 'CHILD_STARTED' && typeof l.pid === 'number');
  if (line === undefined) throw new Error('the wrapper did not log its redis-server pid');
  return line.pid as number;
}

export function bundlePath(program: ProgramName): string {
  return join(repoRoot, 'packages', program, 'dist', `redis-zk-${program}.mjs`);
}

function checkBundle(program: ProgramName): string {
  const path = bundlePath(program);
  const buildError = inject('buildError');
  if (buildError) throw new Error(`cannot start redis-zk-${program}: the build failed in global setup:\n${buildError}`);
  if (!existsSync(path)) throw new Error(`cannot start redis-zk-${program}: ${path} does not exist (run node scripts/build.mjs)`);
  return path;
}

const MAX_OUTPUT = 4_000_000;

/** Runs the built bundle `node packages/<p>/dist/redis-zk-<p>.mjs` with exactly `env` (plus PATH). */
export function startProgram(program: ProgramName, env: Record<string, string>, args: string[] = []): ProgramProcess {
  const path = checkBundle(program);
  return { ...startProcess(`redis-zk-${program}`, process.execPath, [path, ...args], env), program };
}

export type StartedProcess = Omit<ProgramProcess, 'program'> & { name: string };

/**
 * Any command as the leader of its own process group, with exactly `env` plus PATH, output
 * captured like startProgram's; SIGKILLed with its group after the test (or file, from beforeAll).
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { stdin?: string } = {},
): StartedProcess {
  const proc = spawnGroup(command, args, {
    cwd: repoRoot,
    // The run's server (Redis, or Valkey in CI's second pass) unless the test names one itself.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...serverBinEnv(), ...env },
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) proc.child.stdin?.end(opts.stdin);
  let output = '';
  let pending = '';
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<(line: Record<string, unknown>) => void>();
  const append = (s: string) => {
    output = output.length > MAX_OUTPUT ? output.slice(-MAX_OUTPUT / 2) + s : output + s;
  };
  proc.child.stdout?.setEncoding('utf8');
  proc.child.stderr?.setEncoding('utf8');
  proc.child.stdout?.on('data', (chunk: string) => {
    append(chunk);
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      // redis-server shares the wrapper's stdout, and its signal handler writes a line in pieces:
      // a log line can start after a fragment of one of its lines.
      const start = raw.startsWith('{') ? 0 : raw.indexOf('{"level":');
      if (start < 0) continue;
      const text = raw.slice(start, raw.lastIndexOf('}') + 1);
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        logs.push(line);
        for (const l of listeners) l(line);
      } catch {
        /* not a log line (redis-server's own output) */
      }
    }
  });
  proc.child.stderr?.on('data', append);
  track(`${name} pid ${proc.pid}`, async () => {
    proc.signalGroup('SIGKILL');
    await proc.exited;
  });

  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = logs.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${name} (pid ${proc.pid}): no matching log line within ${timeoutMs} ms; output ends:\n${output.slice(-3_000)}`));
      }, timeoutMs);
      const listener = (line: Record<string, unknown>) => {
        if (!match(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
    });

  return {
    name,
    pid: proc.pid,
    output: () => output,
    logs: () => logs,
    waitForLog,
    exited: proc.exited,
    signal: (sig = 'SIGTERM') => {
      try {
        process.kill(proc.pid, sig);
      } catch {
        /* already exited */
      }
    },
    killGroup: () => proc.signalGroup('SIGKILL'),
  };
}

/** Runs the bundle to completion (for --help, bad config…). */
export async function runProgramToExit(
  program: ProgramName,
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const path = checkBundle(program);
  const proc = spawnGroup(process.execPath, [path, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    proc.signalGroup('SIGKILL');
    await proc.exited;
    throw new Error(`redis-zk-${program} did not exit within ${timeoutMs} ms; stdout: ${stdout.slice(-2_000)}\nstderr: ${stderr.slice(-2_000)}`);
  }
  // Anything the program left behind in its group goes now (it would also hold the pipes open).
  proc.signalGroup('SIGKILL');
  // Wait (bounded) for the pipes to drain so the last line is not lost.
  await Promise.race([
    Promise.all(
      [proc.child.stdout, proc.child.stderr].map((s) => (s && !s.closed ? new Promise((r) => s.once('close', r)) : undefined)),
    ),
    new Promise((r) => setTimeout(r, 2_000)),
  ]);
  return { code: result.code, stdout, stderr };
}

/** An ioredis client that does not retry for ever; closed after the test. */
export function redisClient(port: number, host = '127.0.0.1', password?: string): Redis {
  const client = new Redis({
    host,
    port,
    password,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => (times > 20 ? null : 200),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every connection error of a server a test just killed.
  client.on('error', () => {});
  track(`redis client ${host}:${port}`, () => client.disconnect());
  return client;
}

export interface RedisServer {
  host: string;
  port: number;
  process: StartedProcess;
}

/**
 * A plain `redis-server` on 127.0.0.1 (no persistence, its own temp dir), answering PING when
 * this resolves. For tests of the Redis layer and of programs that only need some Redis.
 */
export async function startRedisServer(opts: { port?: number; password?: string; args?: string[] } = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = tempDir('redis-zk-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0', ...(opts.args ?? [])];
  // The password goes in through stdin config, never the command line (ps shows that).
  const proc =
    opts.password === undefined
      ? startProcess(`redis-server:${port}`, SERVER_BIN, args)
      : startProcess(`redis-server:${port}`, SERVER_BIN, ['-', ...args], {}, { stdin: `requirepass "${opts.password}"\n` });
  const client = redisClient(port, '127.0.0.1', opts.password);
  await waitFor(async () => (await client.ping()) === 'PONG', { what: `redis-server on port ${port} to answer PING`, timeoutMs: 10_000 });
  client.disconnect();
  return { host: '127.0.0.1', port, process: proc };
}

/** Whether `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
