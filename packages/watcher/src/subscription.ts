import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { joinHostPort, linkOptions, withRefusalHint, type Logger, type RedisAuth } from '@redis-zk/core';
import type { SentinelEntry, WatcherState } from './state.js';

export const SWITCH_CHANNEL = '+switch-master';

/**
 * Sentinel's own events that an operator wants to see live (GET /events, the status page) and
 * count (metrics): a node seen down or up, agreement that it is down, a failover's progress and
 * aborts, and resets (the sentinel wrapper's hygiene).
 */
export const SENTINEL_EVENT_CHANNELS = [
  '+sdown', '-sdown', '+odown', '-odown', '+try-failover', '+elected-leader', '+promoted-slave', '+failover-end',
  '-failover-abort-not-elected', '-failover-abort-no-good-slave', '-failover-abort-slave-timeout', '+reset-master',
] as const;

export interface CurrentSubscription {
  sentinel: SentinelEntry;
  since: Date;
}

interface SubscriptionEvents {
  /** A subscription was established (first time or again). */
  subscribed: [SentinelEntry];
  message: [string, SentinelEntry];
  /** One of SENTINEL_EVENT_CHANNELS: the channel, its payload, the sentinel that published it. */
  event: [string, string, SentinelEntry];
}

interface Link {
  sentinel: SentinelEntry;
  client: Redis;
  since: Date | undefined;
}

/** A sentinel whose connection failed is tried again after this long, while it stays registered. */
const RETRY_MS = 1_000;

/**
 * Subscribes to `+switch-master` on every live sentinel in `/redis/sentinels`, not one: only the
 * failover leader announces a switch at once, the others after Sentinel's hello gossip (up to
 * seconds later), so listening to one random sentinel made a third of the switches slow to reach
 * ZooKeeper. Losing one connection therefore never leaves the watcher deaf; a sentinel whose
 * entry vanishes is dropped at once, one whose connection failed is retried after a pause.
 * `current` (for /status and /health) is the longest-held subscription.
 */
export class Subscription extends EventEmitter<SubscriptionEvents> {
  private readonly links = new Map<string, Link>();
  private readonly retryAt = new Map<string, number>();
  /** Why the last attempt on each registered sentinel failed (cleared once subscribed). */
  private readonly failures = new Map<string, { sentinel: SentinelEntry; why: string }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly state: WatcherState,
    private readonly auth: RedisAuth,
    private readonly log: Logger,
  ) {
    super();
  }

  get current(): CurrentSubscription | undefined {
    let best: CurrentSubscription | undefined;
    for (const l of this.links.values()) {
      if (l.since !== undefined && (best === undefined || l.since < best.since)) best = { sentinel: l.sentinel, since: l.since };
    }
    return best;
  }

  /** Every sentinel subscribed now, oldest first. */
  all(): CurrentSubscription[] {
    return [...this.links.values()]
      .filter((l): l is Link & { since: Date } => l.since !== undefined)
      .map((l) => ({ sentinel: l.sentinel, since: l.since }))
      .sort((a, b) => a.since.getTime() - b.since.getTime());
  }

  /**
   * Why the registered sentinels cannot be subscribed to, for /health: one that refuses our
   * password says so naming SENTINEL_PASSWORD.
   */
  failing(): string[] {
    return [...this.failures.values()].map(({ sentinel, why }) => `${joinHostPort(sentinel)}: ${withRefusalHint(why, 'SENTINEL_PASSWORD')}`);
  }

  start(): void {
    this.state.on('sentinels', () => this.check());
    this.check();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const id of [...this.links.keys()]) this.drop(id);
  }

  /** Brings the set of subscriptions in line with `/redis/sentinels`. */
  check(): void {
    if (this.closed) return;
    const live = new Map(this.state.sentinels.map((s) => [s.id, s]));
    for (const [id, link] of this.links) {
      const now = live.get(id);
      if (now === undefined || now.host !== link.sentinel.host || now.port !== link.sentinel.port) {
        this.log.info({ event: 'SUBSCRIPTION_LOST', sentinel: joinHostPort(link.sentinel) }, `Sentinel ${joinHostPort(link.sentinel)} left /redis/sentinels; dropping its subscription.`);
        this.drop(id);
      }
    }
    const now = Date.now();
    let nextRetry: number | undefined;
    for (const [id, s] of live) {
      if (this.links.has(id)) continue;
      const at = this.retryAt.get(id) ?? 0;
      if (at > now) {
        nextRetry = Math.min(nextRetry ?? at, at);
        continue;
      }
      this.connect(s);
    }
    for (const id of this.retryAt.keys()) if (!live.has(id)) this.retryAt.delete(id);
    for (const id of this.failures.keys()) if (!live.has(id)) this.failures.delete(id);
    clearTimeout(this.retryTimer);
    if (nextRetry !== undefined) {
      this.retryTimer = setTimeout(() => this.check(), nextRetry - now);
      this.retryTimer.unref();
    }
  }

  private connect(sentinel: SentinelEntry): void {
    const name = joinHostPort(sentinel);
    const client = new Redis({
      ...linkOptions(sentinel, this.auth),
      // INFO before SUBSCRIBE: refused, it says NOAUTH; a SUBSCRIBE of this many channels sent
      // unauthenticated gets only "Protocol error: unauthenticated multibulk length".
      enableReadyCheck: true,
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      // Reconnecting is ours to decide (and only while the sentinel stays registered).
      retryStrategy: () => null,
      keepAlive: 1_000,
    });
    const link: Link = { sentinel, client, since: undefined };
    this.links.set(sentinel.id, link);
    let gone = false;
    const lost = (why: string): void => {
      if (gone) return;
      gone = true;
      client.disconnect();
      if (this.links.get(sentinel.id) !== link) return;
      this.links.delete(sentinel.id);
      this.retryAt.set(sentinel.id, Date.now() + RETRY_MS);
      this.failures.set(sentinel.id, { sentinel, why });
      const remaining = this.all().length;
      this.log.warn({ event: 'SUBSCRIPTION_LOST', sentinel: name, remaining }, `Lost the subscription to sentinel ${name} (${why}); ${remaining} other subscription(s) remain.`);
      this.check();
    };
    client.on('error', (err: Error) => lost(err.message));
    client.on('close', () => lost('connection closed'));
    client.on('message', (channel: string, message: string) => {
      if (channel === SWITCH_CHANNEL) this.emit('message', message, sentinel);
      else this.emit('event', channel, message, sentinel);
    });
    client
      .connect()
      .then(() => client.subscribe(SWITCH_CHANNEL, ...SENTINEL_EVENT_CHANNELS))
      .then(() => {
        if (gone || this.links.get(sentinel.id) !== link) return;
        link.since = new Date();
        this.retryAt.delete(sentinel.id);
        this.failures.delete(sentinel.id);
        this.log.info({ event: 'SUBSCRIBED', sentinel: name }, `Subscribed to ${SWITCH_CHANNEL} on sentinel ${name}.`);
        this.emit('subscribed', sentinel);
      })
      .catch((err: unknown) => lost(err instanceof Error ? err.message : String(err)));
  }

  private drop(id: string): void {
    const link = this.links.get(id);
    this.links.delete(id);
    link?.client.disconnect();
  }
}
