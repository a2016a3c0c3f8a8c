import { Counter, createRegistry, Gauge, httpMetrics, zookeeperMetrics, type Registry, type Zk } from '@redis-zk/core';
import { decideSentinelHealth, type SentinelStatus } from './decide-health.js';

export interface SentinelMetrics {
  registry: Registry;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
}

/**
 * The sentinel wrapper's metrics, on its HTTP port beside /health: what our redis-sentinel says
 * of each group at scrape time (one reading per scrape), the ZooKeeper session, and the restarts
 * that forget departed sentinels and dead replicas.
 */
export function sentinelMetrics(o: { zk: Zk; status: () => Promise<SentinelStatus>; forgets: () => number }): SentinelMetrics {
  const registry = createRegistry('redis-zk-sentinel');
  zookeeperMetrics(registry, o.zk);
  const http = httpMetrics(registry);
  const registers = [registry];
  const perGroup = (name: string, help: string, value: (g: ReturnType<typeof decideSentinelHealth>['body']['groups'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['group'],
      registers,
      async collect() {
        this.reset();
        for (const g of decideSentinelHealth(await o.status()).body.groups) {
          const v = value(g);
          if (v !== null) this.set({ group: g.name }, v);
        }
      },
    });
  new Gauge({
    name: 'redis_zk_sentinel_up',
    help: '1 when our redis-sentinel answered during this scrape, else 0.',
    registers,
    async collect() {
      this.set((await o.status()).error === undefined ? 1 : 0);
    },
  });
  perGroup('redis_zk_sentinel_monitoring', '1 when our redis-sentinel monitors the group, 0 when it does not (the wrapper follows it).', (g) => (g.master === null ? 0 : 1));
  perGroup('redis_zk_sentinel_master_down', "1 while our redis-sentinel flags the group's master s_down or o_down.", (g) => (g.master === null ? null : g.flags.includes('s_down') || g.flags.includes('o_down') ? 1 : 0));
  perGroup('redis_zk_sentinel_known_replicas', 'Replicas our redis-sentinel knows for the group (num-slaves).', (g) => g.knownReplicas);
  perGroup('redis_zk_sentinel_other_sentinels', 'Other sentinels ours knows for the group (num-other-sentinels): quorum is reachable only if enough are.', (g) => g.otherSentinels);
  perGroup('redis_zk_sentinel_config_epoch', "The group's config epoch as our redis-sentinel sees it: it rises with every failover.", (g) => g.configEpoch);
  new Counter({
    name: 'redis_zk_sentinel_forgets_total',
    help: 'Restarts of our redis-sentinel on its own config without departed sentinels and dead replicas.',
    registers,
    collect() {
      this.reset();
      this.inc(o.forgets());
    },
  });
  return { registry, observeHttp: http.observe };
}
