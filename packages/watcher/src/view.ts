import { joinHostPort, zkPaths } from '@redis-zk/core';
import type { EventLog } from './behaviours/event-log.js';
import type { WatcherView, Health } from './http/server.js';
import type { RedisFacts } from './redis-facts.js';
import type { WatcherState } from './state.js';
import type { Subscription } from './subscription.js';

/** The HTTP API's picture of the world, assembled from memory only. */
export function createView(name: string, state: WatcherState, subscription: Subscription, facts: RedisFacts, events: EventLog): WatcherView {
  const subscriptionInfo = (): Health['subscription'] => {
    const c = subscription.current;
    return c === undefined ? null : { sentinel: joinHostPort(c.sentinel), since: c.since.toISOString() };
  };
  return {
    name,
    sentinels: () => state.servedSentinels().map(({ host, port }) => ({ host, port })),
    master: () => state.currentMaster(),
    health: () => {
      const zookeeper = state.zkState;
      const sub = subscriptionInfo();
      if (zookeeper !== 'connected') return { ok: false, reason: `not connected to ZooKeeper (state ${zookeeper})`, zookeeper, subscription: sub };
      if (sub === null) {
        const reason = state.sentinels.length === 0 ? `no live sentinel is registered in ${zkPaths.SENTINELS}` : 'not subscribed to any sentinel yet';
        return { ok: false, reason, zookeeper, subscription: null };
      }
      for (const g of state.groups()) {
        const m = state.monitoring.get(g);
        if (m !== undefined && !m.ok) return { ok: false, reason: m.reason, zookeeper, subscription: sub };
      }
      return { ok: true, reason: `connected to ZooKeeper and subscribed to sentinel ${sub.sentinel}`, zookeeper, subscription: sub };
    },
    status: () => {
      const master = state.currentMaster();
      const latest = facts.latest;
      const probe = latest?.probe;
      const seen = probe !== undefined && probe.reachable ? probe : undefined;
      const sub = subscriptionInfo();
      return {
        name,
        master:
          master === undefined
            ? null
            : {
                host: master.host,
                port: master.port,
                reachable: probe === undefined ? null : probe.reachable,
                role: seen?.role ?? null,
                offset: seen?.offset ?? null,
                checkedAt: latest?.at.toISOString() ?? null,
                error: probe !== undefined && !probe.reachable ? probe.error : null,
              },
        replicas: seen?.replicas.map((r) => ({ host: r.host, port: r.port, state: r.state, offset: r.offset, lag: r.lag })) ?? [],
        keysPerDb: seen?.keysPerDb ?? {},
        groups: state.groups().map((g) => {
          const rec = g === name ? state.master : state.masters.get(g);
          return { name: g, master: rec?.kind === 'valid' ? joinHostPort(rec.addr) : null, epoch: state.epochs.get(g) ?? null };
        }),
        sentinels: state.servedSentinels().map(({ host, port }) => ({ host, port })),
        refusedSentinels: state.sentinels.flatMap(({ host, port }) => {
          const reason = state.refusal({ host, port });
          return reason === undefined ? [] : [{ host, port, reason }];
        }),
        nodes: state.nodes.map(({ host, port }) => ({ host, port })),
        subscription: {
          connected: sub !== null,
          sentinel: sub?.sentinel ?? null,
          since: sub?.since ?? null,
          all: subscription.all().map((c) => ({ sentinel: joinHostPort(c.sentinel), since: c.since.toISOString() })),
        },
        events: events.list(),
        zookeeper: { state: state.zkState },
      };
    },
  };
}
