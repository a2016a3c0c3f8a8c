import { freePort, redisClient, startProgram, tempDir, waitFor, type ProgramProcess, type TestZk } from '../../harness/index.js';

/** Short timings so failures are detected in about a second (brief: tests use these). */
export const TIMINGS = {
  ZK_SESSION_TIMEOUT_MS: '4000',
  SENTINEL_DOWN_AFTER_MS: '1000',
  SENTINEL_FAILOVER_TIMEOUT_MS: '3000',
} as const;

export interface StartedSentinel {
  port: number;
  proc: ProgramProcess;
}

export async function startSentinel(zkHosts: string, extra: Record<string, string> = {}): Promise<StartedSentinel> {
  const port = await freePort();
  const proc = startProgram('sentinel', {
    BIND_IP: '127.0.0.1',
    PORT0: String(port),
    ZK_HOSTS: zkHosts,
    SENTINEL_DIR: tempDir('redis-zk-sentinel-test-'),
    LOG_LEVEL: 'debug',
    ...TIMINGS,
    ...extra,
  });
  return { port, proc };
}

/** redis-zk-server without persistence and without the diskless-sync delay, so replicas link up fast. */
export async function startServer(zkHosts: string, extra: Record<string, string> = {}): Promise<{ port: number; proc: ProgramProcess }> {
  const port = await freePort();
  const proc = startProgram(
    'server',
    {
      BIND_IP: '127.0.0.1',
      PORT0: String(port),
      ZK_HOSTS: zkHosts,
      ZK_SESSION_TIMEOUT_MS: TIMINGS.ZK_SESSION_TIMEOUT_MS,
      REDIS_PROBE_TIMEOUT_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '3000',
      REDIS_DATA_DIR: tempDir('redis-zk-server-test-'),
      ...extra,
    },
    ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'],
  );
  return { port, proc };
}

export function serverUp(line: Record<string, unknown>): boolean {
  return line.event === 'SERVER_UP';
}

export function registered(line: Record<string, unknown>): boolean {
  return line.event === 'SENTINEL_REGISTERED';
}

/** SENTINEL MASTER <name> of the sentinel on `port` as a map. */
export async function sentinelMaster(port: number, name = 'mymaster', password?: string): Promise<Record<string, string>> {
  const c = redisClient(port, '127.0.0.1', password);
  try {
    const reply = (await c.call('SENTINEL', 'MASTER', name)) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]!] = reply[i + 1]!;
    return out;
  } finally {
    c.disconnect();
  }
}

export async function masterAddr(port: number, name = 'mymaster'): Promise<string | undefined> {
  const c = redisClient(port);
  try {
    const reply = (await c.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
    return reply ? `${reply[0]} ${reply[1]}` : undefined;
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

export async function registeredSentinels(zk: TestZk): Promise<string[]> {
  const ids = await zk.children('/redis/sentinels');
  const values = await Promise.all(ids.map((id) => zk.get(`/redis/sentinels/${id}`)));
  return values.filter((v): v is string => v !== undefined).sort();
}

/** The pid of the redis-server answering on `port` (INFO server process_id). */
export async function redisPid(port: number): Promise<number> {
  const c = redisClient(port);
  try {
    const info = await c.info('server');
    const m = /process_id:(\d+)/.exec(info);
    if (!m) throw new Error(`no process_id in INFO of ${port}`);
    return Number(m[1]);
  } finally {
    c.disconnect();
  }
}

export async function waitForSentinels(ports: number[], check: (m: Record<string, string>) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const all = await Promise.all(ports.map((p) => sentinelMaster(p)));
      return all.every(check) ? true : (all.map((m) => ({ flags: m.flags, others: m['num-other-sentinels'], slaves: m['num-slaves'], ip: m.ip, port: m.port })) as unknown as false);
    },
    { timeoutMs, what, intervalMs: 250 },
  );
}

/** `<host> <port>` of the other sentinels the sentinel on `port` knows (SENTINEL SENTINELS). */
export async function knownSentinels(port: number, name = 'mymaster'): Promise<string[]> {
  const c = redisClient(port);
  try {
    const reply = (await c.call('SENTINEL', 'SENTINELS', name)) as string[][];
    return reply.map((e) => `${e[e.indexOf('ip') + 1]} ${e[e.indexOf('port') + 1]}`).sort();
  } finally {
    c.disconnect();
  }
}
