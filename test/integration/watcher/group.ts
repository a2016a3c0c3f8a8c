/**
 * A small Redis group for the watcher's tests: plain redis-server (1 master, 2 replicas) and
 * redis-sentinel processes registered in ZooKeeper the way redis-zk-server/-sentinel register
 * (ephemeral `/redis/sentinels/<uuid>` = `<host> <port>`, `/redis/master`). Plain processes keep
 * these tests about the watcher alone: a failover here is Sentinel's, not another program's.
 */
import { randomUUID } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { freePort, redisClient, redisPidOf, startProgram, startRedisServer, waitFor, zkClient, type ProgramProcess, type RedisServer, type StartedProcess, type TestZk } from '../../harness/index.js';
import { startRedisSentinel } from '../../harness/redis-sentinel.js';

export interface SentinelProc {
  port: number;
  process: StartedProcess;
  /** The ZooKeeper entry's name under /redis/sentinels. */
  id: string;
}

export interface Group {
  name: string;
  zkHosts: string;
  zk: TestZk;
  servers: RedisServer[];
  sentinels: SentinelProc[];
  /** What every live sentinel says the master is (`<host> <port>`), once they agree. */
  agreedMaster(): Promise<string>;
  /** The sentinels' answers, undefined for one that does not answer. */
  sentinelViews(): Promise<(string | undefined)[]>;
  role(port: number): Promise<string | undefined>;
  /** SENTINEL FAILOVER through a live sentinel; resolves when every live sentinel names a new master that answers role:master. */
  failover(): Promise<string>;
  live(): SentinelProc[];
  killSentinel(s: SentinelProc): Promise<void>;
}

export async function startGroup(opts: { zkHosts: string; name?: string; sentinels?: number; registerPersistent?: boolean }): Promise<Group> {
  const name = opts.name ?? 'mymaster';
  const zk = await zkClient(opts.zkHosts);
  const master = await startRedisServer();
  const replicas = await Promise.all([1, 2].map(() => startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] })));
  const servers = [master, ...replicas];
  const mc = redisClient(master.port);
  await waitFor(async () => /connected_slaves:2/.test(await mc.info('replication')), { what: 'both replicas to connect to the master', timeoutMs: 15_000 });
  mc.disconnect();
  await zk.set('/redis/master', `127.0.0.1 ${master.port}`);

  const sentinels: SentinelProc[] = [];
  for (let i = 0; i < (opts.sentinels ?? 3); i += 1) {
    const { port, process: proc } = await startRedisSentinel({ masterPort: master.port, name, quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 3000, parallelSyncs: 1 });
    sentinels.push({ port, process: proc, id: randomUUID() });
  }
  const clients = new Map(sentinels.map((s) => [s.port, redisClient(s.port)]));
  // A failover needs every sentinel to know the others (hello messages every 2 s) and the replicas.
  await waitFor(
    async () => {
      for (const s of sentinels) {
        const m = flat(await clients.get(s.port)!.call('SENTINEL', 'MASTER', name));
        if (m['num-other-sentinels'] !== String(sentinels.length - 1) || m['num-slaves'] !== '2') return false;
      }
      return true;
    },
    { what: 'sentinels to discover each other and the replicas', timeoutMs: 20_000 },
  );
  // As redis-zk-server does: every server a live node of the group (rule A2 checks membership).
  await zk.set('/redis/nodes', '');
  for (const srv of servers) await zk.create(`/redis/nodes/${randomUUID()}`, `127.0.0.1 ${srv.port}`, zookeeper.CreateMode.EPHEMERAL);
  for (const s of sentinels) {
    await zk.set('/redis/sentinels', '');
    await zk.create(`/redis/sentinels/${s.id}`, `127.0.0.1 ${s.port}`, opts.registerPersistent ? zookeeper.CreateMode.PERSISTENT : zookeeper.CreateMode.EPHEMERAL);
  }

  const dead = new Set<number>();
  const live = () => sentinels.filter((s) => !dead.has(s.port));
  const sentinelViews = () =>
    Promise.all(
      live().map(async (s) => {
        try {
          const a = (await clients.get(s.port)!.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
          return a === null ? undefined : `${a[0]} ${a[1]}`;
        } catch {
          return undefined;
        }
      }),
    );
  const role = async (port: number) => {
    const c = redisClient(port);
    try {
      const r = (await c.call('ROLE')) as unknown[];
      return String(r[0]);
    } catch {
      return undefined;
    } finally {
      c.disconnect();
    }
  };
  const agreedMaster = async () => {
    const views = await sentinelViews();
    const first = views[0];
    if (first === undefined || views.some((v) => v !== first)) throw new Error(`sentinels disagree: ${JSON.stringify(views)}`);
    return first;
  };
  const group: Group = {
    name,
    zkHosts: opts.zkHosts,
    zk,
    servers,
    sentinels,
    agreedMaster,
    sentinelViews,
    role,
    live,
    async failover() {
      const before = await agreedMaster();
      const s = live()[0]!;
      await waitFor(
        async () => {
          try {
            return (await clients.get(s.port)!.call('SENTINEL', 'FAILOVER', name)) === 'OK';
          } catch {
            return false; // INPROG / NOGOODSLAVE while the previous failover settles
          }
        },
        { what: 'SENTINEL FAILOVER to be accepted', timeoutMs: 20_000 },
      );
      return waitFor(
        async () => {
          const views = await sentinelViews();
          const v = views[0];
          if (v === undefined || v === before || views.some((x) => x !== v)) return false;
          return (await role(Number(v.split(' ')[1]))) === 'master' ? v : false;
        },
        { what: 'every sentinel to name the new master', timeoutMs: 20_000 },
      );
    },
    async killSentinel(s) {
      dead.add(s.port);
      clients.get(s.port)!.disconnect();
      s.process.killGroup();
      await s.process.exited;
    },
  };
  return group;
}

export function flat(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const a = reply as string[];
  for (let i = 0; i + 1 < a.length; i += 2) out[a[i]!] = a[i + 1]!;
  return out;
}

/** Watcher env for tests: loopback, a free port, short timings. */
export async function watcherEnv(zkHosts: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    ZK_HOSTS: zkHosts,
    BIND_IP: '127.0.0.1',
    PORT0: String(await freePort()),
    ZK_SESSION_TIMEOUT_MS: '4000',
    ZK_CONNECT_TIMEOUT_MS: '5000',
    RECONCILE_INTERVAL_MS: '1000',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** A watcher on the group's ZooKeeper, once its /health answers 200. */
export async function startHealthyWatcher(zkHosts: string, extra: Record<string, string> = {}): Promise<{ w: ProgramProcess; base: string }> {
  const env = await watcherEnv(zkHosts, extra);
  const w = startProgram('watcher', env);
  const base = `http://127.0.0.1:${env.PORT0}`;
  await waitFor(async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200, { what: 'watcher healthy', timeoutMs: 15_000 });
  return { w, base };
}

/**
 * kill -9 of the redis-server of the wrapper the watcher at `base` serves as the master; resolves
 * once the watcher serves another of `servers` (`host:port`), with the one killed.
 */
export async function killServedMaster<S extends { port: number; proc: ProgramProcess }>(base: string, servers: readonly S[], what: string): Promise<{ victim: S; next: string }> {
  const first = await (await fetch(`${base}/master`)).text();
  const victim = servers.find((s) => `127.0.0.1:${s.port}` === first);
  if (victim === undefined) throw new Error(`the watcher serves ${first}, none of the servers`);
  process.kill(redisPidOf(victim), 'SIGKILL');
  const next = await waitFor(async () => {
    const now = await (await fetch(`${base}/master`)).text();
    return now !== first && servers.some((s) => `127.0.0.1:${s.port}` === now) ? now : false;
  }, { what, timeoutMs: 30_000 });
  return { victim, next };
}
