import { Counter, createRegistry, Gauge, httpMetrics, probeRedis, type RedisProbe, within, zkPaths, zookeeperMetrics, type HostPort, type RedisAuth, type Registry, type Zk } from '@redis-zk/core';

export interface ServerMetricsOptions {
  zk: Zk;
  group: zkPaths.GroupLayout;
  local: HostPort;
  auth: RedisAuth;
  failoverMode: 'sentinel' | 'zookeeper';
  fencer: { readonly fenced: boolean; readonly raised: number } | undefined;
}

export interface ServerMetrics {
  registry: Registry;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
}

const ROLES = ['master', 'replica', 'unreachable'] as const;
/** Metrics collected together (one scrape) share one sample of Redis. */
const SAMPLE_REUSE_MS = 100;

/**
 * The wrapper's metrics, on its HTTP port beside the role checks. Redis facts come from one INFO
 * of our redis-server per scrape (and, for a replica, one of its master for the lag), so a
 * scrape shows the state at that moment, never a cached one.
 */
export function serverMetrics(o: ServerMetricsOptions): ServerMetrics {
  const registry = createRegistry('redis-zk-server');
  zookeeperMetrics(registry, o.zk);
  const http = httpMetrics(registry);
  const registers = [registry];
  const group = o.group.name;

  // One INFO of our redis-server (and one of its master, for a replica's lag) per scrape: the
  // registry collects every metric at once, so they all await the same sample.
  type Sample = { own: RedisProbe; masterOffset: number | undefined };
  let sampled: { at: number; sample: Promise<Sample> } | undefined;
  const sample = (): Promise<Sample> => {
    if (sampled !== undefined && performance.now() - sampled.at < SAMPLE_REUSE_MS) return sampled.sample;
    const next = (async (): Promise<Sample> => {
      const own = await probeRedis(o.local, o.auth);
      if (!own.reachable || own.role === 'master' || own.masterHost === undefined || own.masterPort === undefined) return { own, masterOffset: undefined };
      const master = await probeRedis({ host: own.masterHost, port: own.masterPort }, o.auth);
      return { own, masterOffset: master.reachable ? master.offset : undefined };
    })();
    sampled = { at: performance.now(), sample: next };
    return next;
  };
  const fromSample = (name: string, help: string, value: (s: Sample) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['group'],
      registers,
      async collect() {
        this.reset();
        const v = value(await sample());
        if (v !== undefined) this.set({ group }, v);
      },
    });

  new Gauge({
    name: 'redis_zk_server_role',
    help: "Our redis-server's role: 1 for the current one (master, replica, unreachable), 0 for the others.",
    labelNames: ['group', 'role'],
    registers,
    async collect() {
      const { own } = await sample();
      const now = !own.reachable ? 'unreachable' : own.role === 'master' ? 'master' : 'replica';
      for (const r of ROLES) this.set({ group, role: r }, r === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'redis_zk_server_info',
    help: 'Always 1 while our redis-server answers; `server` names it with its own version (valkey 8.0.1, redis 7.0.15).',
    labelNames: ['group', 'server'],
    registers,
    async collect() {
      this.reset();
      const { own } = await sample();
      if (own.reachable) this.set({ group, server: own.server }, 1);
    },
  });
  const replica = (s: Sample) => (s.own.reachable && s.own.role === 'slave' ? s.own : undefined);
  fromSample('redis_zk_server_up', '1 when our redis-server answered INFO during this scrape, else 0.', (s) => (s.own.reachable ? 1 : 0));
  fromSample('redis_zk_server_replication_offset_bytes', "Our redis-server's replication offset (master_repl_offset).", (s) => (s.own.reachable ? s.own.offset : undefined));
  fromSample('redis_zk_server_replication_lag_bytes', "A replica's distance behind its master's offset, in bytes (absent on a master, or when its master does not answer).", (s) => {
    const r = replica(s);
    return r === undefined || s.masterOffset === undefined ? undefined : Math.max(0, s.masterOffset - r.offset);
  });
  fromSample('redis_zk_server_link_up', "A replica's link to its master: 1 up, 0 down (absent on a master).", (s) => {
    const r = replica(s);
    return r === undefined ? undefined : r.linkUp ? 1 : 0;
  });
  fromSample('redis_zk_server_link_last_io_seconds', 'Seconds since a replica last heard from its master (master_last_io_seconds_ago).', (s) => {
    const r = replica(s);
    return r === undefined || !Number.isFinite(r.lastIoSecondsAgo) ? undefined : r.lastIoSecondsAgo;
  });
  fromSample('redis_zk_server_connected_replicas', 'Replicas attached and online (on a master).', (s) =>
    s.own.reachable && s.own.role === 'master' ? s.own.replicas.filter((r) => r.state === 'online').length : undefined,
  );

  new Gauge({
    name: 'redis_zk_server_fenced',
    help: '1 while this wrapper fences its redis-server (writes refused with -NOREPLICAS), else 0 (also with FENCING=off).',
    labelNames: ['group'],
    registers,
    collect() {
      this.set({ group }, o.fencer?.fenced === true ? 1 : 0);
    },
  });
  new Counter({
    name: 'redis_zk_server_fences_total',
    help: 'Times this wrapper raised the fence.',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      this.inc({ group }, o.fencer?.raised ?? 0);
    },
  });
  if (o.failoverMode === 'zookeeper') {
    new Gauge({
      name: 'redis_zk_server_leadership_held',
      help: "FAILOVER_MODE=zookeeper: 1 while this wrapper's session holds the group's leadership node.",
      labelNames: ['group'],
      registers,
      async collect() {
        const r = await within(o.zk.get(o.group.leader), 1_000);
        if (r.outcome === 'done') this.set({ group }, r.value !== undefined && r.value.stat.ephemeralOwner === o.zk.sessionId ? 1 : 0);
      },
    });
  }
  return { registry, observeHttp: http.observe };
}
