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
  redisCommand,
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
}

/** Longest wait for ZooKeeper's answer after the crash: past it, Sentinel's own path is as fast. */
const READ_MS = 1_000;
/** The levelled replicas must hold what the most advanced holds within this long. */
const LEVEL_MS = 1_000;
const POLL_MS = 3;
const fmt = formatHostPort;

/**
 * Sentinel mode: our redis-server exited by itself while it was the recorded master. The sentinels
 * would notice after their down-after (5 s by default); we know now. Gather fresh evidence,
 * decide (decideCrash), level the replicas to the most advanced one, then core's one Sentinel
 * hand-off: SENTINEL FAILOVER, the promotion confirmed by its lineage, the record written.
 * Any failure leaves the failover to the sentinels' own path; never throws.
 */
export async function failOverAfterCrash(o: CrashFailoverOptions): Promise<void> {
  const t0 = performance.now();
  const deadline = t0 + o.withinMs;
  try {
    const quick = decideCrash({ self: o.self, stopping: false, failoverMode: o.failoverMode, record: undefined, verdict: { kind: 'none', registered: 0, votes: 0, refused: [], reason: '' }, failoverRunning: false, nodes: [] });
    if (quick.rule === 'zookeeper-mode') return;
    const read = await within(readGroupSnapshot(o.zk, o.group.name, { isDefault: o.group.isDefault }), READ_MS);
    const snap = read.outcome === 'done' ? read.value : undefined;
    const sentinels = snap?.sentinels.map((s) => s.addr) ?? [];
    const others = snap?.nodes.map((n) => n.addr).filter((a) => !sameHostPort(a, o.self)) ?? [];
    const [answers, nodes] = await Promise.all([
      askSentinels(sentinels, o.group.name, askOnce(o.sentinelAuth), { graceMs: 50, deadlineMs: o.sentinelAuth.timeoutMs }),
      Promise.all(others.map(async (addr) => ({ addr, probe: await probeRedis(addr, o.auth) }))),
    ]);
    const d = decideCrash({
      self: o.self,
      stopping: false,
      failoverMode: o.failoverMode,
      record: snap?.record,
      verdict: sentinelVerdict(sentinels.length, answers),
      failoverRunning: answers.some((a) => a.kind === 'failover-in-progress'),
      nodes,
    });
    if (d.action === 'none') {
      o.log.info({ event: 'CRASH_FAILOVER_SKIPPED', rule: d.rule }, d.reason);
      return;
    }
    o.log.warn({ event: 'CRASH_FAILOVER_STARTED', rule: d.rule, best: fmt(d.best), level: d.level.map(fmt) }, d.reason);

    // Every other replica replicates the most advanced one until it holds as much: then the
    // sentinel's choice, whichever it is, holds every write any replica acknowledged.
    await Promise.all(d.level.map((r) => redisCommand(r, o.auth, 'REPLICAOF', d.best.host, d.best.port)));
    const levelBy = Math.min(deadline, performance.now() + LEVEL_MS);
    for (;;) {
      const probes = await Promise.all(d.level.map((r) => probeRedis(r, o.auth)));
      const behind = d.level.filter((_, i) => {
        const p = probes[i]!;
        return !(p.reachable && p.role === 'slave' && p.linkUp && p.masterHost === d.best.host && p.masterPort === d.best.port && p.offset >= d.bestOffset);
      });
      if (behind.length === 0) break;
      if (performance.now() >= levelBy) {
        o.log.warn({ event: 'CRASH_FAILOVER_SKIPPED', rule: 'level-failed', behind: behind.map(fmt) }, `${behind.map(fmt).join(', ')} did not reach offset ${d.bestOffset} within ${LEVEL_MS} ms; the sentinels fail over after their down-after.`);
        return;
      }
      await sleep(POLL_MS);
    }
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
      soleCandidate: d.sole,
      t0,
    });
    const ms = Math.round(performance.now() - t0);
    o.log.warn({ event: 'CRASH_FAILED_OVER', master: fmt(r.to), epoch: r.epoch, ms, steps: r.steps }, `The sentinels promoted ${fmt(r.to)} ${ms} ms after redis-server crashed${r.epoch === undefined ? '' : `; ZooKeeper records it at epoch ${r.epoch}`}.`);
  } catch (err) {
    o.log.warn({ event: 'CRASH_FAILOVER_FAILED', code: isRedisZkError(err) ? err.code : undefined }, `The failover after the crash did not complete (${err instanceof Error ? err.message : String(err)}); the sentinels and the watcher take it from here.`);
  }
}
