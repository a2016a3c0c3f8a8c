// The local launcher's Marathon behaviour, on stand-in programs (tiny Node servers in the bundles'
// places) so that it is checked apart from redis-zk itself: the task environment, fresh ports
// per launch, dependency order, health checks, restart of a dead task on new ports, SIGTERM then
// SIGKILL after the grace period, and nothing left running after stop().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGroup, type LauncherEvent, type LocalGroup } from '../../packages/launcher/src/launcher.js';
import type { AppDef, GroupDef } from '../../packages/launcher/src/definitions.js';
import { findMaster } from '../../packages/launcher/src/master.js';
import { summary } from '../../packages/launcher/src/summary.js';
import { parseArgs } from '../../packages/launcher/src/args.js';

const SECRET = 's3cret-Zq8';

// Listens on PORT0 (HTTP /health for the watcher, plain TCP otherwise), records its env, starts
// a grandchild (to prove the task's whole process group goes), and on SIGTERM exits after
// TERM_DELAY_MS, or never when IGNORE_TERM is set. The server stand-in speaks just enough RESP
// for the launcher's INFO: AUTH against its REDIS_PASSWORD, and INFO with its grandchild's pid
// as process_id (a redis-server under the wrapper) and role master for the first instance to
// create FAKE_MASTER_LOCK.
const FAKE = `
import { createServer as http } from 'node:http';
import { createServer as tcp } from 'node:net';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
writeFileSync(process.env.MESOS_SANDBOX + '/env.json', JSON.stringify(process.env));
const kid = spawn('sleep', ['1000'], { stdio: 'ignore' });
writeFileSync(process.env.MESOS_SANDBOX + '/grandchild.pid', String(kid.pid));
const port = Number(process.env.PORT0);
let role = 'slave';
try { writeFileSync(process.env.FAKE_MASTER_LOCK ?? '', String(port), { flag: 'wx' }); role = 'master'; } catch {}
const command = (buf) => {
  if (buf[0] !== '*') return undefined;
  let i = buf.indexOf('\\r\\n');
  if (i < 0) return undefined;
  const args = [];
  let pos = i + 2;
  for (let k = 0; k < Number(buf.slice(1, i)); k++) {
    const j = buf.indexOf('\\r\\n', pos);
    if (j < 0) return undefined;
    const len = Number(buf.slice(pos + 1, j));
    if (buf.length < j + 4 + len) return undefined;
    args.push(buf.slice(j + 2, j + 2 + len));
    pos = j + 4 + len;
  }
  return { args, rest: buf.slice(pos) };
};
const resp = (s) => {
  let buf = '';
  let authed = !process.env.REDIS_PASSWORD;
  s.on('error', () => {});
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let c = command(buf); c; c = command(buf)) {
      buf = c.rest;
      const name = c.args[0].toUpperCase();
      if (name === 'AUTH') {
        authed = c.args.at(-1) === process.env.REDIS_PASSWORD;
        s.write(authed ? '+OK\\r\\n' : '-WRONGPASS invalid username-password pair\\r\\n');
      } else if (!authed) s.write('-NOAUTH Authentication required.\\r\\n');
      else if (name === 'INFO') {
        const text = '# Server\\r\\nprocess_id:' + kid.pid + '\\r\\n\\r\\n# Replication\\r\\nrole:' + role + '\\r\\n';
        s.write('$' + Buffer.byteLength(text) + '\\r\\n' + text + '\\r\\n');
      } else s.write('+OK\\r\\n');
    }
  });
};
const program = process.env.MARATHON_APP_LABEL_REDIS_ZK_PROGRAM;
const srv = program === 'watcher'
  ? http((req, res) => { res.statusCode = req.url === '/health' ? 200 : 404; res.end('{}'); })
  : program === 'server' ? tcp(resp) : tcp((s) => s.end());
srv.listen(port, process.env.BIND_IP);
process.on('SIGTERM', () => {
  if (process.env.IGNORE_TERM) return;
  setTimeout(() => process.exit(0), Number(process.env.TERM_DELAY_MS ?? 0));
});
`;

const app = (id: string, program: string, extra: Partial<AppDef> = {}): AppDef => ({
  id,
  instances: 1,
  env: { ZK_HOSTS: 'zk-1.zk:2181/redis-zk', MASTER_NAME: 'mymaster' },
  labels: { REDIS_ZK_PROGRAM: program },
  portDefinitions: [{ port: 0, name: program === 'watcher' ? 'http' : program, protocol: 'tcp' }],
  healthChecks: [program === 'watcher' ? { protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 } : { protocol: 'MESOS_TCP', portIndex: 0 }],
  taskKillGracePeriodSeconds: 1,
  ...extra,
});

const GROUP: GroupDef = {
  id: '/t',
  apps: [
    app('/t/watcher', 'watcher', { dependencies: ['/t/sentinel'] }),
    app('/t/sentinel', 'sentinel', { dependencies: ['redis'] /* relative to the app's group */ }),
    app('/t/redis', 'server', { instances: 2 }),
  ],
};

/** Running, not a zombie waiting for whoever adopted it to reap it. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const waitUntil = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('local launcher (stand-in programs)', () => {
  let root: string;
  let group: LocalGroup;
  const events: LauncherEvent[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'redis-zk-launcher-'));
    for (const p of ['server', 'sentinel', 'watcher']) {
      mkdirSync(join(root, 'packages', p, 'dist'), { recursive: true });
      writeFileSync(join(root, 'packages', p, 'dist', `redis-zk-${p}.mjs`), FAKE);
    }
    group = await startGroup({
      group: GROUP,
      root,
      zkHosts: '127.0.0.1:1/not-used',
      healthIntervalMs: 200,
      restartBackoffMs: 300,
      env: {
        all: { COMMON: 'everyone', TERM_DELAY_MS: '5', REDIS_PASSWORD: SECRET },
        sentinel: { IGNORE_TERM: '1' },
        '/t/redis': { TERM_DELAY_MS: '100', FAKE_MASTER_LOCK: join(root, 'master.lock') },
      },
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(async () => {
    await group?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const envOf = (name: string) => JSON.parse(readFileSync(join(group.task(name)!.sandbox, 'env.json'), 'utf8')) as Record<string, string>;

  it('starts apps in dependency order, each after the previous is healthy', () => {
    const order = events.flatMap((e) => (e.type === 'task-started' ? [e.task.name] : e.type === 'app-healthy' ? [`healthy ${e.appId}`] : []));
    expect(order).toEqual(['redis.0', 'redis.1', 'healthy /t/redis', 'sentinel.0', 'healthy /t/sentinel', 'watcher.0', 'healthy /t/watcher']);
    expect(group.tasks().every((t) => t.healthy)).toBe(true);
  });

  it("gives each task Marathon's environment, the app's env and the caller's overrides", () => {
    const t = group.task('redis.1')!;
    const env = envOf('redis.1');
    expect(env).toMatchObject({
      PORT0: String(t.port),
      PORT: String(t.port),
      PORTS: String(t.port),
      PORT_SERVER: String(t.port),
      HOST: '127.0.0.1',
      BIND_IP: '127.0.0.1',
      MARATHON_APP_ID: '/t/redis',
      MESOS_TASK_ID: t.taskId,
      MESOS_SANDBOX: t.sandbox,
      ZK_HOSTS: '127.0.0.1:1/not-used',
      MASTER_NAME: 'mymaster',
      TERM_DELAY_MS: '100', // the app's own override beats all's
      COMMON: 'everyone',
    });
    expect(envOf('watcher.0')).toMatchObject({ COMMON: 'everyone', TERM_DELAY_MS: '5', REDIS_PASSWORD: SECRET });
    expect(t.taskId).toMatch(/^t_redis\.[0-9a-f-]{36}$/);
    expect(envOf('watcher.0').PORT_HTTP).toBe(String(group.task('watcher.0')!.port));
    expect(new Set(group.tasks().map((x) => x.port)).size).toBe(group.tasks().length);
  });

  it('finds the master by INFO (with the password) and the summary marks it, with its redis-server pid, never the password', async () => {
    const found = await findMaster(group, 5_000);
    if (!('master' in found)) throw new Error(found.reason);
    const lockedPort = Number(readFileSync(join(root, 'master.lock'), 'utf8'));
    expect(found.master.task.port).toBe(lockedPort);
    const grandchild = Number(readFileSync(join(found.master.task.sandbox, 'grandchild.pid'), 'utf8'));
    expect(found.master.redisPid).toBe(grandchild);
    const text = summary(group, found);
    const row = text.split('\n').find((l) => l.trimStart().startsWith(`${found.master.task.name} `));
    expect(row).toMatch(/healthy\s+master/);
    expect(text.split('\n').filter((l) => /\sreplica\s/.test(l))).toHaveLength(1);
    expect(text).toContain(`kill -9 ${grandchild} `);
    expect(text).toContain(`kill -9 -- -${found.master.task.pid} `);
    expect(text).toContain(`REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p ${lockedPort} info replication`);
    expect(text).not.toContain(SECRET);
  });

  it('refuses an --env or --instances selector that names no app', async () => {
    await expect(startGroup({ group: GROUP, root, zkHosts: '127.0.0.1:1/x', env: { redsi: { A: '1' } }, onEvent: () => {} })).rejects.toThrow(
      /--env redsi: no such app/,
    );
    await expect(startGroup({ group: GROUP, root, zkHosts: '127.0.0.1:1/x', instances: { all: 2 }, onEvent: () => {} })).rejects.toThrow(/--instances all/);
  });

  it('replaces a task killed with SIGKILL on new ports, and its whole process group dies with it', async () => {
    const before = group.task('redis.0')!;
    const grandchild = Number(readFileSync(join(before.sandbox, 'grandchild.pid'), 'utf8'));
    expect(alive(grandchild)).toBe(true);
    group.kill('redis.0', 'SIGKILL');
    await waitUntil(() => group.task('redis.0')!.taskId !== before.taskId && group.task('redis.0')!.healthy, 'redis.0 replaced');
    const after = group.task('redis.0')!;
    expect(after.port).not.toBe(before.port);
    expect(after.launch).toBe(2);
    expect(after.sandbox).not.toBe(before.sandbox);
    await waitUntil(() => !alive(grandchild), 'the old grandchild gone');
    expect(events.some((e) => e.type === 'task-exited' && e.task.taskId === before.taskId && e.restartInMs === 300)).toBe(true);
  });

  it('restart(): SIGTERM, and SIGKILL after taskKillGracePeriodSeconds for a task that ignores it', async () => {
    const before = group.task('sentinel.0')!;
    const t0 = Date.now();
    const after = await group.restart('sentinel.0');
    const exited = events.find((e) => e.type === 'task-exited' && e.task.taskId === before.taskId);
    expect(exited?.type === 'task-exited' && exited.task.exit?.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(after.port).not.toBe(before.port);
    expect(after.healthy).toBe(true);
  });

  it('stop() ends every task and leaves no process behind', async () => {
    const pids = group.tasks().flatMap((t) => [t.pid, Number(readFileSync(join(t.sandbox, 'grandchild.pid'), 'utf8'))]);
    await group.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(group.tasks().every((t) => t.state === 'exited')).toBe(true);
  });
});

describe('launcher command line', () => {
  const env = (argv: string[], environment: NodeJS.ProcessEnv = {}) => {
    const opts = parseArgs(argv, environment);
    if (opts === 'help') throw new Error('help');
    return opts.env;
  };

  it('--env APP:NAME takes the value from the launcher environment; all and * select every app', () => {
    expect(env(['--env', 'redis:REDIS_PASSWORD', '--env', 'sentinel:X=a=b'], { REDIS_PASSWORD: SECRET })).toEqual({
      redis: { REDIS_PASSWORD: SECRET },
      sentinel: { X: 'a=b' },
    });
    expect(env(['--env', 'all:REDIS_PASSWORD', '--env', '*:ZK_AUTH'], { REDIS_PASSWORD: SECRET, ZK_AUTH: 'u:p' })).toEqual({
      all: { REDIS_PASSWORD: SECRET, ZK_AUTH: 'u:p' },
    });
  });

  it('refuses an unset inherited variable and a malformed --env without repeating its value', () => {
    expect(() => env(['--env', 'all:REDIS_PASSWORD'], {})).toThrow(/REDIS_PASSWORD is not set in the launcher's environment/);
    let message = '';
    try {
      env(['--env', `REDIS_PASSWORD=${SECRET}`]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/expected APP:NAME=VALUE or APP:NAME/);
    expect(message).not.toContain(SECRET);
  });
});

// The real entry (the bundle `npm start` runs) on stand-in programs: the secret passed by name
// reaches the tasks but neither the launcher's output nor any command line, the summary marks the
// master, and a second Ctrl-C kills everything at once.
describe('npm start (launcher bundle, stand-in programs)', () => {
  let root: string;
  let proc: ChildProcess | undefined;
  afterAll(() => {
    if (proc?.pid && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps REDIS_PASSWORD out of its output and command lines, marks the master, and a second Ctrl-C kills everything now', async () => {
    root = mkdtempSync(join(tmpdir(), 'redis-zk-launcher-main-'));
    for (const p of ['server', 'sentinel', 'watcher']) {
      mkdirSync(join(root, 'packages', p, 'dist'), { recursive: true });
      writeFileSync(join(root, 'packages', p, 'dist', `redis-zk-${p}.mjs`), FAKE);
    }
    // A watcher that ignores SIGTERM for 30 s: only the second Ctrl-C ends the wait quickly.
    const group: GroupDef = { ...GROUP, apps: GROUP.apps!.map((a) => (a.id === '/t/watcher' ? { ...a, taskKillGracePeriodSeconds: 30 } : a)) };
    writeFileSync(join(root, 'group.json'), JSON.stringify(group));
    const bundle = join(process.cwd(), 'packages', 'launcher', 'dist', 'launcher.mjs');
    const args = [bundle, '--root', root, '--group', join(root, 'group.json'), '--state-dir', join(root, 'state'), '--health-interval', '200'];
    args.push('--env', 'all:REDIS_PASSWORD', '--env', `redis:FAKE_MASTER_LOCK=${join(root, 'master.lock')}`, '--env', 'watcher:IGNORE_TERM=1');
    proc = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH, ZK_HOSTS: '127.0.0.1:1/not-used', REDIS_PASSWORD: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
    await waitUntil(() => out.includes('Ctrl-C stops everything') || proc!.exitCode !== null, 'the summary', 30_000);

    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('all:REDIS_PASSWORD');
    expect(cmdline).not.toContain(SECRET);
    const sandboxes = join(root, 'state', 'sandboxes');
    const envs = readdirSync(sandboxes).map((d) => JSON.parse(readFileSync(join(sandboxes, d, 'env.json'), 'utf8')) as Record<string, string>);
    expect(envs.length).toBe(4);
    expect(envs.every((e) => e.REDIS_PASSWORD === SECRET)).toBe(true);

    const masterPort = readFileSync(join(root, 'master.lock'), 'utf8');
    const row = out.split('\n').find((l) => l.startsWith('  ') && l.includes(`127.0.0.1:${masterPort} `));
    expect(row).toMatch(/^\s+redis\.[01]\s+127\.0\.0\.1:\d+\s+healthy\s+master\s/);
    expect(out).toMatch(/Failover drill \(the master is redis\.[01], /);
    expect(out).toContain('REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli');
    if (process.env.SHOW_SUMMARY) process.stdout.write(out);
    const pids = readdirSync(sandboxes).flatMap((d) => [Number(readFileSync(join(sandboxes, d, 'grandchild.pid'), 'utf8'))]);

    proc.kill('SIGINT');
    await waitUntil(() => out.includes('stopping (Ctrl-C again'), 'the first SIGINT acknowledged');
    const t0 = Date.now();
    proc.kill('SIGINT');
    await exited;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(out).toMatch(/SIGINT again: killing every task and ZooKeeper now \(SIGKILL\)/);
    await waitUntil(() => pids.every((p) => !alive(p)), 'every task process gone after the second Ctrl-C', 5_000);
    expect(out).not.toContain(SECRET);
  }, 60_000);
});

// `npm start` itself: npm runs the script through sh, so the launcher must get npm's signals
// (the script execs it) and stop the group when npm goes without passing one on.
describe('npm start: signals to npm', () => {
  const roots: string[] = [];
  const groups: number[] = [];
  afterAll(() => {
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)('%s to npm\'s pid stops the whole group: no task, no launcher left', async (sig) => {
    const root = mkdtempSync(join(tmpdir(), 'redis-zk-npm-start-'));
    roots.push(root);
    for (const p of ['server', 'sentinel', 'watcher']) {
      mkdirSync(join(root, 'packages', p, 'dist'), { recursive: true });
      writeFileSync(join(root, 'packages', p, 'dist', `redis-zk-${p}.mjs`), FAKE);
    }
    writeFileSync(join(root, 'group.json'), JSON.stringify(GROUP));
    const npm = spawn('npm', ['start', '--', '--root', root, '--group', join(root, 'group.json'), '--state-dir', join(root, 'state'), '--health-interval', '200', '--env', `redis:FAKE_MASTER_LOCK=${join(root, 'master.lock')}`], {
      env: { ...process.env, ZK_HOSTS: '127.0.0.1:1/not-used' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a failed test can still kill everything
    });
    groups.push(npm.pid!);
    let out = '';
    npm.stdout!.on('data', (d) => (out += d));
    npm.stderr!.on('data', (d) => (out += d));
    await waitUntil(() => out.includes('Ctrl-C stops everything') || npm.exitCode !== null, 'the summary', 60_000);
    expect(npm.exitCode, out).toBeNull();
    const sandboxes = join(root, 'state', 'sandboxes');
    const tasks = readdirSync(sandboxes).map((d) => Number(readFileSync(join(sandboxes, d, 'grandchild.pid'), 'utf8')));
    expect(tasks.length).toBe(4);
    const launcher = descendants(npm.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('local-group.mjs'));
    expect(launcher, 'the launcher process under npm').toBeGreaterThan(0);

    process.kill(npm.pid!, sig);
    await waitUntil(() => [...tasks, launcher!].every((p) => !alive(p)), `every task and the launcher gone after ${sig} to npm`, 20_000);
  }, 90_000);
});

/** Every process below `pid`, from /proc's parent links. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) if (parent === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}
