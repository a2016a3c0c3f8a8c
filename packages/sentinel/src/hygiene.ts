import { setTimeout as sleep } from 'node:timers/promises';
import { Lock, watchChildren, zkPaths, type Disposable, type Logger, type Zk } from '@redis-zk/core';
import { decideReset, decideResetNow, rediscovered, staleAfterReset } from './decide-reset.js';
import { RESET_LOCK } from './paths.js';
import type { SentinelControl } from './sentinel-control.js';

export interface HygieneOptions {
  zk: Zk;
  log: Logger;
  control: SentinelControl;
  /** The groups our sentinel monitors right now. */
  groups: () => string[];
  /** How long one sentinel may take to rediscover the live set before the lock moves on. */
  rediscoverTimeoutMs?: number;
  lockTimeoutMs?: number;
}

/**
 * Keeps departed sentinels out of our sentinel's tables: when a /redis/sentinels entry vanishes,
 * reset our sentinel under the cluster-wide reset lock and hold the lock until it counts the live
 * set again, so at most one sentinel at a time is rediscovering.
 */
export class Hygiene {
  private previous: Map<string, string> | undefined;
  private live = new Map<string, string>();
  private watch: Disposable | undefined;
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
      this.pending = true;
      void this.drain();
    });
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
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

  private async resetOnce(): Promise<void> {
    const { zk, log, control } = this.o;
    await zk.mkdirp(RESET_LOCK);
    const lock = new Lock(zk, RESET_LOCK);
    await lock.acquire({
      timeoutMs: this.o.lockTimeoutMs ?? 300_000,
      onWait: (holder) => log.info({ holder }, 'waiting for the sentinel reset lock: another sentinel is resetting'),
    });
    try {
      for (;;) {
        if (this.closed) return;
        const groups = this.o.groups();
        const flags = new Map<string, string>();
        for (const g of groups) flags.set(g, (await control.master(g))?.flags ?? '');
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
        const states = await Promise.all(
          groups.map(async (g) => {
            const m = await control.master(g);
            return {
              group: g,
              numOtherSentinels: Number(m?.['num-other-sentinels'] ?? -1),
              numReplicas: Number(m?.['num-slaves'] ?? -1),
              liveSentinels: this.live.size,
              replicasBefore: before.get(g) ?? 0,
            };
          }),
        );
        if (states.every(rediscovered)) {
          log.info({ states, tookMs: Date.now() - started }, 'our sentinel rediscovered the live sentinels and replicas; releasing the reset lock');
          return;
        }
        const stale = states.filter((s) => staleAfterReset(s, Date.now() - lastReset));
        if (stale.length > 0) {
          log.info({ states }, 'our sentinel still counts more sentinels than are registered (a departed one said hello after the reset); resetting again');
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
