/**
 * A whole group of the real programs on one ZooKeeper chroot: redis-zk-server ×N, redis-zk-sentinel
 * ×M (none in FAILOVER_MODE=zookeeper) and a watcher, with the faults a task can suffer (a freeze
 * of its whole process group, a kill -9) and a writer that counts a write only when `WAIT`
 * confirms a replica has it. Cleaned up by the harness like every program.
 */
import { Redis } from 'ioredis';
import { freePort, redisClient, startProgram, tempDir, waitFor, zkClient, type ProgramProcess, type TestZk } from './index.js';

export interface Task {
  port: number;
  proc: ProgramProcess;
}

export interface FullGroup {
  mode: 'sentinel' | 'zookeeper';
  zk: TestZk;
  servers: Task[];
  sentinels: Task[];
  watcher: Task;
  /** The port `/redis/master` names, undefined when it names nothing usable. */
  recordedPort(): Promise<number | undefined>;
  /** Starts one more redis-zk-server (a replacement task, as Marathon starts one on new ports). */
  addServer(extraEnv?: Record<string, string>): Promise<Task>;
  /** Starts one more redis-zk-sentinel. */
  addSentinel(extraEnv?: Record<string, string>): Promise<Task>;
  /** Until every server answers, one master as recorded, every other linked to it. */
  steady(what: string, timeoutMs?: number): Promise<number>;
}

const NO_PERSISTENCE = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

export async function startFullGroup(opts: { zkHosts: string; mode?: 'sentinel' | 'zookeeper'; servers?: number; sentinels?: number; env?: Record<string, string> }): Promise<FullGroup> {
  const mode = opts.mode ?? 'sentinel';
  const env = { ZK_HOSTS: opts.zkHosts, BIND_IP: '127.0.0.1', REDIS_PROBE_TIMEOUT_MS: '500', SHUTDOWN_TIMEOUT_MS: '3000', FAILOVER_MODE: mode, ...opts.env };
  const zk = await zkClient(opts.zkHosts);
  const servers: Task[] = [];
  for (let i = 0; i < (opts.servers ?? 3); i += 1) {
    const port = await freePort();
    const proc = startProgram('server', { ...env, PORT0: String(port), REDIS_DATA_DIR: tempDir('full-group-srv-') }, NO_PERSISTENCE);
    servers.push({ port, proc });
    if (i === 0) await waitFor(async () => (await zk.get('/redis/master')) === `127.0.0.1 ${port}`, { what: 'the first server to claim master', timeoutMs: 30_000 });
  }
  const sentinels: Task[] = [];
  for (let i = 0; i < (mode === 'zookeeper' ? 0 : (opts.sentinels ?? 3)); i += 1) {
    const port = await freePort();
    sentinels.push({ port, proc: startProgram('sentinel', { ...env, PORT0: String(port), SENTINEL_DIR: tempDir('full-group-sen-') }) });
  }
  const watcherPort = await freePort();
  const watcher = { port: watcherPort, proc: startProgram('watcher', { ...env, PORT0: String(watcherPort) }) };
  const recordedPort = async () => {
    const v = await zk.get('/redis/master');
    const m = /^127\.0\.0\.1 (\d+)$/.exec(v ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const group: FullGroup = {
    mode,
    zk,
    servers,
    sentinels,
    watcher,
    recordedPort,
    async addServer(extraEnv = {}) {
      const port = await freePort();
      const task = { port, proc: startProgram('server', { ...env, ...extraEnv, PORT0: String(port), REDIS_DATA_DIR: tempDir('full-group-srv-') }, NO_PERSISTENCE) };
      servers.push(task);
      return task;
    },
    async addSentinel(extraEnv = {}) {
      const port = await freePort();
      const task = { port, proc: startProgram('sentinel', { ...env, ...extraEnv, PORT0: String(port), SENTINEL_DIR: tempDir('full-group-sen-') }) };
      sentinels.push(task);
      return task;
    },
    async steady(what, timeoutMs = 60_000) {
      return waitFor(
        async () => {
          const master = await recordedPort();
          if (master === undefined) return false;
          for (const s of servers) {
            const info = await infoOf(s.port);
            if (info === undefined) return false;
            if (s.port === master ? info.role !== 'master' : info.role !== 'slave' || info.master_port !== String(master) || info.master_link_status !== 'up') return false;
          }
          for (const s of sentinels) {
            const c = redisClient(s.port);
            try {
              const reply = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
              const m = Object.fromEntries(reply.flatMap((v, i) => (i % 2 === 0 ? [[v, reply[i + 1]]] : [])));
              if (m.port !== String(master) || String(m.flags).includes('down') || String(m.flags).includes('failover') || m['num-slaves'] !== String(servers.length - 1) || m['num-other-sentinels'] !== String(sentinels.length - 1)) return false;
            } catch {
              return false;
            } finally {
              c.disconnect();
            }
          }
          return master;
        },
        { what, timeoutMs, intervalMs: 200 },
      );
    },
  };
  return group;
}

async function infoOf(port: number): Promise<Record<string, string> | undefined> {
  const c = redisClient(port);
  try {
    const text = await c.info('replication');
    return Object.fromEntries(text.split('\r\n').flatMap((l) => (l.includes(':') ? [l.split(':', 2) as [string, string]] : [])));
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/** Until the record names a master other than `port`; resolves with the new master's port. */
export function recordMovedFrom(g: FullGroup, port: number, timeoutMs: number): Promise<number> {
  return waitFor(async () => {
    const p = await g.recordedPort();
    return p !== undefined && p !== port ? p : undefined;
  }, { what: `the record to move from ${port}`, timeoutMs });
}

/** Until the server on `port` is a replica of `master` with its link up. */
export async function linkedTo(port: number, master: number, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const info = await infoOf(port);
    return info?.master_port === String(master) && info.master_link_status === 'up';
  }, { what, timeoutMs });
}

/** kill -9 of a task's redis-server only (its wrapper sees it exit); resolves with the pid killed. */
export async function killRedisServer(task: Task): Promise<number> {
  const c = redisClient(task.port);
  try {
    const pid = Number(/process_id:(\d+)/.exec(await c.info('server'))?.[1]);
    process.kill(pid, 'SIGKILL');
    return pid;
  } finally {
    c.disconnect();
  }
}

/** SIGSTOP to a task's whole process group (the wrapper and its redis-server), SIGCONT after `ms`. */
export async function freezeTask(task: Task, ms: number): Promise<void> {
  process.kill(-task.proc.pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, ms)); // the fault's length, not a wait for a condition
  } finally {
    process.kill(-task.proc.pid, 'SIGCONT');
  }
}

export interface DurableAck {
  key: string;
  port: number;
  at: number;
}

/**
 * Writes `SET <prefix><n>` then `WAIT 1 <waitMs>` to the master `/redis/master` names (read again
 * after every failure, and every 500 ms), and counts a write as acknowledged only when WAIT says
 * a replica has it: what an application that needs durability across a failover does.
 */
export function startDurableWriter(group: FullGroup, prefix: string, waitMs = 500) {
  const acks: DurableAck[] = [];
  let failures = 0;
  let running = true;
  let port: number | undefined;
  let client: Redis | undefined;
  let readAt = 0;
  const connect = async () => {
    const now = await group.recordedPort().catch(() => undefined);
    readAt = Date.now();
    if (now === undefined) return;
    if (now !== port || client === undefined) {
      client?.disconnect();
      port = now;
      client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: waitMs + 500, retryStrategy: () => null }).on('error', () => undefined);
    }
  };
  const done = (async () => {
    for (let i = 0; running; i += 1) {
      if (client === undefined || client.status === 'end' || Date.now() - readAt > 500) await connect();
      const c = client;
      const at = port;
      if (c === undefined || at === undefined) {
        await new Promise((r) => setTimeout(r, 50)); // the retry rate while nothing is recorded
        continue;
      }
      const key = `${prefix}${i}`;
      try {
        await c.set(key, String(at));
        const replicas = Number(await c.call('WAIT', '1', String(waitMs)));
        if (replicas >= 1) acks.push({ key, port: at, at: Date.now() });
        else failures += 1;
      } catch {
        failures += 1;
        client = undefined;
      }
      await new Promise((r) => setTimeout(r, 5)); // the write rate, not a wait for a condition
    }
  })();
  return {
    acks,
    failures: () => failures,
    async stop() {
      running = false;
      await done;
      client?.disconnect();
    },
  };
}

/**
 * Every 100 ms, a write to each of `ports()` answering ROLE master, in parallel: two OKs in one
 * round are two masters accepting writes at once (a master paused by a hand-over does not answer
 * within the round).
 */
export function startTwoMasterProbe(ports: () => number[]): { readonly rounds: number; doubleWrites: string[]; stop(): Promise<void> } {
  const doubleWrites: string[] = [];
  let rounds = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const accepted = await Promise.all(
        ports().map(async (port) => {
          const c = redisClient(port);
          try {
            if (String(((await c.call('ROLE')) as unknown[])[0]) !== 'master') return undefined;
            const r = await Promise.race([c.set(`probe:${rounds}`, String(port)), new Promise<'late'>((res) => setTimeout(() => res('late'), 300))]);
            return r === 'OK' ? port : undefined;
          } catch {
            return undefined;
          } finally {
            c.disconnect();
          }
        }),
      );
      const writable = accepted.filter((p) => p !== undefined);
      if (writable.length > 1) doubleWrites.push(`round ${rounds}: ${writable.join(', ')}`);
      rounds += 1;
      await new Promise((r) => setTimeout(r, 100)); // the probe's period, not a wait for a condition
    }
  })();
  return {
    get rounds() {
      return rounds;
    },
    doubleWrites,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
