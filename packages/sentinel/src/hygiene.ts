import { setTimeout as sleep } from 'node:timers/promises';
import { Lock, parseHostPort, redisCommand, watchChildren, zkPaths, type Disposable, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
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
}

/**
 * Keeps departed sentinels out of our sentinel's tables: when a /redis/sentinels entry vanishes
 * (and whenever the periodic audit finds an unregistered entry twice in a row), reset our
 * sentinel under the group-wide reset lock and hold the lock until it knows exactly the
 * registered set again, so at most one sentinel at a time is rediscovering.
 */
export class Hygiene {
  private previous: Map<string, string> | undefined;
  private live = new Map<string, string>();
  private departed = new Set<string>();
  private watch: Disposable | undefined;
  private audit: NodeJS.Timeout | undefined;
  private lastStale: string[] = [];
  private running = false;
  private pending = false;
  private closed = false;

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
      this.request();
    });
    this.audit = setInterval(() => void this.runAudit(), this.o.auditEveryMs ?? 15_000);
    this.audit.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.audit);
    this.watch?.close();
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
        this.request();
      }
    } catch (err) {
      this.o.log.debug({ err: String(err) }, 'sentinel audit failed; next time');
    }
  }

  private request(): void {
    this.pending = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.pending && !this.closed) {
        this.pending = false;
        try {
          await this.resetOnce();
        } catch (err) {
          if (this.closed) return;
          this.o.log.warn({ err: String(err) }, 'sentinel reset failed; retrying in 2 s');
          this.pending = true;
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

  private async resetOnce(): Promise<void> {
    const { zk, log, control } = this.o;
    const lock = new Lock(zk, zkPaths.SENTINEL_RESET_LOCK);
    await lock.acquire({
      timeoutMs: this.o.lockTimeoutMs ?? 300_000,
      onWait: (holder) => log.info({ holder }, 'waiting for the sentinel reset lock: another sentinel is resetting'),
    });
    try {
      await this.waitDepartedSilent(10_000);
      for (;;) {
        if (this.closed) return;
        const flags = new Map<string, string>();
        for (const g of this.o.groups()) flags.set(g, (await control.master(g))?.flags ?? '');
        const gate = decideResetNow({ flags });
        if (gate.action === 'reset') break;
        log.info({ flags: Object.fromEntries(flags) }, gate.reason);
        await sleep(1_000);
      }
      const groups = this.o.groups();
      const before = new Map<string, number>();
      for (const g of groups) before.set(g, await control.healthyReplicas(g));
      for (const g of groups) await control.reset(g);
      log.info({ groups, replicasBefore: Object.fromEntries(before) }, 'reset our sentinel (SENTINEL RESET) under the reset lock; waiting until it rediscovers the live sentinels and replicas');
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
