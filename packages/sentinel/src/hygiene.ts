import { setTimeout as sleep } from 'node:timers/promises';
import { Lock, parseHostPort, redisCommand, watchChildren, zkPaths, type Disposable, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
import { decideReplicaReset, type ReplicaDecision } from './decide-replicas.js';
import { decideAudit, decideReset, decideResetNow, rediscovered, staleAfterReset, staleSentinels } from './decide-reset.js';
import type { SentinelControl } from './sentinel-control.js';

export interface HygieneOptions {
  zk: Zk;
  log: Logger;
  control: SentinelControl;
  /** Our own registration value, `<host> <port>`. */
  self: string;
  sentinelAuth: RedisAuth;
  /** The groups our sentinel monitors right now. */
  groups: () => string[];
  /** How long one sentinel may take to rediscover the live set before the lock moves on. */
  rediscoverTimeoutMs?: number;
  lockTimeoutMs?: number;
  auditEveryMs?: number;
  /** How long a replica no live redis-zk-server announces must be down before it is dropped. */
  replicaSettleMs: number;
}

type ResetKind = 'sentinels' | 'replicas';

/**
 * Keeps departed sentinels and dead replicas out of our sentinel's tables: when a
 * /redis/sentinels entry vanishes (and whenever the periodic audit finds an unregistered entry
 * twice in a row), or when our sentinel counts a replica that is down and no longer in
 * /redis/nodes (decideReplicaReset), reset our sentinel under the group-wide reset lock and hold
 * the lock until it knows exactly the registered set again, so at most one sentinel at a time is
 * rediscovering.
 */
export class Hygiene {
  private previous: Map<string, string> | undefined;
  private live = new Map<string, string>();
  private departed = new Set<string>();
  private watch: Disposable | undefined;
  private audit: NodeJS.Timeout | undefined;
  private lastStale: string[] = [];
  private running = false;
  private pending = new Set<ResetKind>();
  private closed = false;
  /** `<host> <port>` of the live redis-zk-servers; undefined until /redis/nodes was read. */
  private nodes: Set<string> | undefined;
  private nodesWatch: Disposable | undefined;
  private replicaTimer: NodeJS.Timeout | undefined;
  private lastReplicaReason: string | undefined;

  constructor(private readonly o: HygieneOptions) {}

  start(): void {
    this.watch = watchChildren(this.o.zk, zkPaths.SENTINELS, (children) => {
      this.live = children;
      const previous = this.previous;
      this.previous = new Map(children);
      if (previous === undefined) return;
      const d = decideReset({ previous, current: children });
      if (d.action === 'none') return;
      this.o.log.info({ departed: d.departed, live: children.size }, d.reason);
      for (const a of d.departed) this.departed.add(a);
      this.request('sentinels');
    });
    this.nodesWatch = watchChildren(this.o.zk, zkPaths.NODES, (children) => {
      const previous = this.nodes;
      this.nodes = new Set(children.values());
      // A server that left is down at once (kill -9) or soon (SIGTERM): look once it has settled.
      const left = previous === undefined || [...previous].some((n) => !this.nodes!.has(n));
      if (left) this.scheduleReplicaCheck(this.o.replicaSettleMs + 1_000);
    });
    this.audit = setInterval(() => void this.runAudit(), this.o.auditEveryMs ?? 15_000);
    this.audit.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.audit);
    clearTimeout(this.replicaTimer);
    this.watch?.close();
    this.nodesWatch?.close();
  }

  private expected(): string[] {
    return [...new Set(this.live.values())].filter((v) => v !== this.o.self);
  }

  private async runAudit(): Promise<void> {
    if (this.running || this.closed || this.previous === undefined) return;
    try {
      const stale = new Set<string>();
      for (const g of this.o.groups()) for (const s of staleSentinels(await this.o.control.knownSentinels(g), this.expected())) stale.add(s);
      const d = decideAudit(this.lastStale, [...stale]);
      this.lastStale = [...stale];
      if (d.action === 'reset') {
        this.o.log.info({ stale: d.stale }, d.reason);
        this.lastStale = [];
        this.request('sentinels');
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
    return decideReplicaReset({ groups, registered: this.nodes, settleMs: this.o.replicaSettleMs });
  }

  private async checkReplicas(): Promise<void> {
    if (this.closed) return;
    if (this.running) {
      // Our sentinel is being reset right now: its tables are in flux, look again after.
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
      if (d.reason !== this.lastReplicaReason) this.o.log.info({ dead: d.dead }, d.reason);
      this.lastReplicaReason = d.reason;
      if (d.action === 'reset') this.request('replicas');
      // A wait is re-evaluated: soon, and by every audit.
      else this.scheduleReplicaCheck(5_000);
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'replica check failed; next audit');
    }
  }

  private request(kind: ResetKind): void {
    this.pending.add(kind);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.closed) {
        // A reset for departed sentinels drops the dead replicas as well.
        const kind: ResetKind = this.pending.has('sentinels') ? 'sentinels' : 'replicas';
        if (kind === 'sentinels') this.pending.clear();
        else this.pending.delete(kind);
        try {
          await this.resetOnce(kind);
        } catch (err) {
          if (this.closed) return;
          this.o.log.warn({ err: String(err) }, 'sentinel reset failed; retrying in 2 s');
          this.pending.add(kind);
          await sleep(2_000);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** A departed sentinel still running (stopping after SIGTERM) would say hello again right after our reset. */
  private async waitDepartedSilent(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const addr of [...this.departed]) {
      const registeredAgain = [...this.live.values()].includes(addr);
      const parsed = parseHostPort(addr);
      if (registeredAgain || !parsed.ok) {
        this.departed.delete(addr);
        continue;
      }
      while (Date.now() < deadline) {
        const answers = await redisCommand(parsed.value, this.o.sentinelAuth, 'PING').then(
          () => true,
          () => false,
        );
        if (!answers) break;
        await sleep(200);
      }
      this.departed.delete(addr);
    }
  }

  private async resetOnce(kind: ResetKind): Promise<void> {
    const { zk, log, control } = this.o;
    const lock = new Lock(zk, zkPaths.SENTINEL_RESET_LOCK);
    await lock.acquire({
      timeoutMs: this.o.lockTimeoutMs ?? 300_000,
      onWait: (holder) => log.info({ holder }, 'waiting for the sentinel reset lock: another sentinel is resetting'),
    });
    try {
      if (kind === 'replicas') {
        // The lock may have taken a while (another sentinel rediscovering): decide again.
        const d = await this.observeReplicas();
        if (d?.action !== 'reset') {
          log.info({ dead: d?.dead }, d?.reason ?? 'no view of /redis/nodes; no replica reset');
          return;
        }
      }
      await this.waitDepartedSilent(10_000);
      for (;;) {
        if (this.closed) return;
        const masters = new Map<string, { flags: string; lastOkPingMs: number }>();
        for (const g of this.o.groups()) {
          const m = await control.master(g);
          masters.set(g, { flags: m?.flags ?? '', lastOkPingMs: Number(m?.['last-ok-ping-reply'] ?? 0) || 0 });
        }
        const gate = decideResetNow({ masters });
        if (gate.action === 'reset') break;
        log.info({ masters: Object.fromEntries(masters) }, gate.reason);
        await sleep(1_000);
      }
      const groups = this.o.groups();
      const before = new Map<string, number>();
      for (const g of groups) before.set(g, await control.healthyReplicas(g));
      for (const g of groups) await control.reset(g);
      log.info({ groups, why: kind, replicasBefore: Object.fromEntries(before) }, 'reset our sentinel (SENTINEL RESET) under the reset lock; waiting until it rediscovers the live sentinels and replicas');
      const started = Date.now();
      let lastReset = started;
      const timeout = this.o.rediscoverTimeoutMs ?? 30_000;
      for (;;) {
        if (this.closed) return;
        const expected = this.expected();
        const states = await Promise.all(
          groups.map(async (g) => ({
            group: g,
            known: await control.knownSentinels(g),
            expected,
            numReplicas: Number((await control.master(g))?.['num-slaves'] ?? -1),
            replicasBefore: before.get(g) ?? 0,
          })),
        );
        if (states.every(rediscovered)) {
          log.info({ states, tookMs: Date.now() - started }, 'our sentinel rediscovered the live sentinels and replicas; releasing the reset lock');
          return;
        }
        const stale = states.filter((s) => staleAfterReset(s, Date.now() - lastReset));
        if (stale.length > 0) {
          log.info({ states }, 'our sentinel knows a sentinel that is not registered (a departed one said hello after the reset); resetting again');
          for (const s of stale) await control.reset(s.group);
          lastReset = Date.now();
        }
        if (Date.now() - started > timeout) {
          log.warn({ states }, `our sentinel did not rediscover the live set within ${timeout} ms; releasing the reset lock anyway`);
          return;
        }
        await sleep(500);
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
