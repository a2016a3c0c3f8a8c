import { setTimeout as sleep } from 'node:timers/promises';
import {
  askOnce,
  failOverThroughSentinels,
  askSentinels,
  formatHostPort,
  probeMaster,
  isRedisZkError,
  leadershipHolder,
  RedisZkError,
  moveMasterInZooKeeper,
  sentinelReplicas,
  probeRedis,
  readGroupSnapshot,
  demoteTo,
  redisCommand,
  type HostPort,
  type Logger,
  type RedisAuth,
  type SentinelFailoverResult,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import type { EventLog } from './behaviours/event-log.js';
import { decideSwitchover } from './decide-switchover.js';

export type SwitchoverResult =
  | {
      ok: true;
      group: string;
      from: string;
      to: string;
      /** From pausing writes on the old master to ZooKeeper naming the new one: the client outage. */
      outageMs: number;
      /** Sentinel mode: what set the pause off (`selected`: the sentinel named the replica). */
      pause?: SentinelFailoverResult['pause'];
      /** Sentinel mode: bytes the old master acknowledged after the promotion (0: none; see WRITES_AT_RISK). */
      atRiskBytes?: number;
      /** What was done, in order, with the time of each step since the pause. */
      steps: string[];
    }
  | { ok: false; status: 400 | 409 | 500; code: 'SWITCHOVER_REFUSED' | 'SWITCHOVER_FAILED'; reason: string };

export interface SwitchoverOptions {
  zk: Zk;
  defaultName: string;
  failoverMode: 'sentinel' | 'zookeeper';
  auth: RedisAuth;
  /** For the sentinels (SENTINEL_PASSWORD). */
  sentinelAuth: RedisAuth;
  log: Logger;
  events: EventLog;
}

/** Writes stay paused at most this long if the watcher dies mid-switchover (the pause lapses by itself). */
const PAUSE_MS = 5_000;
/** The candidate must hold every acknowledged write within this long of the pause. */
const CATCH_UP_MS = 2_000;
/** The sentinel's promotion must be seen within this long of asking for it. */
const PROMOTION_MS = 4_000;
/** The sentinels must see an excluded replica's replica-priority 0 within this long (their INFO period). */
const PRIORITY_SEEN_MS = 15_000;
/** FAILOVER_MODE=zookeeper: the group's lock, held by a wrapper deciding, is waited for this long. */
const LOCK_WAIT_MS = 5_000;

const fmt = formatHostPort;


/**
 * A planned switchover, through the sentinels so that they stay the ones who promote (the one
 * authority): replicas that must not be picked get replica-priority 0 until the sentinels see it;
 * then writes are paused on the master (clients wait, nothing acknowledged can be lost), the
 * candidate catches up, one sentinel is asked to fail over, and as soon as the candidate answers
 * as master promoted from the old one (rule A2: asked leader plus lineage), ZooKeeper records it.
 * The old master is then pointed at the new one, which ends its paused clients' wait with
 * -READONLY at once instead of after the sentinel's next INFO.
 */
export class Switchover {
  private readonly running = new Set<string>();

  constructor(private readonly o: SwitchoverOptions) {}

  async run(group: string, candidate: HostPort | undefined): Promise<SwitchoverResult> {
    const { zk, auth, sentinelAuth, log, events } = this.o;
    const isDefault = group === this.o.defaultName;
    const zkMode = this.o.failoverMode === 'zookeeper';
    const layout = zkPaths.groupLayout(group, isDefault);
    const snapshot = await readGroupSnapshot(zk, group, { isDefault });
    const recorded = snapshot.record.kind === 'valid' ? snapshot.record.addr : undefined;
    const [answers, seen, leader] = await Promise.all([
      zkMode ? Promise.resolve([]) : askSentinels(snapshot.sentinels.map((s) => s.addr), group, askOnce(sentinelAuth), { graceMs: 100, deadlineMs: sentinelAuth.timeoutMs }),
      recorded === undefined ? Promise.resolve(undefined) : probeMaster(recorded, auth),
      zkMode ? zk.get(layout.leader) : Promise.resolve(undefined),
    ]);
    const master = seen?.probe;
    const fenced = seen?.fenced;
    const listed = master?.reachable ? master.replicas.map((r) => ({ host: r.host, port: r.port })) : [];
    const replicas = await Promise.all(listed.map(async (addr) => ({ addr, probe: await probeRedis(addr, auth) })));
    const plan = decideSwitchover({
      group,
      failoverMode: this.o.failoverMode,
      running: this.running.has(group),
      paused: Boolean(await this.o.zk.exists(zkPaths.pausedOf(group))),
      record: snapshot.record,
      leader: leadershipHolder(leader),
      master,
      fenced,
      registeredSentinels: snapshot.sentinels.length,
      answers,
      replicas,
      members: snapshot.nodes.map((n) => n.addr),
      candidate,
    });
    if (plan.action === 'refuse') {
      log.warn({ event: 'SWITCHOVER_REFUSED', group, candidate: candidate && fmt(candidate) }, `Refusing a switchover of ${group}: ${plan.reason}.`);
      events.add({ kind: 'switchover', name: group, outcome: 'refused', detail: plan.reason });
      return { ok: false, status: plan.status, code: 'SWITCHOVER_REFUSED', reason: plan.reason };
    }
    if (!master?.reachable) throw new RedisZkError('SWITCHOVER_FAILED', 'unreachable: the plan requires an answering master');
    this.running.add(group);
    log.info({ event: 'SWITCHOVER_STARTED', group, from: fmt(plan.from), candidates: plan.candidates.map(fmt), exclude: plan.exclude.map(fmt) }, plan.reason);
    events.add({ kind: 'switchover', name: group, from: fmt(plan.from), to: plan.candidates.length === 1 ? fmt(plan.candidates[0]!) : undefined, outcome: 'started', detail: plan.reason });
    const restore: { addr: HostPort; priority: string }[] = [];
    try {
      const result = zkMode
        ? await this.executeWithoutSentinels(layout, plan.from, plan.candidates[0]!)
        : await this.execute(group, plan.from, plan.candidates, plan.exclude, snapshot.sentinels.map((s) => s.addr), restore);
      log.info({ event: 'SWITCHOVER_DONE', group, from: result.from, to: result.to, outageMs: result.outageMs, pause: result.pause, atRiskBytes: result.atRiskBytes, steps: result.steps }, `Switched ${group} over from ${result.from} to ${result.to}; writes were paused for ${result.outageMs} ms.`);
      events.add({ kind: 'switchover', name: group, from: result.from, to: result.to, outcome: 'done', detail: `writes paused ${result.outageMs} ms` });
      return result;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error({ event: 'SWITCHOVER_FAILED', group }, `The switchover of ${group} failed: ${reason}.`);
      events.add({ kind: 'switchover', name: group, outcome: 'failed', detail: reason });
      return { ok: false, status: isRedisZkError(err, 'SWITCHOVER_ABORTED') ? 409 : 500, code: 'SWITCHOVER_FAILED', reason };
    } finally {
      for (const r of restore) await redisCommand(r.addr, auth, 'CONFIG', 'SET', 'replica-priority', r.priority).catch(() => log.warn({ event: 'SWITCHOVER_RESTORE_FAILED', replica: fmt(r.addr) }, `Could not restore replica-priority ${r.priority} on ${fmt(r.addr)}; set it by hand.`));
      this.running.delete(group);
    }
  }

  private async execute(group: string, from: HostPort, candidates: HostPort[], exclude: HostPort[], sentinels: HostPort[], restore: { addr: HostPort; priority: string }[]): Promise<Extract<SwitchoverResult, { ok: true }>> {
    const { zk, auth } = this.o;
    const steps: string[] = [];

    // 1. Replicas the sentinel must not pick: priority 0 until every sentinel has seen it (writes still flow).
    for (const addr of exclude) {
      const got = await redisCommand(addr, auth, 'CONFIG', 'GET', 'replica-priority');
      const priority = Array.isArray(got) && got.length === 2 ? String(got[1]) : '100';
      await redisCommand(addr, auth, 'CONFIG', 'SET', 'replica-priority', '0');
      restore.push({ addr, priority });
    }
    if (exclude.length > 0) {
      await this.untilSentinelsSee(group, sentinels, exclude);
      steps.push(`the sentinels see replica-priority 0 on ${exclude.map(fmt).join(', ')}`);
    }

    // 2–6. Core's one Sentinel hand-off: one sentinel fails over (it is then the failover's
    //      leader); writes are paused on the old master when that sentinel selects the replica,
    //      a tick before it promotes it; the promoted replica is checked to hold the paused offset,
    //      confirmed by its lineage, and ZooKeeper records it. Once writes are paused the old
    //      master must not take one until the outcome is known: if it is not confirmed, its pause
    //      lapses by itself (PAUSE_MS) rather than being lifted under a running failover.
    const own = await probeRedis(from, auth);
    if (!own.reachable || own.role !== 'master') throw new RedisZkError('SWITCHOVER_ABORTED', `the master ${fmt(from)} stopped answering as master`);
    const t0 = performance.now();
    const handed = await failOverThroughSentinels({ zk, layout: zkPaths.groupLayout(group, group === this.o.defaultName), from, candidates, previousReplid: own.replid, sentinels, auth, sentinelAuth: this.o.sentinelAuth, withinMs: PROMOTION_MS, t0, cause: 'switchover', planned: { master: from, pauseMs: PAUSE_MS } });
    steps.push(...handed.steps);
    const outageMs = Math.round(performance.now() - (handed.pausedAt ?? t0));
    if (handed.atRiskBytes !== undefined && handed.atRiskBytes > 0) this.o.log.error({ event: 'WRITES_AT_RISK', group, master: fmt(handed.to), atRiskBytes: handed.atRiskBytes, steps }, `The pause reached ${fmt(from)} after ${fmt(handed.to)} was promoted: up to ${handed.atRiskBytes} bytes of writes it acknowledged in between are not on the new master.`);

    // 7. The old master follows the new one; its clients are closed, so they ask again.
    await demoteTo(from, auth, handed.to).catch(() => undefined);
    steps.push(`${fmt(from)} replicates ${fmt(handed.to)}; writes resumed (${Math.round(performance.now() - t0)} ms)`);
    return { ok: true, group, from: fmt(from), to: fmt(handed.to), outageMs, pause: handed.pause, atRiskBytes: handed.atRiskBytes, steps };
  }

  /** FAILOVER_MODE=zookeeper: core's moveMasterInZooKeeper, as an election would, under the group's lock. */
  private async executeWithoutSentinels(layout: zkPaths.GroupLayout, from: HostPort, to: HostPort): Promise<Extract<SwitchoverResult, { ok: true }>> {
    const r = await moveMasterInZooKeeper({ zk: this.o.zk, layout, from, to, auth: this.o.auth, lockWaitMs: LOCK_WAIT_MS, pauseMs: PAUSE_MS, catchUpMs: CATCH_UP_MS, cause: 'switchover' });
    return { ok: true, group: layout.name, from: fmt(from), to: fmt(to), outageMs: r.outageMs, steps: r.steps };
  }

  private async untilSentinelsSee(group: string, sentinels: HostPort[], exclude: HostPort[]): Promise<void> {
    const deadline = Date.now() + PRIORITY_SEEN_MS;
    for (;;) {
      const views = await Promise.all(sentinels.map((s) => sentinelReplicas(s, this.o.sentinelAuth, group).catch(() => undefined)));
      const answered = views.filter((v) => v !== undefined);
      const seen = answered.every((list) => exclude.every((x) => list.some((f) => f.ip === x.host && Number(f.port) === x.port && f['slave-priority'] === '0')));
      if (answered.length > 0 && seen) return;
      if (Date.now() >= deadline) throw new RedisZkError('SWITCHOVER_ABORTED', `the sentinels did not see replica-priority 0 on ${exclude.map(fmt).join(', ')} within ${PRIORITY_SEEN_MS} ms`);
      await sleep(100);
    }
  }








}
