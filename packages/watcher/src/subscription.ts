import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { joinHostPort, type Logger, type RedisAuth } from '@redis-zk/core';
import type { SentinelEntry, WatcherState } from './state.js';

export const SWITCH_CHANNEL = '+switch-master';

export interface CurrentSubscription {
  sentinel: SentinelEntry;
  since: Date;
}

interface SubscriptionEvents {
  /** Subscribed (first time or again, possibly to another sentinel). */
  subscribed: [SentinelEntry];
  message: [string, SentinelEntry];
}

/** How long a sentinel that failed us is skipped while others are available. */
const AVOID_MS = 30_000;
/** When no usable sentinel exists, try again after this long (ZooKeeper changes also retry at once). */
const RETRY_MS = 500;

/**
 * Keeps exactly one subscription to `+switch-master` on a random live sentinel. When that
 * connection closes or errors, or the sentinel's `/redis/sentinels` entry vanishes, it moves to
 * another one at once — never the one that just failed while another is registered.
 */
export class Subscription extends EventEmitter<SubscriptionEvents> {
  current: CurrentSubscription | undefined;
  private client: Redis | undefined;
  private connecting: SentinelEntry | undefined;
  private readonly failed = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly state: WatcherState,
    private readonly auth: RedisAuth,
    private readonly log: Logger,
  ) {
    super();
  }

  start(): void {
    this.state.on('sentinels', () => this.check());
    this.check();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  /** Re-evaluates after any change: keep a healthy subscription, replace a vanished one. */
  check(): void {
    if (this.closed) return;
    const live = this.state.sentinels;
    const held = this.current?.sentinel ?? this.connecting;
    if (held !== undefined) {
      if (live.some((s) => s.id === held.id)) return;
      this.log.warn({ sentinel: joinHostPort(held) }, `Sentinel ${joinHostPort(held)} left /redis/sentinels; subscribing to another one.`);
      this.markFailed(held);
      this.drop();
    }
    const next = this.pick(live);
    if (next === undefined) {
      if (live.length === 0) this.log.debug('No live sentinel registered in /redis/sentinels; waiting for one.');
      this.scheduleRetry();
      return;
    }
    void this.connect(next);
  }

  private pick(live: SentinelEntry[]): SentinelEntry | undefined {
    const now = Date.now();
    const fresh = live.filter((s) => (this.failed.get(joinHostPort(s)) ?? 0) <= now);
    // Only when every registered sentinel failed recently do we retry one of them (after a pause).
    if (fresh.length === 0) return undefined;
    return fresh[Math.floor(Math.random() * fresh.length)];
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      // Nothing usable: forget past failures so a sentinel that recovers is used again.
      if (this.current === undefined && this.connecting === undefined) this.failed.clear();
      this.check();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private markFailed(s: SentinelEntry): void {
    this.failed.set(joinHostPort(s), Date.now() + AVOID_MS);
  }

  private async connect(sentinel: SentinelEntry): Promise<void> {
    this.connecting = sentinel;
    const name = joinHostPort(sentinel);
    const client = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      password: this.auth.password,
      lazyConnect: true,
      connectTimeout: this.auth.timeoutMs,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      // We choose the next sentinel ourselves; ioredis must not reconnect to the dead one.
      retryStrategy: () => null,
      keepAlive: 1_000,
    });
    this.client = client;
    let gone = false;
    const lost = (why: string): void => {
      if (gone) return;
      gone = true;
      client.disconnect();
      if (this.client !== client) return;
      this.client = undefined;
      this.current = undefined;
      this.connecting = undefined;
      this.markFailed(sentinel);
      this.log.warn({ sentinel: name }, `Lost the subscription to sentinel ${name} (${why}); subscribing to another one.`);
      this.check();
    };
    client.on('error', (err: Error) => lost(err.message));
    client.on('close', () => lost('connection closed'));
    client.on('message', (channel: string, message: string) => {
      if (channel === SWITCH_CHANNEL) this.emit('message', message, sentinel);
    });
    try {
      await client.connect();
      await client.subscribe(SWITCH_CHANNEL);
    } catch (err) {
      lost(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.client !== client || gone) return;
    this.connecting = undefined;
    this.current = { sentinel, since: new Date() };
    this.failed.delete(name);
    this.log.info({ sentinel: name }, `Subscribed to ${SWITCH_CHANNEL} on sentinel ${name}.`);
    this.emit('subscribed', sentinel);
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.current = undefined;
    this.connecting = undefined;
    client?.disconnect();
  }
}
