import { joinHostPort, refusalOf, sameHostPort, zkPaths } from '@redis-zk/core';
import type { EventLog } from './behaviours/event-log.js';
import type { WatcherView, Health, GroupHealth } from './http/server.js';
import type { RedisFacts } from './redis-facts.js';
import type { WatcherState } from './state.js';
import type { Subscription } from './subscription.js';
import type { Leaders } from './leaders.js';

/**
 * The HTTP API's picture of the world, assembled from memory only. `leaders` is given in FAILOVER_MODE=zookeeper (no sentinels, no subscription): health is then
 * whether each group's leadership is held.
 */
export function createView(name: string, state: WatcherState, subscription: Subscription | undefined, facts: RedisFacts, events: EventLog, leaders?: Leaders): WatcherView {
  const subscriptionInfo = (): Health['subscription'] => {
    const c = subscription?.current;
    return c === undefined ? null : { sentinel: joinHostPort(c.sentinel), since: c.since.toISOString() };
  };
  /** A group is unhealthy when its record is unusable or the sentinels cannot monitor its master. */
  const groupHealth = (g: string): GroupHealth => {
    const rec = state.recordOf(g);
    const path = g === name ? zkPaths.MASTER : zkPaths.masterOf(g);
    if (rec === undefined || rec.kind === 'absent') return { name: g, ok: false, reason: `group ${g} has no record at ${path}` };
    if (rec.kind !== 'valid') return { name: g, ok: false, reason: `the record of group ${g} at ${path} is ${rec.kind}` };
    if (leaders !== undefined) {
      const leader = zkPaths.groupLayout(g, g === name).leader;
      const holder = leaders.holder(g);
      return holder === undefined ? { name: g, ok: false, reason: `nobody holds the leadership ${leader} of group ${g}` } : { name: g, ok: true, reason: `${holder} holds the leadership ${leader}` };
    }
    const m = state.monitoring.get(g);
    if (m !== undefined && !m.ok) return { name: g, ok: false, reason: m.reason };
    return { name: g, ok: true, reason: m === undefined ? `group ${g} has a master; the sentinels were not asked yet` : `the sentinels monitor the master of ${g}` };
  };
  /** Why the group's master refuses the watcher's Redis credentials, when it does. */
  const credentialRefusal = (g: string): string | undefined => {
    const f = facts.of(g);
    const m = state.masterOf(g);
    if (f === undefined || m === undefined || !sameHostPort(f.addr, m) || f.probe.reachable) return undefined;
    if (refusalOf(f.probe.error) !== 'password') return undefined;
    return `the master ${joinHostPort(m)} of ${g} refuses the watcher's credentials (${f.probe.error}): REDIS_PASSWORD or REDIS_USERNAME is wrong, so no failover can be confirmed or recorded`;
  };
  /** Maintenance mode: who paused the group and when, or null while it runs. */
  const pausedOf = (g: string) => {
    const p = state.pauses.info(g);
    return p === undefined ? null : { since: p.since ?? null, by: p.by ?? null, reason: p.reason ?? null };
  };
  /** Only groups with a record are served (the default group's name is always listed). */
  const known = (g: string) => state.groups().includes(g);
  // A default group without a record may simply not exist (a deployment of named groups only).
  const unhealthyGroups = () => state.groups().map(groupHealth).filter((h) => !h.ok && !(h.name === name && state.recordOf(name)?.kind === 'absent'));
  return {
    name,
    sentinels: () => state.servedSentinels().map(({ host, port }) => ({ host, port })),
    master: (g = name) => state.masterOf(g),
    knows: known,
    masters: () => state.knownMasters(),
    history: (g = name) => state.history.get(g) ?? [],
    health: () => {
      const zookeeper = state.zkState;
      const sub = subscriptionInfo();
      const unhealthy = unhealthyGroups().map(({ name: g, reason }) => ({ name: g, reason }));
      const also = unhealthy.length === 0 ? '' : `; ${unhealthy.length} group(s) unhealthy: ${unhealthy.map((u) => u.name).join(', ')}`;
      if (zookeeper !== 'connected') return { ok: false, reason: `not connected to ZooKeeper (state ${zookeeper})`, zookeeper, subscription: sub, unhealthyGroups: unhealthy };
      // The master refusing our credentials: no failover could be confirmed (INFO) or recorded.
      const refusedBy = credentialRefusal(name);
      if (refusedBy !== undefined) return { ok: false, reason: refusedBy, zookeeper, subscription: sub, unhealthyGroups: unhealthy };
      if (leaders !== undefined) {
        const own = state.recordOf(name)?.kind === 'absent' ? undefined : groupHealth(name);
        if (own !== undefined && !own.ok) return { ok: false, reason: own.reason, zookeeper, subscription: null, unhealthyGroups: unhealthy };
        return { ok: true, reason: `connected to ZooKeeper (FAILOVER_MODE=zookeeper)${own === undefined ? '' : `; ${own.reason}`}${also}`, zookeeper, subscription: null, unhealthyGroups: unhealthy };
      }
      if (sub === null) {
        const failing = subscription?.failing() ?? [];
        const reason =
          state.sentinels.length === 0
            ? `no live sentinel is registered in ${zkPaths.SENTINELS}`
            : failing.length > 0
              ? `cannot subscribe to any registered sentinel: ${failing.join('; ')}`
              : 'not subscribed to any sentinel yet';
        return { ok: false, reason, zookeeper, subscription: null, unhealthyGroups: unhealthy };
      }
      // The watcher serves every group: one broken group is listed, but only the default group's
      // monitoring turns /health 503 (as with one group), so Marathon never restarts the shared
      // watcher over a group it cannot fix. /health/<name> is the check for one group.
      const m = state.monitoring.get(name);
      if (m !== undefined && !m.ok) return { ok: false, reason: m.reason, zookeeper, subscription: sub, unhealthyGroups: unhealthy };
      return { ok: true, reason: `connected to ZooKeeper and subscribed to sentinel ${sub.sentinel}${also}`, zookeeper, subscription: sub, unhealthyGroups: unhealthy };
    },
    groupHealth: (g) => {
      const zookeeper = state.zkState;
      const sub = subscriptionInfo();
      if (zookeeper !== 'connected') return { name: g, ok: false, reason: `not connected to ZooKeeper (state ${zookeeper})` };
      if (sub === null && leaders === undefined) return { name: g, ok: false, reason: 'not subscribed to any sentinel' };
      return groupHealth(g);
    },
    status: (g = name) => {
      const master = state.masterOf(g);
      const latest = facts.of(g);
      const probe = latest !== undefined && master !== undefined && latest.addr.host === master.host && latest.addr.port === master.port ? latest.probe : undefined;
      const seen = probe !== undefined && probe.reachable ? probe : undefined;
      const sub = subscriptionInfo();
      return {
        name: g,
        default: g === name,
        health: groupHealth(g),
        master:
          master === undefined
            ? null
            : {
                host: master.host,
                port: master.port,
                reachable: probe === undefined ? null : probe.reachable,
                role: seen?.role ?? null,
                offset: seen?.offset ?? null,
                server: seen?.server ?? null,
                fenced: probe === undefined ? null : (latest?.fenced ?? null),
                checkedAt: latest?.at.toISOString() ?? null,
                error: probe !== undefined && !probe.reachable ? probe.error : null,
              },
        replicas: seen?.replicas.map((r) => ({ host: r.host, port: r.port, state: r.state, offset: r.offset, lag: r.lag })) ?? [],
        keysPerDb: seen?.keysPerDb ?? {},
        epoch: state.epochs.get(g) ?? null,
        paused: pausedOf(g),
        groups: state.groups().map((o) => {
          const m = state.masterOf(o);
          return { name: o, master: m === undefined ? null : joinHostPort(m), epoch: state.epochs.get(o) ?? null, healthy: groupHealth(o).ok, paused: state.pauses.isPaused(o) };
        }),
        sentinels: state.servedSentinels().map(({ host, port }) => ({ host, port })),
        refusedSentinels: state.sentinels.flatMap(({ host, port }) => {
          const reason = state.refusal({ host, port });
          return reason === undefined ? [] : [{ host, port, reason }];
        }),
        nodes: state.nodesOf(g).map(({ host, port }) => ({ host, port })),
        failoverMode: leaders === undefined ? 'sentinel' : 'zookeeper',
        subscription: {
          connected: sub !== null,
          sentinel: sub?.sentinel ?? null,
          since: sub?.since ?? null,
          all: (subscription?.all() ?? []).map((c) => ({ sentinel: joinHostPort(c.sentinel), since: c.since.toISOString() })),
        },
        events: events.recent(g),
        zookeeper: { state: state.zkState },
      };
    },
  };
}
