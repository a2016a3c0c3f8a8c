import { setTimeout as sleep } from 'node:timers/promises';
import { GroupNodes, Lock, SingleFlight, watchChildren, withRetry, zkPaths, type Disposable, type Logger, type Zk } from '@redis-zk/core';
import { decideReplicaForget, type ReplicaDecision } from './decide-replicas.js';
import { decideAudit, decideDeparture, decideForgetNow, staleSentinels } from './decide-forget.js';
import type { SentinelControl } from './sentinel-control.js';
import { pruneKnown } from './sentinel-conf.js';
import type { SentinelProcess } from './sentinel-process.js';

export interface HygieneOptions {
  zk: Zk;
  log: Logger;
  control: SentinelControl;
  process: SentinelProcess;
  /** Our own registration value, `<host> <port>`. */
  self: string;
  /** The default group's name (its live nodes are /redis/nodes). */
  defaultName: string;
  /** The groups our sentinel monitors right now. */
  groups: () => string[];
  lockTimeoutMs?: number;
  auditEveryMs?: number;
  /** After a departure, how long a replacement gets to take over the entry (hellos go out every 2 s). */
  departureSettleMs?: number;
  /** How long a replica no live redis-zk-server announces must be down before it is dropped. */
  replicaSettleMs: number;
}

/**
 * Keeps departed sentinels and dead replicas out of our sentinel's tables without ever leaving it
 * blind (decide-forget.ts): an unregistered sentinel entry seen at two audits in a row, or a
 * replica down and registered in no group's nodes (decideReplicaForget), is forgotten by restarting our
 * sentinel on its own config minus those entries, under the sentinel membership lock, so at most
 * one sentinel of the group is restarting at a time.
 */
export class Hygiene {
  private previous: Map<string, string> | undefined;
  private live = new Map<string, string>();
  private watch: Disposable | undefined;
  private audit: NodeJS.Timeout | undefined;
  private departureTimer: NodeJS.Timeout | undefined;
  private lastStale: string[] = [];
  private closed = false;
  /** One forget at a time; asking during one makes one more after it (fresh observations). */
  private readonly forgetting = new SingleFlight<void>(
    () =>
      withRetry(() => this.forgetOnce(), {
        attempts: Number.POSITIVE_INFINITY,
        delayMs: 2_000,
        backoff: 1,
        retryOn: () => !this.closed,
        onRetry: (err) => this.o.log.warn({ event: 'FORGET_RETRY', err: String(err) }, 'forgetting stale sentinel entries failed; retrying in 2 s'),
      }),
    () => {},
  );
  /** `<host> <port>` of the live redis-zk-servers of every group; undefined until the registries were read. */
  private nodes: Set<string> | undefined;
  private nodesWatch: GroupNodes | undefined;
  private replicaTimer: NodeJS.Timeout | undefined;
  private lastReplicaReason: string | undefined;
  /** Forgets done, for logs and tests. */
  forgets = 0;

  constructor(private readonly o: HygieneOptions) {}

  start(): void {
    this.watch = watchChildren(this.o.zk, zkPaths.SENTINELS, (children) => {
      this.live = children;
      const previous = this.previous;
      this.previous = new Map(children);
      if (previous === undefined) return;
      const d = decideDeparture({ previous, current: children });
      if (d.action === 'none') return;
      this.o.log.info({ event: 'SENTINELS_DEPARTED', departed: d.departed, live: children.size }, d.reason);
      clearTimeout(this.departureTimer);
      this.departureTimer = setTimeout(() => void this.runAudit(), this.o.departureSettleMs ?? 6_000);
      this.departureTimer.unref();
    });
    this.nodesWatch = new GroupNodes(this.o.zk, this.o.defaultName, () => {
      const previous = this.nodes;
      this.nodes = this.nodesWatch!.all();
      // A server that left is down at once (kill -9) or soon (SIGTERM): look once it has settled.
      const left = previous === undefined || [...previous].some((n) => !this.nodes!.has(n));
      if (left) this.scheduleReplicaCheck(this.o.replicaSettleMs + 1_000);
    });
    this.nodesWatch.start();
    this.audit = setInterval(() => void this.runAudit(), this.o.auditEveryMs ?? 15_000);
    this.audit.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.audit);
    clearTimeout(this.replicaTimer);
    clearTimeout(this.departureTimer);
    this.watch?.close();
    this.nodesWatch?.close();
  }

  private expected(): string[] {
    return [...new Set(this.live.values())].filter((v) => v !== this.o.self);
  }

  private async runAudit(): Promise<void> {
    if (this.forgetting.busy || this.closed || this.previous === undefined) return;
    try {
      const stale = new Set<string>();
      for (const g of this.o.groups()) for (const s of staleSentinels(await this.o.control.knownSentinels(g), this.expected())) stale.add(s);
      const d = decideAudit(this.lastStale, [...stale]);
      this.lastStale = [...stale];
      if (d.action === 'forget') {
        this.o.log.info({ event: 'STALE_ENTRIES', stale: d.stale }, d.reason);
        this.lastStale = [];
        this.request();
      }
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'sentinel audit failed; next time');
    }
    await this.checkReplicas();
  }

  private scheduleReplicaCheck(inMs: number): void {
    if (this.closed) return;
    clearTimeout(this.replicaTimer);
    this.replicaTimer = setTimeout(() => void this.checkReplicas(), inMs);
    this.replicaTimer.unref();
  }

  private async observeReplicas(): Promise<ReplicaDecision | undefined> {
    if (this.nodes === undefined) return undefined;
    const groups = [];
    for (const name of this.o.groups()) {
      const master = await this.o.control.master(name);
      groups.push({ name, masterFlags: (master?.flags ?? '').split(','), replicas: await this.o.control.replicas(name) });
    }
    return decideReplicaForget({ groups, registered: this.nodes, settleMs: this.o.replicaSettleMs });
  }

  private async checkReplicas(): Promise<void> {
    if (this.closed) return;
    if (this.forgetting.busy) {
      this.scheduleReplicaCheck(2_000);
      return;
    }
    try {
      const d = await this.observeReplicas();
      if (d === undefined) return;
      if (d.recheckInMs !== undefined) this.scheduleReplicaCheck(d.recheckInMs + 500);
      if (d.action === 'none') {
        this.lastReplicaReason = undefined;
        return;
      }
      if (d.reason !== this.lastReplicaReason) this.o.log.info({ event: 'DEAD_REPLICAS', dead: d.dead }, d.reason);
      this.lastReplicaReason = d.reason;
      if (d.action === 'forget') this.request();
      // A wait is re-evaluated: soon, and by every audit.
      else this.scheduleReplicaCheck(5_000);
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'replica check failed; next audit');
    }
  }

  private request(): void {
    void this.forgetting.request();
  }

  private async forgetOnce(): Promise<void> {
    const { zk, log, control } = this.o;
    const lock = new Lock(zk, zkPaths.SENTINEL_RESET_LOCK);
    await lock.acquire({
      timeoutMs: this.o.lockTimeoutMs ?? 300_000,
      onWait: (holder) => log.info({ event: 'LOCK_WAITING', holder }, 'waiting for the sentinel membership lock: another sentinel is starting or restarting'),
    });
    try {
      for (;;) {
        if (this.closed) return;
        const masters = new Map<string, { flags: string; lastOkPingMs: number }>();
        for (const g of this.o.groups()) {
          const m = await control.master(g);
          masters.set(g, { flags: m?.flags ?? '', lastOkPingMs: Number(m?.['last-ok-ping-reply'] ?? 0) || 0 });
        }
        const gate = decideForgetNow({ masters });
        if (gate.action === 'forget') break;
        log.info({ event: 'FORGET_WAITING', masters: Object.fromEntries(masters) }, gate.reason);
        await sleep(1_000);
      }
      // Decided again under the lock, on what our sentinel knows now.
      const expected = new Set(this.expected());
      const replicas = await this.observeReplicas();
      const dead = new Set(replicas?.action === 'forget' ? replicas.dead : []);
      let dropped = { sentinels: [] as string[], replicas: [] as string[] };
      const groups = this.o.groups();
      const before = new Map<string, number>();
      for (const g of groups) before.set(g, await control.healthyReplicas(g));
      await this.o.process.restartWith((conf) => {
        const p = pruneKnown(conf, { keepSentinel: (_g, addr) => expected.has(addr), keepReplica: (g, addr) => !dead.has(`${g}: ${addr}`) });
        dropped = p;
        return p.text;
      });
      this.forgets += 1;
      const after = new Map<string, number>();
      for (const g of groups) after.set(g, await control.healthyReplicas(g).catch(() => -1));
      log.info(
        { event: 'SENTINEL_FORGOT', forgotSentinels: dropped.sentinels, forgotReplicas: dropped.replicas, replicasBefore: Object.fromEntries(before), replicasAfter: Object.fromEntries(after) },
        `restarted our sentinel on its own config without ${dropped.sentinels.length} departed sentinel(s) and ${dropped.replicas.length} dead replica(s); it kept every live replica (no SENTINEL RESET)`,
      );
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
