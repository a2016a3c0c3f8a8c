/**
 * Many groups on one chroot: two groups of redis-zk-server (the default `mymaster` and `cache`)
 * beside one set of three redis-zk-sentinel and one redis-zk-watcher. Each group has its own
 * lock, nodes, record and master; a failover in one never touches the other; a group created
 * later is monitored at run time, and one removed is dropped.
 */
import { describe, expect, it } from 'vitest';
import { freePort, redisClient, sharedZkHosts, startProgram, tempDir, waitFor, zkClient, type TestZk } from '../harness/index.js';

const TIMINGS = { ZK_SESSION_TIMEOUT_MS: '4000', SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '3000' };
const REDIS_ARGS = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];

async function info(port: number, section: string): Promise<string> {
  const c = redisClient(port);
  try {
    return await c.info(section);
  } catch {
    return '';
  } finally {
    c.disconnect();
  }
}

/** Name → `<host> <port>` of every master a sentinel monitors. */
async function monitored(port: number): Promise<Map<string, string>> {
  const c = redisClient(port);
  try {
    const rows = (await c.call('SENTINEL', 'MASTERS')) as string[][];
    return new Map(
      rows.map((r) => {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < r.length; i += 2) f.set(r[i]!, r[i + 1]!);
        return [f.get('name')!, `${f.get('ip')} ${f.get('port')}`];
      }),
    );
  } finally {
    c.disconnect();
  }
}

async function startServers(hosts: string, zk: TestZk, name: string | undefined, count: number): Promise<number[]> {
  const ports: number[] = [];
  const record = name === undefined ? '/redis/master' : `/redis/masters/${name}`;
  for (let i = 0; i < count; i += 1) {
    const port = await freePort();
    const env: Record<string, string> = { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', ZK_SESSION_TIMEOUT_MS: '4000', REDIS_PROBE_TIMEOUT_MS: '500', SHUTDOWN_TIMEOUT_MS: '3000', REDIS_DATA_DIR: tempDir('groups-srv-') };
    if (name !== undefined) env.MASTER_NAME = name;
    startProgram('server', env, REDIS_ARGS);
    ports.push(port);
    if (i === 0) await waitFor(async () => (await zk.get(record)) === `127.0.0.1 ${port}`, { what: `the first server of ${name ?? 'mymaster'} to claim`, timeoutMs: 20_000 });
  }
  await waitFor(async () => new RegExp(`connected_slaves:${count - 1}`).test(await info(ports[0]!, 'replication')), { what: `${count - 1} replica(s) in ${name ?? 'mymaster'}`, timeoutMs: 30_000 });
  return ports;
}

describe('two groups, one sentinel set, one watcher', () => {
  it('keeps the groups apart: own lock, nodes, record and master; a failover in one moves only its record; groups come and go at run time', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const main = await startServers(hosts, zk, undefined, 2);
    const cache = await startServers(hosts, zk, 'cache', 2);

    // Layout: the default group where 0.1.0 put it, the other under /redis/groups/cache.
    // (A replica links up as soon as its redis-server starts, a moment before its wrapper registers.)
    await waitFor(async () => (await zk.children('/redis/nodes')).length === 2, { what: 'two servers in /redis/nodes', timeoutMs: 10_000 });
    await waitFor(async () => (await zk.children('/redis/groups/cache/nodes')).length === 2, { what: 'two servers in /redis/groups/cache/nodes', timeoutMs: 10_000 });
    expect(await zk.get('/redis/masters/mymaster')).toBe(`127.0.0.1 ${main[0]}`);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${main[0]}`);
    expect(await zk.get('/redis/masters/cache')).toBe(`127.0.0.1 ${cache[0]}`);
    // Each replica follows its own group's master.
    expect(await info(main[1]!, 'replication')).toContain(`master_port:${main[0]}`);
    expect(await info(cache[1]!, 'replication')).toContain(`master_port:${cache[0]}`);

    const sentinels: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      startProgram('sentinel', { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', SENTINEL_DIR: tempDir('groups-sen-'), ...TIMINGS });
      sentinels.push(port);
    }
    await waitFor(async () => (await zk.children('/redis/sentinels')).length === 3, { what: 'three sentinels registered', timeoutMs: 30_000 });
    for (const s of sentinels) {
      expect(Object.fromEntries(await monitored(s))).toEqual({ mymaster: `127.0.0.1 ${main[0]}`, cache: `127.0.0.1 ${cache[0]}` });
    }
    const watcherPort = await freePort();
    startProgram('watcher', { ZK_HOSTS: hosts, PORT0: String(watcherPort), BIND_IP: '127.0.0.1', RECONCILE_INTERVAL_MS: '1000' });
    const http = (path: string, accept = 'application/json') => fetch(`http://127.0.0.1:${watcherPort}${path}`, { headers: { accept } });
    await waitFor(async () => (await http('/health').catch(() => undefined))?.status === 200, { what: 'watcher healthy', timeoutMs: 20_000 });
    expect(await (await http('/masters')).json()).toEqual({ cache: { host: '127.0.0.1', port: cache[0] }, mymaster: { host: '127.0.0.1', port: main[0] } });
    expect(await (await http('/masters', 'text/plain')).text()).toBe(`cache 127.0.0.1:${cache[0]}\nmymaster 127.0.0.1:${main[0]}\n`);
    expect(await (await http('/master/cache', 'text/plain')).text()).toBe(`127.0.0.1:${cache[0]}`);
    const cacheStatus = await waitFor(async () => {
      const st = (await (await http('/status/cache')).json()) as { name: string; nodes: unknown[] };
      return st.nodes.length === 2 && st;
    }, { what: "the watcher's /status/cache to list cache's two nodes", timeoutMs: 10_000 });
    expect(cacheStatus.name).toBe('cache');

    // kill -9 of cache's master: only cache's record moves, to cache's replica.
    const pid = Number(/process_id:(\d+)/.exec(await info(cache[0]!, 'server'))![1]);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await zk.get('/redis/masters/cache')) === `127.0.0.1 ${cache[1]}`, { what: "cache's record to name its replica", timeoutMs: 30_000 });
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${main[0]}`);
    expect(await zk.get('/redis/masters/mymaster')).toBe(`127.0.0.1 ${main[0]}`);
    expect(Number(await zk.get('/redis/epochs/cache'))).toBeGreaterThan(0);
    expect(await info(main[1]!, 'replication')).toContain(`master_port:${main[0]}`);
    await waitFor(async () => (await (await http('/master/cache', 'text/plain')).text()) === `127.0.0.1:${cache[1]}`, { what: 'the watcher to serve the new cache master', timeoutMs: 10_000 });

    // A record naming another group's master (here cache's) is never monitored under a second name.
    await zk.set('/redis/masters/dup', `127.0.0.1 ${cache[1]}`);
    // A third group created later is monitored by the running sentinels; removing it drops it.
    const late = await startServers(hosts, zk, 'late', 1);
    await waitFor(
      async () => {
        for (const s of sentinels) if ((await monitored(s)).get('late') !== `127.0.0.1 ${late[0]}`) return false;
        return true;
      },
      { what: 'every sentinel to monitor the new group', timeoutMs: 20_000 },
    );
    // late was created after dup: by now every sentinel has looked at dup and refused it.
    for (const s of sentinels) expect((await monitored(s)).has('dup')).toBe(false);
    await zk.remove('/redis/masters/dup');
    await waitFor(async () => (await http('/health/late').catch(() => undefined))?.status === 200, { what: 'the watcher to find late healthy', timeoutMs: 20_000 });
    expect((await http('/health/nope')).status).toBe(404);

    // Its only server dies: /health/late says so; /health names it but stays 200 (the shared
    // watcher serves the other groups, and restarting it would not help late).
    const latePid = Number(/process_id:(\d+)/.exec(await info(late[0]!, 'server'))![1]);
    process.kill(latePid, 'SIGKILL');
    const lateHealth = await waitFor(async () => {
      const r = await http('/health/late');
      return r.status === 503 && ((await r.json()) as { reason: string });
    }, { what: '/health/late to turn 503', timeoutMs: 30_000 });
    expect(lateHealth.reason).toMatch(/cannot monitor the master/);
    // (A sentinel retrying the failover it cannot do counts as busy for a moment: wait for a reading.)
    await waitFor(async () => {
      const r = await http('/health');
      const names = ((await r.json()) as { unhealthyGroups: { name: string }[] }).unhealthyGroups.map((g) => g.name);
      return r.status === 200 && names.join(',') === 'late';
    }, { what: '/health to stay 200 and name late as unhealthy', timeoutMs: 15_000 });

    // The operator removes the group (its servers gone): the sentinels stop monitoring it.
    await zk.remove('/redis/masters/late');
    await waitFor(
      async () => {
        for (const s of sentinels) if ((await monitored(s)).has('late')) return false;
        return true;
      },
      { what: 'every sentinel to drop the removed group', timeoutMs: 20_000 },
    );
    for (const s of sentinels) expect([...(await monitored(s)).keys()].sort()).toEqual(['cache', 'mymaster']);
    await waitFor(async () => (await http('/master/late')).status === 404, { what: 'the watcher to forget the removed group', timeoutMs: 10_000 });
  });

  it('refuses a server whose name would make it join another group (a 0.1.0 group named foo, upgraded without DEFAULT_MASTER_NAME)', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    // 0.1.0's layout for a group named foo: /redis/master and /redis/masters/foo hold its master.
    await zk.set('/redis/master', '127.0.0.1 1');
    await zk.set('/redis/masters/foo', '127.0.0.1 1');
    const port = await freePort();
    const p = startProgram('server', { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', MASTER_NAME: 'foo', REDIS_DATA_DIR: tempDir('groups-srv-') }, REDIS_ARGS);
    const exit = await p.exited;
    expect(exit.code).toBe(2);
    expect(p.logs().some((l) => l.code === 'GROUP_MISMATCH')).toBe(true);
    expect(p.output()).toContain('DEFAULT_MASTER_NAME=foo');
    expect(await zk.children('/redis/groups/foo/nodes').catch(() => [])).toEqual([]);
  });
});
