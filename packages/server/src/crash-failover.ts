import { setTimeout as sleep } from 'node:timers/promises';
import {
  askOnce,
  askSentinels,
  failOverThroughSentinels,
  formatHostPort,
  type HostPort,
  isRedisZkError,
  type Logger,
  probeRedis,
  readGroupSnapshot,
  type RedisAuth,
  sameHostPort,
  sentinelVerdict,
  within,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import { decideCrash } from './decide-crash.js';

export interface CrashFailoverOptions {
  zk: Zk;
  self: HostPort;
  group: zkPaths.GroupLayout;
  auth: RedisAuth;
  sentinelAuth: RedisAuth;
  log: Logger;
  failoverMode: 'sentinel' | 'zookeeper';
  /** The whole path, gathering included: the wrapper exits when it is over. */
  withinMs: number;
  paused: () => boolean;
}

/** Longest wait for ZooKeeper's answer after the crash: past it, Sentinel's own path is as fast. */
const READ_MS = 1_000;
/** Replicas whose offsets differ get this long to receive what the master wrote before dying. */
const SETTLE_MS = 200;
const POLL_MS = 10;
const fmt = formatHostPort;

/**
 * Sentinel mode: our redis-server exited by itself while it was the recorded master. The sentinels
 * would notice after their down-after (5 s by default); we know now. Gather fresh evidence,
 * decide (decideCrash: only when every promotable replica holds the same offset), then core's one
 * Sentinel hand-off: SENTINEL FAILOVER, the promotion confirmed by its lineage, the record written.
 * Any failure leaves the failover to the sentinels' own path; never throws.
 */
export async function failOverAfterCrash(o: CrashFailoverOptions): Promise<void> {
  const t0 = performance.now();
  const deadline = t0 + o.withinMs;
  try {
    const quick = decideCrash({ self: o.self, stopping: false, failoverMode: o.failoverMode, record: undefined, verdict: { kind: 'none', registered: 0, votes: 0, refused: [], reason: '' }, failoverRunning: false, nodes: [], paused: o.paused() });
    if (quick.rule === 'zookeeper-mode') return;
    if (quick.rule === 'paused') {
      o.log.info({ event: 'CRASH_FAILOVER_SKIPPED', rule: quick.rule }, quick.reason);
      return;
    }
    const read = await within(readGroupSnapshot(o.zk, o.group.name, { isDefault: o.group.isDefault }), READ_MS);
    const snap = read.outcome === 'done' ? read.value : undefined;
    const sentinels = snap?.sentinels.map((s) => s.addr) ?? [];
    const others = snap?.nodes.map((n) => n.addr).filter((a) => !sameHostPort(a, o.self)) ?? [];
    const probeNodes = () => Promise.all(others.map(async (addr) => ({ addr, probe: await probeRedis(addr, o.auth) })));
    const [answers, first] = await Promise.all([askSentinels(sentinels, o.group.name, askOnce(o.sentinelAuth), { graceMs: 50, deadlineMs: o.sentinelAuth.timeoutMs }), probeNodes()]);
    const decide = (nodes: Awaited<ReturnType<typeof probeNodes>>) =>
      decideCrash({
        self: o.self,
        stopping: false,
        failoverMode: o.failoverMode,
        record: snap?.record,
        verdict: sentinelVerdict(sentinels.length, answers),
        failoverRunning: answers.some((a) => a.kind === 'failover-in-progress'),
        nodes,
        paused: o.paused(),
      });
    // Bytes the master wrote before dying may still be on their way to a replica: offsets that
    // differ get a moment to settle (they only grow, now that the master is gone).
    let d = decide(first);
    const settleBy = performance.now() + SETTLE_MS;
    while (d.rule === 'replicas-differ' && performance.now() < settleBy) {
      await sleep(POLL_MS);
      d = decide(await probeNodes());
    }
    if (d.action === 'none') {
      o.log.info({ event: 'CRASH_FAILOVER_SKIPPED', rule: d.rule }, d.reason);
      return;
    }
    o.log.warn({ event: 'CRASH_FAILOVER_STARTED', rule: d.rule, candidates: d.candidates.map(fmt), offset: d.offset }, d.reason);
    const r = await failOverThroughSentinels({
      zk: o.zk,
      layout: o.group,
      from: o.self,
      candidates: d.candidates,
      previousReplid: d.previousReplid,
      sentinels,
      auth: o.auth,
      sentinelAuth: o.sentinelAuth,
      withinMs: Math.max(0, deadline - performance.now()),
      t0,
      cause: 'crash-failover',
    });
    const ms = Math.round(performance.now() - t0);
    o.log.warn({ event: 'CRASH_FAILED_OVER', master: fmt(r.to), epoch: r.epoch, ms, steps: r.steps }, `The sentinels promoted ${fmt(r.to)} ${ms} ms after redis-server crashed${r.epoch === undefined ? '' : `; ZooKeeper records it at epoch ${r.epoch}`}.`);
  } catch (err) {
    o.log.warn({ event: 'CRASH_FAILOVER_FAILED', code: isRedisZkError(err) ? err.code : undefined }, `The failover after the crash did not complete (${err instanceof Error ? err.message : String(err)}); the sentinels and the watcher take it from here.`);
  }
}
