// The local launcher's Marathon behaviour, on stand-in programs (tiny Node servers in the bundles'
// places) so that it is checked apart from redis-zk itself: the task environment, fresh ports
// per launch, dependency order, health checks, restart of a dead task on new ports, SIGTERM then
// SIGKILL after the grace period, and nothing left running after stop().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGroup, type LauncherEvent, type LocalGroup } from '../../packages/launcher/src/launcher.js';
import type { AppDef, GroupDef } from '../../packages/launcher/src/definitions.js';

// Listens on PORT0 (HTTP /health for the watcher, plain TCP otherwise), records its env, starts
// a grandchild (to prove the task's whole process group goes), and on SIGTERM exits after
// TERM_DELAY_MS, or never when IGNORE_TERM is set.
const FAKE = `
import { createServer as http } from 'node:http';
import { createServer as tcp } from 'node:net';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
writeFileSync(process.env.MESOS_SANDBOX + '/env.json', JSON.stringify(process.env));
const kid = spawn('sleep', ['1000'], { stdio: 'ignore' });
writeFileSync(process.env.MESOS_SANDBOX + '/grandchild.pid', String(kid.pid));
const port = Number(process.env.PORT0);
const srv = process.env.MARATHON_APP_LABEL_REDIS_ZK_PROGRAM === 'watcher'
  ? http((req, res) => { res.statusCode = req.url === '/health' ? 200 : 404; res.end('{}'); })
  : tcp((s) => s.end());
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
      env: { sentinel: { IGNORE_TERM: '1' }, '/t/redis': { TERM_DELAY_MS: '100' } },
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
      TERM_DELAY_MS: '100',
    });
    expect(t.taskId).toMatch(/^t_redis\.[0-9a-f-]{36}$/);
    expect(envOf('watcher.0').PORT_HTTP).toBe(String(group.task('watcher.0')!.port));
    expect(new Set(group.tasks().map((x) => x.port)).size).toBe(group.tasks().length);
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
