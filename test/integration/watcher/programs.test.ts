/**
 * The same failover as failover.test.ts, with the real group: redis-zk-server ×3 and
 * redis-zk-sentinel ×3 (their own registrations and records), and the watcher.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { freePort, redisClient, sharedZkHosts, startProgram, tempDir, waitFor, zkClient } from '../../harness/index.js';
import { watcherEnv } from './group.js';

const TIMINGS = { ZK_SESSION_TIMEOUT_MS: '4000', SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '3000' };

async function role(port: number): Promise<string | undefined> {
  const c = redisClient(port);
  try {
    return String(((await c.call('ROLE')) as unknown[])[0]);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

describe('redis-zk-watcher with redis-zk-server and redis-zk-sentinel', () => {
  it('after kill -9 of the master redis-server, /redis/master names what every sentinel reports', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const servers: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      startProgram(
        'server',
        { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', ZK_SESSION_TIMEOUT_MS: '4000', REDIS_PROBE_TIMEOUT_MS: '500', SHUTDOWN_TIMEOUT_MS: '3000', REDIS_DATA_DIR: tempDir('watcher-srv-') },
        ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'],
      );
      servers.push(port);
      if (i === 0) await waitFor(async () => (await zk.get('/redis/master')) === `127.0.0.1 ${port}`, { what: 'first server to claim master', timeoutMs: 20_000 });
    }
    const master = servers[0]!;
    const mc = redisClient(master);
    await waitFor(async () => /connected_slaves:2/.test(await mc.info('replication')), { what: 'two replicas', timeoutMs: 30_000 });
    const sentinels: number[] = [];
    const sentinelProcs: ReturnType<typeof startProgram>[] = [];
    onTestFailed(() => console.log(sentinelProcs.map((p) => p.output().split('\n').filter((l) => /[+-](switch-master|sdown|odown|failover|elected|selected|promoted|vote|config-update|monitor)|SENTINEL_REPOINTED|SENTINEL_KEPT/.test(l)).slice(-40).join('\n')).join('\n----\n')));
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      sentinelProcs.push(startProgram('sentinel', { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', SENTINEL_DIR: tempDir('watcher-sen-'), ...TIMINGS }));
      sentinels.push(port);
    }
    await waitFor(async () => (await zk.children('/redis/sentinels')).length === 3, { what: 'three sentinels registered', timeoutMs: 30_000 });
    await waitFor(
      async () => {
        for (const p of sentinels) {
          const c = redisClient(p);
          const m = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
          c.disconnect();
          const i = m.indexOf('num-other-sentinels');
          if (m[i + 1] !== '2') return false;
        }
        return true;
      },
      { what: 'sentinels to know each other', timeoutMs: 30_000 },
    );
    const env = await watcherEnv(hosts);
    startProgram('watcher', env);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${env.PORT0}/health`).catch(() => undefined))?.status === 200, { what: 'watcher healthy', timeoutMs: 15_000 });

    const pid = Number(/process_id:(\d+)/.exec(await mc.info('server'))![1]);
    mc.disconnect();
    process.kill(pid, 'SIGKILL');
    const recorded = await waitFor(async () => {
      const v = await zk.get('/redis/master');
      return v !== `127.0.0.1 ${master}` && v;
    }, { what: '/redis/master to move off the killed master', timeoutMs: 30_000 });
    const views = await waitFor(async () => {
      const all = await Promise.all(sentinels.map(async (p) => {
        const c = redisClient(p);
        try {
          const a = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
          return `${a[0]} ${a[1]}`;
        } finally {
          c.disconnect();
        }
      }));
      // The crash failover records the new master before the sentinels finish their failover.
      return all.every((v) => v === all[0]) && all[0] !== `127.0.0.1 ${master}` && all;
    }, { what: 'sentinels to agree on a new master', timeoutMs: 15_000 });
    expect(recorded).toBe(views[0]);
    expect(await role(Number(recorded.split(' ')[1]))).toBe('master');
    expect(await (await fetch(`http://127.0.0.1:${env.PORT0}/master`)).text()).toBe(recorded.replace(' ', ':'));
  });
});
