import { Counter, createRegistry, Gauge, Histogram, httpMetrics, joinHostPort, sameHostPort, zookeeperMetrics, type Registry, type Zk } from '@redis-zk/core';
import type { EventLog, LoggedEvent } from './behaviours/event-log.js';
import type { WatcherView } from './http/server.js';
import type { RedisFacts } from './redis-facts.js';
import type { WatcherState } from './state.js';
import type { Subscription } from './subscription.js';

export interface WatcherMetrics {
  registry: Registry;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** From a +switch-master reaching the watcher to ZooKeeper holding the new master. */
  observeSwitchLatency(group: string, seconds: number): void;
}

/**
 * The watcher's metrics. Gauges are read from the same memory the API answers from, at scrape
 * time (nothing is sampled in between); counters follow the event log, so /metrics, /status and
 * /events never disagree about what happened.
 */
export function watcherMetrics(o: { zk: Zk; state: WatcherState; facts: RedisFacts; events: EventLog; view: WatcherView; subscription: Subscription | undefined }): WatcherMetrics {
  const registry = createRegistry('redis-zk-watcher');
  zookeeperMetrics(registry, o.zk);
  const http = httpMetrics(registry);
  const registers = [registry];
  const { state, facts } = o;

  new Gauge({
    name: 'redis_zk_group_master_info',
    help: "Each group's recorded master (ZooKeeper), as a label; the value is always 1.",
    labelNames: ['group', 'master'],
    registers,
    collect() {
      this.reset();
      for (const [g, m] of state.knownMasters()) this.set({ group: g, master: joinHostPort(m) }, 1);
    },
  });
  new Gauge({
    name: 'redis_zk_group_healthy',
    help: '1 when the group has a usable record and its master is monitored (see /health/<group>), else 0.',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      for (const g of state.groups()) if (g !== o.view.name || state.recordOf(g)?.kind !== 'absent') this.set({ group: g }, o.view.groupHealth(g).ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'redis_zk_group_paused',
    help: '1 while the group is paused (maintenance mode: no automatic failover), else 0.',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      for (const g of new Set([...state.groups(), ...state.pauses.all().keys()])) this.set({ group: g }, state.pauses.isPaused(g) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'redis_zk_group_epoch',
    help: "The epoch stored beside each group's record (the config epoch of its last failover).",
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      for (const [g, e] of state.epochs) if (e !== undefined) this.set({ group: g }, e);
    },
  });
  const masterFact = (cb: (g: string, f: NonNullable<ReturnType<RedisFacts['of']>>) => void) => {
    for (const [g, m] of state.knownMasters()) {
      const f = facts.of(g);
      // A fact about the previous master (probed before the record moved) is not about the master.
      if (f !== undefined && sameHostPort(f.addr, m)) cb(g, f);
    }
  };
  new Gauge({
    name: 'redis_zk_master_up',
    help: "1 when the group's recorded master answered the watcher's last INFO as a master, else 0.",
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => this.set({ group: g }, f.probe.reachable && f.probe.role === 'master' ? 1 : 0));
    },
  });
  new Gauge({
    name: 'redis_zk_master_fenced',
    help: "1 while the group's master is fenced by its wrapper (writes refused with -NOREPLICAS), else 0.",
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => f.fenced !== undefined && this.set({ group: g }, f.fenced ? 1 : 0));
    },
  });
  new Gauge({
    name: 'redis_zk_master_replication_offset_bytes',
    help: "The master's replication offset (master_repl_offset).",
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => f.probe.reachable && this.set({ group: g }, f.probe.offset));
    },
  });
  new Gauge({
    name: 'redis_zk_master_connected_replicas',
    help: 'Replicas attached to the master and online, from its INFO.',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => f.probe.reachable && this.set({ group: g }, f.probe.replicas.filter((r) => r.state === 'online').length));
    },
  });
  new Gauge({
    name: 'redis_zk_replica_lag_bytes',
    help: "How far each replica is behind its master's offset, in bytes, as the master sees it.",
    labelNames: ['group', 'replica'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => {
        if (!f.probe.reachable) return;
        for (const r of f.probe.replicas) this.set({ group: g, replica: `${r.host}:${r.port}` }, Math.max(0, f.probe.offset - r.offset));
      });
    },
  });
  new Gauge({
    name: 'redis_zk_replica_link_up',
    help: '1 while the master lists the replica as online, else 0.',
    labelNames: ['group', 'replica'],
    registers,
    collect() {
      this.reset();
      masterFact((g, f) => {
        if (f.probe.reachable) for (const r of f.probe.replicas) this.set({ group: g, replica: `${r.host}:${r.port}` }, r.state === 'online' ? 1 : 0);
      });
    },
  });
  new Gauge({
    name: 'redis_zk_sentinels',
    help: 'Sentinels registered in /redis/sentinels, and those found fit to hand out.',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'registered' }, state.sentinels.length);
      this.set({ state: 'served' }, state.servedSentinels().length);
    },
  });
  new Gauge({
    name: 'redis_zk_watcher_subscriptions',
    help: 'Sentinels whose +switch-master this watcher is subscribed to now.',
    registers,
    collect() {
      this.set(o.subscription?.all().length ?? 0);
    },
  });

  const failovers = new Counter({ name: 'redis_zk_failovers_total', help: 'Master switches seen (announced by a sentinel, or the record moving in FAILOVER_MODE=zookeeper), once per switch.', labelNames: ['group'], registers });
  const writes = new Counter({ name: 'redis_zk_record_writes_total', help: "Writes of a group's record by this watcher that changed its master.", labelNames: ['group'], registers });
  const sentinelEvents = new Counter({ name: 'redis_zk_sentinel_events_total', help: 'Sentinel events seen (+sdown, +odown, -failover-abort-*, …), once per sentinel that published it.', labelNames: ['group', 'event'], registers });
  const resets = new Counter({ name: 'redis_zk_sentinel_resets_total', help: 'SENTINEL RESET of a group seen (+reset-master), once per sentinel reset.', labelNames: ['group'], registers });
  const hooks = new Counter({ name: 'redis_zk_hook_runs_total', help: 'HOOK_COMMAND runs by outcome (ok, failed, timeout, not-started).', labelNames: ['group', 'outcome'], registers });
  const fencing = new Counter({ name: 'redis_zk_fencing_changes_total', help: "A group's master seen fenced (up) or unfenced (lifted) by the watcher.", labelNames: ['group', 'state'], registers });
  const switchovers = new Counter({ name: 'redis_zk_switchovers_total', help: 'POST /switchover by outcome (refused, done, failed).', labelNames: ['group', 'outcome'], registers });
  const refused = new Counter({ name: 'redis_zk_refused_inputs_total', help: 'Announcements the watcher refused to act on (malformed, unknown).', registers });
  const latency = new Histogram({
    name: 'redis_zk_switch_latency_seconds',
    help: 'From a +switch-master reaching the watcher to ZooKeeper recording the new master.',
    labelNames: ['group'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });

  const count = (e: LoggedEvent) => {
    const group = e.name ?? '';
    if (e.kind === 'switch-master') failovers.inc({ group });
    else if (e.kind === 'record-written') writes.inc({ group });
    else if (e.kind === 'refused') refused.inc();
    else if (e.kind === 'sentinel' && e.event !== undefined) {
      sentinelEvents.inc({ group, event: e.event });
      if (e.event === '+reset-master') resets.inc({ group });
    } else if (e.kind === 'hook' && e.outcome !== undefined) hooks.inc({ group, outcome: e.outcome });
    else if (e.kind === 'fencing' && e.outcome !== undefined) fencing.inc({ group, state: e.outcome });
    else if (e.kind === 'switchover' && e.outcome !== undefined && e.outcome !== 'started') switchovers.inc({ group, outcome: e.outcome });
  };
  o.events.subscribe(count);

  return {
    registry,
    observeHttp: http.observe,
    observeSwitchLatency: (group, seconds) => latency.observe({ group }, seconds),
  };
}
