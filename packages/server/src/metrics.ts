import { Counter, createRegistry, Gauge, httpMetrics, probeRedis, within, zkPaths, zookeeperMetrics, type HostPort, type RedisAuth, type Registry, type Zk } from '@redis-zk/core';

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

  const role = new Gauge({ name: 'redis_zk_server_role', help: "Our redis-server's role: 1 for the current one (master, replica, unreachable), 0 for the others.", labelNames: ['group', 'role'], registers });
  const offset = new Gauge({ name: 'redis_zk_server_replication_offset_bytes', help: "Our redis-server's replication offset (master_repl_offset).", labelNames: ['group'], registers });
  const lag = new Gauge({ name: 'redis_zk_server_replication_lag_bytes', help: "A replica's distance behind its master's offset, in bytes (absent on a master, or when the master does not answer).", labelNames: ['group'], registers });
  const link = new Gauge({ name: 'redis_zk_server_link_up', help: "A replica's link to its master: 1 up, 0 down (absent on a master).", labelNames: ['group'], registers });
  const lastIo = new Gauge({ name: 'redis_zk_server_link_last_io_seconds', help: "Seconds since a replica last heard from its master (master_last_io_seconds_ago).", labelNames: ['group'], registers });
  const replicas = new Gauge({ name: 'redis_zk_server_connected_replicas', help: 'Replicas attached and online (on a master).', labelNames: ['group'], registers });

  // One INFO (and one of the master for a replica) per scrape, shared by the gauges above.
  new Gauge({
    name: 'redis_zk_server_scrape_redis_up',
    help: '1 when our redis-server answered INFO during this scrape, else 0.',
    labelNames: ['group'],
    registers,
    async collect() {
      for (const g of [offset, lag, link, lastIo, replicas]) g.reset();
      const own = await probeRedis(o.local, o.auth);
      const now = !own.reachable ? 'unreachable' : own.role === 'master' ? 'master' : 'replica';
      for (const r of ROLES) role.set({ group, role: r }, r === now ? 1 : 0);
      this.set({ group }, own.reachable ? 1 : 0);
      if (!own.reachable) return;
      offset.set({ group }, own.offset);
      if (own.role === 'master') {
        replicas.set({ group }, own.replicas.filter((r) => r.state === 'online').length);
        return;
      }
      link.set({ group }, own.linkUp ? 1 : 0);
      if (Number.isFinite(own.lastIoSecondsAgo)) lastIo.set({ group }, own.lastIoSecondsAgo);
      if (own.masterHost !== undefined && own.masterPort !== undefined) {
        const master = await probeRedis({ host: own.masterHost, port: own.masterPort }, o.auth);
        if (master.reachable) lag.set({ group }, Math.max(0, master.offset - own.offset));
      }
    },
  });

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
