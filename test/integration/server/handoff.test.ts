import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, redisClient, sharedZkHosts, startProcess, tempDir, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, startServer } from './helpers.js';

async function startSentinel(masterPort: number): Promise<number> {
  const port = await freePort();
  const dir = tempDir('redis-zk-sentinel-test-');
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
      'sentinel down-after-milliseconds mymaster 1000',
      'sentinel failover-timeout mymaster 3000',
      '',
    ].join('\n'),
  );
  startProcess(`redis-sentinel:${port}`, 'redis-sentinel', [conf]);
  const c = redisClient(port);
  await waitFor(async () => (await c.ping()) === 'PONG', { what: `sentinel ${port} up` });
  return port;
}

describe('rolling restart of the master with sentinels', () => {
  it('SIGTERM on the master asks a sentinel to fail over first; no acknowledged write is lost', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    await waitFor(async () => (await replication(b.redis)).linkUp, { what: 'b linked' });
    const zk = await zkClient(hosts);
    await zk.set('/redis/sentinels', '');
    for (let i = 0; i < 3; i++) {
      const port = await startSentinel(a.port);
      await zk.create(`/redis/sentinels/s${i}`, `127.0.0.1 ${port}`, 0);
    }
    // Let the sentinels discover the replica before asking them anything.
    const s0 = redisClient(Number((await zk.get('/redis/sentinels/s0'))!.split(' ')[1]));
    await waitFor(async () => ((await s0.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length === 1, { what: 'sentinel to see the replica', timeoutMs: 15_000 });

    await a.redis.set('last-write', 'kept');
    a.proc.signal('SIGTERM');
    expect((await a.proc.exited).code).toBe(0);
    expect(a.proc.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith('The sentinels promoted'))).toBe(true);
    expect((await replication(b.redis)).role).toBe('master');
    expect(await b.redis.get('last-write')).toBe('kept');
  }, 60_000);
});
