/**
 * A plain `redis-sentinel` (not redis-zk-sentinel) on 127.0.0.1, for tests that need Sentinel's
 * own behaviour around a program under test. Killed after the test (the file, from beforeAll).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, redisClient, SENTINEL_BIN, startProcess, tempDir, waitFor, type StartedProcess } from './index.js';

export interface RedisSentinelOptions {
  masterPort: number;
  masterHost?: string;
  /** Default `mymaster`. */
  name?: string;
  /** Default 2. */
  quorum?: number;
  /** Each one left out is Sentinel's own default (30 s, 3 min, 1). */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  parallelSyncs?: number;
  /** More sentinel.conf lines (e.g. `sentinel config-epoch mymaster 50`). */
  extraConf?: string[];
}

export interface RedisSentinel {
  host: string;
  port: number;
  process: StartedProcess;
}

/** Writes its sentinel.conf in its own temp dir and resolves once it answers PING. */
export async function startRedisSentinel(opts: RedisSentinelOptions): Promise<RedisSentinel> {
  const name = opts.name ?? 'mymaster';
  const port = await freePort();
  const dir = tempDir('redis-zk-sentinel-test-');
  const conf = join(dir, 'sentinel.conf');
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} ${opts.masterHost ?? '127.0.0.1'} ${opts.masterPort} ${opts.quorum ?? 2}`];
  if (opts.downAfterMs !== undefined) lines.push(`sentinel down-after-milliseconds ${name} ${opts.downAfterMs}`);
  if (opts.failoverTimeoutMs !== undefined) lines.push(`sentinel failover-timeout ${name} ${opts.failoverTimeoutMs}`);
  if (opts.parallelSyncs !== undefined) lines.push(`sentinel parallel-syncs ${name} ${opts.parallelSyncs}`);
  lines.push(...(opts.extraConf ?? []));
  writeFileSync(conf, [...lines, ''].join('\n'));
  const proc = startProcess(`redis-sentinel:${port}`, SENTINEL_BIN, [conf]);
  const client = redisClient(port);
  await waitFor(async () => (await client.ping()) === 'PONG', { what: `redis-sentinel on port ${port} to answer PING` });
  client.disconnect();
  return { host: '127.0.0.1', port, process: proc };
}
