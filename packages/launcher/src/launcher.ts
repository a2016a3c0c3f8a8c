import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnGroup, startZooKeeper, type GroupProcess, type ZooKeeperHandle } from '@redis-zk/devkit';
import { appsOf, programOf, readGroup, startOrder, withFailoverMode, withGroups, type AppDef, type GroupDef, type ProgramName } from './definitions.js';
import { RedisZkError, WRAPPER_NODE_FLAGS } from '@redis-zk/core';
import { chrootOf, marathonTaskId, taskEnv } from './env.js';
import { runHealthCheck } from './health.js';
import { decideHealth, healthPolicy, restartDelayMs, type HealthState } from './decide-task.js';

/** The repository root: this file is packages/launcher/{src,dist}/<file>. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function bundlePath(program: ProgramName, root = REPO_ROOT): string {
  return join(root, 'packages', program, 'dist', `redis-zk-${program}.mjs`);
}

export interface LauncherOptions {
  /** Default: marathon/group.json of the repository. */
  groupFile?: string;
  /** Or the group itself (tests). */
  group?: GroupDef;
  /** Repository root holding packages/<p>/dist. */
  root?: string;
  /** ZooKeeper connect string; default: $ZK_HOSTS, else a local ZooKeeper started here. */
  zkHosts?: string;
  /** Where sandboxes/ and logs/ go (default <root>/.local). */
  stateDir?: string;
  /** Address tasks bind and announce (HOST, BIND_IP). Default 127.0.0.1. */
  host?: string;
  /**
   * Env overrides per app, keyed by app id, its last path segment, program name, or `all`
   * (ALL_APPS) for every app; for one app they apply in that order, the most specific last.
   */
  env?: Record<string, Record<string, string>>;
  /** `--failover-mode`: zookeeper drops the sentinel apps (see withFailoverMode). */
  failoverMode?: 'sentinel' | 'zookeeper';
  /** Redis groups to run (default 1): see withGroups. */
  groups?: number;
  /** Instance counts per app (same keys), instead of the definition's. */
  instances?: Record<string, number>;
  /** 'logs': each task's output to <stateDir>/logs/<task>.log; 'prefix': to our stdout, prefixed. */
  output?: 'logs' | 'prefix';
  /** Health-check interval instead of the definition's intervalSeconds (local runs want it fast). */
  healthIntervalMs?: number;
  /** Delay before a dead task is replaced, instead of the definition's backoffSeconds. */
  restartBackoffMs?: number;
  /** Bound on the wait for each app to become healthy at start (default 180 s). */
  startTimeoutMs?: number;
  /** Launcher events (default: one line each on stdout). */
  onEvent?: (e: LauncherEvent) => void;
}

export type TaskState = 'starting' | 'running' | 'healthy' | 'unhealthy' | 'killing' | 'exited';

export interface TaskInfo {
  /** `<app short name>.<instance>`, stable across restarts of the instance (e.g. `redis.0`). */
  name: string;
  /** MESOS_TASK_ID, new for every launch. */
  taskId: string;
  appId: string;
  program: ProgramName;
  instance: number;
  /** Launches of this instance so far (1 for the first). */
  launch: number;
  host: string;
  port: number;
  ports: number[];
  pid: number;
  state: TaskState;
  healthy: boolean;
  /** Passed a health check at least once (ends the health grace period, resets the backoff). */
  everHealthy?: boolean;
  lastHealth?: string;
  sandbox: string;
  logFile?: string;
  startedAt: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export type LauncherEvent =
  | { type: 'zookeeper'; connectString: string; local: boolean }
  | { type: 'task-started'; task: TaskInfo }
  | { type: 'task-healthy'; task: TaskInfo; detail: string }
  | { type: 'task-unhealthy'; task: TaskInfo; detail: string }
  | { type: 'task-exited'; task: TaskInfo; restartInMs?: number }
  | { type: 'app-healthy'; appId: string }
  | { type: 'stopping' }
  | { type: 'stopped' };

interface Slot {
  app: AppDef;
  program: ProgramName;
  instance: number;
  launches: number;
  /** Failed launches in a row (reset once healthy): Marathon's backoff exponent. */
  failures: number;
  task?: TaskInfo;
  proc?: GroupProcess;
  /** The running task's environment (may hold secrets). */
  env?: Record<string, string>;
  healthTimer?: NodeJS.Timeout;
  restartTimer?: NodeJS.Timeout;
}

const shortName = (appId: string) => appId.split('/').filter(Boolean).at(-1) ?? appId;

function pick<T>(map: Record<string, T> | undefined, app: AppDef, program: ProgramName): T | undefined {
  if (!map) return undefined;
  return map[app.id] ?? map[shortName(app.id)] ?? map[program];
}

/** The `--env` selector for every app of the group. */
export const ALL_APPS = 'all';

/** One app's env overrides: `all`, then its program, its short name, its id (the most specific wins). */
export function overridesFor(map: Record<string, Record<string, string>> | undefined, app: AppDef, program: ProgramName): Record<string, string> {
  if (!map) return {};
  const keys = [ALL_APPS, program, shortName(app.id), app.id];
  return Object.assign({}, ...[...new Set(keys)].map((k) => map[k] ?? {})) as Record<string, string>;
}

/** Selectors (of --env, --instances) that name no app: a typo would otherwise be ignored. */
function unknownSelectors(keys: string[], apps: AppDef[], allowAll: boolean): string[] {
  const known = new Set(apps.flatMap((a) => [a.id, shortName(a.id), programOf(a)]));
  if (allowAll) known.add(ALL_APPS);
  return keys.filter((k) => !known.has(k));
}

export interface LocalGroup {
  /** ZooKeeper connect string the tasks use, chroot included. */
  zkHosts: string;
  /** The local ZooKeeper, when the launcher started one. */
  zookeeper?: ZooKeeperHandle;
  apps: AppDef[];
  tasks(): TaskInfo[];
  task(name: string): TaskInfo | undefined;
  /**
   * The environment the task was started with (e.g. its REDIS_PASSWORD, to talk to its Redis).
   * It may hold secrets: never print it.
   */
  taskEnv(name: string): Record<string, string> | undefined;
  /** Sends a signal: SIGKILL to the task's whole process group (a container dying), others to the program only (as `docker stop` through tini). */
  kill(name: string, signal?: NodeJS.Signals): void;
  /** Stops a task as Marathon does (SIGTERM, SIGKILL after the grace period); it is then replaced on new ports. Resolves when the replacement is healthy. */
  restart(name: string): Promise<TaskInfo>;
  /** Resolves once every task of the app (or all apps) is healthy. */
  waitHealthy(appIdOrName?: string, timeoutMs?: number): Promise<void>;
  /** Stops every task (dependents first), then the local ZooKeeper. */
  stop(): Promise<void>;
}

/** As the images run them: the wrappers with WRAPPER_NODE_FLAGS. */
const nodeFlags = (program: ProgramName): readonly string[] => (program === 'watcher' ? [] : WRAPPER_NODE_FLAGS);

/** Starts the group's apps in dependency order, each once the ones it depends on are healthy. */
export async function startGroup(opts: LauncherOptions = {}): Promise<LocalGroup> {
  const root = opts.root ?? REPO_ROOT;
  const group = withFailoverMode(withGroups(opts.group ?? readGroup(opts.groupFile ?? join(root, 'marathon', 'group.json')), opts.groups ?? 1), opts.failoverMode ?? 'sentinel');
  const apps = startOrder(appsOf(group));
  const stateDir = opts.stateDir ?? join(root, '.local');
  const host = opts.host ?? '127.0.0.1';
  const appVersion = new Date().toISOString();
  const emit = opts.onEvent ?? ((e: LauncherEvent) => process.stdout.write(`${describeEvent(e, stateDir)}\n`));
  const slots: Slot[] = [];
  let stopping = false;

  for (const [what, keys, allowAll] of [['--env', Object.keys(opts.env ?? {}), true], ['--instances', Object.keys(opts.instances ?? {}), false]] as const) {
    const unknown = unknownSelectors(keys, apps, allowAll);
    if (unknown.length > 0) {
      const names = [...new Set(apps.flatMap((a) => [shortName(a.id), programOf(a)]))];
      throw new RedisZkError('USAGE', `${what} ${unknown.join(', ')}: no such app (expected an app id, ${names.join(', ')}${allowAll ? `, or ${ALL_APPS}` : ''})`);
    }
  }
  for (const app of apps) {
    const program = programOf(app);
    if (!existsSync(bundlePath(program, root))) {
      throw new RedisZkError('CHILD_START_FAILED', `${bundlePath(program, root)} is missing: run \`pnpm run build\` (or npm run setup) first`);
    }
  }

  // The definition's chroot is kept on the local ZooKeeper: the same paths as deployed.
  const definedZk = apps.map((a) => a.env?.ZK_HOSTS).find((v): v is string => typeof v === 'string');
  let zookeeper: ZooKeeperHandle | undefined;
  let zkHosts = opts.zkHosts ?? process.env.ZK_HOSTS;
  if (!zkHosts) {
    zookeeper = await startZooKeeper();
    zkHosts = `${zookeeper.connectString}${chrootOf(definedZk)}`;
  }
  emit({ type: 'zookeeper', connectString: zkHosts, local: zookeeper !== undefined });

  const launch = async (slot: Slot): Promise<void> => {
    if (stopping) return;
    const { app, program } = slot;
    const nPorts = Math.max(1, app.portDefinitions?.length ?? 1);
    const ports: number[] = [];
    for (let i = 0; i < nPorts; i++) ports.push(await freePort(host));
    const taskId = marathonTaskId(app.id, randomUUID());
    const sandbox = join(stateDir, 'sandboxes', taskId);
    mkdirSync(sandbox, { recursive: true });
    const name = `${shortName(app.id)}.${slot.instance}`;
    const env = taskEnv({
      app,
      ports,
      host,
      taskId,
      appVersion,
      sandbox,
      zkHosts,
      overrides: overridesFor(opts.env, app, program),
      inherited: { PATH: process.env.PATH, LANG: process.env.LANG, TZ: process.env.TZ, REDIS_SERVER_BIN: process.env.REDIS_SERVER_BIN, REDIS_SENTINEL_BIN: process.env.REDIS_SENTINEL_BIN },
    });
    let logFile: string | undefined;
    let proc: GroupProcess;
    if ((opts.output ?? 'logs') === 'logs') {
      mkdirSync(join(stateDir, 'logs'), { recursive: true });
      logFile = join(stateDir, 'logs', `${name}.log`);
      const fd = openSync(logFile, 'a');
      try {
        proc = spawnGroup(process.execPath, [...nodeFlags(program), bundlePath(program, root)], { env, cwd: sandbox, stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
    } else {
      proc = spawnGroup(process.execPath, [...nodeFlags(program), bundlePath(program, root)], { env, cwd: sandbox, stdio: ['ignore', 'pipe', 'pipe'] });
      prefixLines(proc, name);
    }
    slot.launches += 1;
    slot.proc = proc;
    slot.env = env;
    const task: TaskInfo = {
      name,
      taskId,
      appId: app.id,
      program,
      instance: slot.instance,
      launch: slot.launches,
      host,
      port: ports[0]!,
      ports,
      pid: proc.pid,
      state: 'starting',
      healthy: false,
      sandbox,
      logFile,
      startedAt: Date.now(),
    };
    slot.task = task;
    emit({ type: 'task-started', task: { ...task } });
    scheduleHealth(slot, task);
    void proc.exited.then((exit) => onExit(slot, task, exit));
  };

  const scheduleHealth = (slot: Slot, task: TaskInfo) => {
    const hc = slot.app.healthChecks?.[0];
    if (!hc) {
      // No health check: running is healthy (Marathon's default).
      task.state = 'healthy';
      task.healthy = true;
      return;
    }
    task.state = 'running';
    const policy = healthPolicy(hc, opts.healthIntervalMs);
    let health: HealthState = { failures: 0, healthy: false, everHealthy: false, startedAt: task.startedAt };
    // A check that started before a kill must not report on (or kill) a task already going.
    const over = (): boolean => slot.task !== task || task.state === 'killing' || task.state === 'exited';
    const tick = async () => {
      if (over()) return;
      const r = await runHealthCheck(hc, task.host, task.ports, policy.timeoutMs);
      if (over()) return;
      task.lastHealth = r.detail;
      const d = decideHealth(health, r.ok, Date.now(), policy);
      health = d.next;
      task.healthy = health.healthy;
      task.everHealthy = health.everHealthy;
      if (d.action === 'became-healthy') {
        task.state = 'healthy';
        slot.failures = 0;
        emit({ type: 'task-healthy', task: { ...task }, detail: r.detail });
      } else if (!r.ok && task.state === 'healthy') {
        task.state = 'unhealthy';
      }
      if (d.action === 'became-unhealthy') emit({ type: 'task-unhealthy', task: { ...task }, detail: r.detail });
      if (d.action === 'kill') {
        emit({ type: 'task-unhealthy', task: { ...task }, detail: `${r.detail}; ${health.failures} failures in a row, killing the task` });
        void stopTask(slot);
        return;
      }
      slot.healthTimer = setTimeout(() => void tick(), policy.intervalMs);
    };
    slot.healthTimer = setTimeout(() => void tick(), Math.min(policy.intervalMs, 500));
  };

  const onExit = (slot: Slot, task: TaskInfo, exit: { code: number | null; signal: NodeJS.Signals | null }) => {
    clearTimeout(slot.healthTimer);
    // The task is over: whatever it left in its group goes too (a container's end).
    slot.proc?.signalGroup('SIGKILL');
    task.state = 'exited';
    task.healthy = false;
    task.exit = exit;
    if (stopping) {
      emit({ type: 'task-exited', task: { ...task } });
      return;
    }
    if (!task.everHealthy) slot.failures += 1;
    const delay = restartDelayMs(slot.app, slot.failures, opts.restartBackoffMs);
    emit({ type: 'task-exited', task: { ...task }, restartInMs: delay });
    slot.restartTimer = setTimeout(() => void launch(slot), delay);
  };

  const graceMsOf = (app: AppDef) => (app.taskKillGracePeriodSeconds ?? 3) * 1000;

  /** SIGTERM to the program (as tini passes it on), SIGKILL to its whole group after the grace period. */
  const stopTask = async (slot: Slot): Promise<void> => {
    const task = slot.task;
    const proc = slot.proc;
    if (!task || !proc || task.state === 'exited') return;
    task.state = 'killing';
    task.healthy = false;
    clearTimeout(slot.healthTimer);
    try {
      process.kill(proc.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => proc.signalGroup('SIGKILL'), graceMsOf(slot.app));
    await proc.exited;
    clearTimeout(timer);
    await groupGone(proc);
  };

  const findSlot = (name: string) => slots.find((s) => s.task?.name === name || s.task?.taskId === name);
  const appMatches = (app: AppDef, key?: string) => key === undefined || key === app.id || key === shortName(app.id) || key === programOf(app);

  const waitHealthy = async (key?: string, timeoutMs = opts.startTimeoutMs ?? 180_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = slots.filter((s) => appMatches(s.app, key));
      if (mine.length > 0 && mine.every((s) => s.task?.healthy)) return;
      if (stopping) throw new RedisZkError('LAUNCHER_STOPPING', 'the launcher is stopping');
      if (Date.now() > deadline) {
        const status = mine.map((s) => `${s.task?.name ?? '?'} ${s.task?.state ?? 'not started'} (${s.task?.lastHealth ?? 'no check yet'})`);
        throw new RedisZkError('TASK_UNHEALTHY', `${key ?? 'the group'} not healthy after ${timeoutMs} ms: ${status.join('; ')}`);
      }
      await sleep(200);
    }
  };

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    emit({ type: 'stopping' });
    for (const s of slots) clearTimeout(s.restartTimer);
    // Dependents first, as Marathon stops a group.
    for (const app of [...apps].reverse()) {
      await Promise.all(slots.filter((s) => s.app === app).map((s) => stopTask(s)));
    }
    await zookeeper?.destroy();
    emit({ type: 'stopped' });
  };

  const api: LocalGroup = {
    zkHosts,
    zookeeper,
    apps,
    tasks: () => slots.flatMap((s) => (s.task ? [{ ...s.task }] : [])),
    task: (name) => {
      const t = findSlot(name)?.task;
      return t ? { ...t } : undefined;
    },
    taskEnv: (name) => {
      const env = findSlot(name)?.env;
      return env ? { ...env } : undefined;
    },
    kill: (name, signal = 'SIGKILL') => {
      const slot = findSlot(name);
      if (!slot?.proc) throw new RedisZkError('TASK_UNKNOWN', `no task ${name}`);
      if (signal === 'SIGKILL') slot.proc.signalGroup('SIGKILL');
      else process.kill(slot.proc.pid, signal);
    },
    restart: async (name) => {
      const slot = findSlot(name);
      if (!slot?.task) throw new RedisZkError('TASK_UNKNOWN', `no task ${name}`);
      const old = slot.task;
      await stopTask(slot);
      const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
      while (!(slot.task !== old && slot.task?.healthy)) {
        if (Date.now() > deadline) throw new RedisZkError('TASK_UNHEALTHY', `${name} was not replaced by a healthy task in time (now ${slot.task?.state})`);
        if (stopping) throw new RedisZkError('LAUNCHER_STOPPING', 'the launcher is stopping');
        await sleep(200);
      }
      return { ...slot.task };
    },
    waitHealthy,
    stop,
  };

  try {
    for (const app of apps) {
      const program = programOf(app);
      const count = pick(opts.instances, app, program) ?? app.instances ?? 1;
      const mine: Slot[] = [];
      for (let i = 0; i < count; i++) mine.push({ app, program, instance: i, launches: 0, failures: 0 });
      slots.push(...mine);
      for (const s of mine) await launch(s);
      await waitHealthy(app.id);
      emit({ type: 'app-healthy', appId: app.id });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return api;
}

/** SIGKILLs what is left of a task's process group and waits (bounded) until none of it remains. */
async function groupGone(proc: GroupProcess, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    proc.signalGroup('SIGKILL');
    if (!groupHasLiveMembers(proc.pid)) return;
    if (Date.now() > deadline) return;
    await sleep(50);
  }
}

/**
 * Whether any process of group `pgid` still runs. Zombies do not count: once killed, a
 * grandchild adopted by a slow init stays a zombie for a while, yet is gone.
 */
function groupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}

function prefixLines(proc: GroupProcess, name: string): void {
  for (const stream of [proc.child.stdout, proc.child.stderr]) {
    if (!stream) continue;
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) process.stdout.write(`${name.padEnd(11)}| ${l}\n`);
    });
  }
}

/** One line per launcher event, for people. */
export function describeEvent(e: LauncherEvent, stateDir = process.cwd()): string {
  const rel = (p?: string) => (p ? relative(process.cwd(), p) || p : '');
  switch (e.type) {
    case 'zookeeper':
      return `launcher  | ZooKeeper ${e.connectString}${e.local ? ' (local, started by the launcher)' : ' (from ZK_HOSTS)'}`;
    case 'task-started':
      return `launcher  | ${e.task.name} started: ${e.task.host}:${e.task.port} pid ${e.task.pid} task ${e.task.taskId}${e.task.logFile ? ` log ${rel(e.task.logFile)}` : ''}`;
    case 'task-healthy':
      return `launcher  | ${e.task.name} healthy (${e.detail})`;
    case 'task-unhealthy':
      return `launcher  | ${e.task.name} UNHEALTHY (${e.detail})`;
    case 'task-exited': {
      const how = e.task.exit?.signal ? `signal ${e.task.exit.signal}` : `code ${e.task.exit?.code}`;
      const next = e.restartInMs !== undefined ? `; replacing it on new ports in ${e.restartInMs} ms` : '';
      return `launcher  | ${e.task.name} exited (${how})${next}`;
    }
    case 'app-healthy':
      return `launcher  | ${e.appId}: all tasks healthy`;
    case 'stopping':
      return `launcher  | stopping every task (SIGTERM, SIGKILL after the app's taskKillGracePeriodSeconds)…`;
    case 'stopped':
      return `launcher  | stopped; state in ${rel(stateDir)}`;
  }
}
