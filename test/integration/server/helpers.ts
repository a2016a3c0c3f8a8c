import type { Redis } from 'ioredis';
import { freePort, type ProgramProcess, redisClient, startProgram, tempDir, type TestZk, waitFor } from '../../harness/index.js';
import { startRedisSentinel } from '../../harness/redis-sentinel.js';

export interface ServerUnderTest {
  port: number;
  proc: ProgramProcess;
  redis: Redis;
  /** REDIS_DATA_DIR: where redis-zk-server.conf is written. */
  dataDir: string;
}

/** Short timings for tests; no RDB/AOF so a restarted node really comes back empty. */
export function serverEnv(zkHosts: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ZK_HOSTS: zkHosts,
    PORT0: String(port),
    BIND_IP: '127.0.0.1',
    ZK_SESSION_TIMEOUT_MS: '4000',
    ZK_CONNECT_TIMEOUT_MS: '10000',
    REDIS_PROBE_TIMEOUT_MS: '500',
    SHUTDOWN_TIMEOUT_MS: '3000',
    REDIS_DATA_DIR: tempDir('redis-zk-server-test-'),
    ...extra,
  };
}

// Diskless sync without its 5 s batching delay keeps replica link-up fast in tests.
export const NO_PERSISTENCE = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

export async function startServer(zkHosts: string, opts: { port?: number; env?: Record<string, string>; redisArgs?: string[] } = {}): Promise<ServerUnderTest> {
  const port = opts.port ?? (await freePort());
  const env = serverEnv(zkHosts, port, opts.env);
  const proc = startProgram('server', env, [...NO_PERSISTENCE, ...(opts.redisArgs ?? [])]);
  let client: Redis | undefined;
  // Created on first use: a client made before redis-server listens gives up retrying.
  return {
    port,
    proc,
    dataDir: env.REDIS_DATA_DIR ?? '',
    get redis() {
      return (client ??= redisClient(port));
    },
  };
}

/** A master `a` and a replica `b` on `zkHosts`, both up and registered, b's replication link up. */
export async function startLinkedPair(
  zkHosts: string,
  env: { a?: Record<string, string>; b?: Record<string, string> } = {},
): Promise<{ a: ServerUnderTest; b: ServerUnderTest }> {
  const a = await startServer(zkHosts, { env: env.a });
  await a.proc.waitForLog(isUp, 20_000);
  const b = await startServer(zkHosts, { env: env.b });
  await b.proc.waitForLog(isUp, 20_000);
  await waitFor(async () => (await replication(b.redis)).linkUp, { what: 'b linked to a' });
  return { a, b };
}

export interface Replication {
  role: string;
  masterPort: number | undefined;
  linkUp: boolean;
}

export async function replication(redis: Redis): Promise<Replication> {
  const text = await redis.info('replication');
  const get = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(text)?.[1]?.trim();
  const mp = get('master_port');
  return { role: get('role') ?? '?', masterPort: mp === undefined ? undefined : Number(mp), linkUp: get('master_link_status') === 'up' };
}

/** True for the wrapper's line saying its redis-server is up and registered. */
export function isUp(line: Record<string, unknown>): boolean {
  return line.event === 'SERVER_UP';
}

/** A plain redis-sentinel (1 s down-after, 3 s failover timeout) monitoring 127.0.0.1:masterPort; returns its port. */
export async function startSentinel(masterPort: number): Promise<number> {
  return (await startRedisSentinel({ masterPort, quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 3000 })).port;
}

/** Every sentinel sees the replica connected (not just named in the master's INFO). */
export async function sentinelsSeeReplica(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const replicas = (await redisClient(port).call('SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
    const flags = replicas.map((r) => r[r.indexOf('flags') + 1]);
    if (flags.length !== 1 || flags[0] !== 'slave') return false;
  }
  return true;
}

/**
 * Three plain redis-sentinels monitoring 127.0.0.1:masterPort, registered as /redis/sentinels/s0..s2;
 * resolves with their ports once every one sees the replica connected.
 */
export async function registerSentinels(zk: TestZk, masterPort: number): Promise<number[]> {
  await zk.set('/redis/sentinels', '');
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await startSentinel(masterPort);
    sentinelPorts.push(port);
    await zk.create(`/redis/sentinels/s${i}`, `127.0.0.1 ${port}`, 0);
  }
  await waitFor(() => sentinelsSeeReplica(sentinelPorts), { what: 'every sentinel connected to the replica', timeoutMs: 20_000 });
  return sentinelPorts;
}
