import { Redis } from 'ioredis';
import { joinHostPort, linkOptions, pairsToRecord, RedisZkError, type HostPort, type RedisAuth } from '@redis-zk/core';

type Entry = { client: Redis; used: number; ready: Promise<void>; lastError: Error | undefined };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A connection unused for this long is closed. */
const IDLE_MS = 60_000;

/**
 * Kept-open command connections to the sentinels and masters the watcher asks on every switch:
 * a fresh connection per question cost most of the time between +switch-master and the write.
 * No reconnects, no offline queue: a broken connection is dropped and the next call opens anew,
 * so a dead server still answers "unreachable" within the timeout.
 */
export class CommandPool {
  private readonly clients = new Map<string, Entry>();

  constructor(private readonly auth: RedisAuth) {}

  async call(addr: HostPort, command: string, ...args: string[]): Promise<unknown> {
    const key = joinHostPort(addr);
    const entry = this.open(addr);
    try {
      await entry.ready;
    } catch (err) {
      throw new RedisZkError('REDIS_UNREACHABLE', `${key} is unreachable: ${messageOf(entry.lastError ?? err)}`);
    }
    entry.used = Date.now();
    try {
      return await entry.client.call(command, ...args);
    } catch (err) {
      // A timeout or reset leaves the connection in an unknown state: start afresh next time
      // (an error reply, such as "No such master", leaves it fine).
      if (!(err instanceof Error && err.name === 'ReplyError')) {
        this.drop(key, entry.client);
        // A refused AUTH arrives as an 'error' event and closes the stream: the command only says
        // the stream is closed, the event says why (and /health names the credentials from it).
        if (entry.lastError !== undefined) throw new RedisZkError('REDIS_UNREACHABLE', `${key}: ${entry.lastError.message}`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Opens (or keeps) a connection to a server the watcher may have to ask on the next switch —
   * a replica that may be promoted — so the switch does not pay for a connect.
   */
  warm(addr: HostPort): void {
    const entry = this.open(addr);
    entry.used = Date.now();
    entry.ready.catch(() => {});
  }

  /**
   * Callers asking at once share one connection attempt: the second caller used to get a client
   * still connecting and, with no offline queue, an immediate "stream isn't writeable".
   */
  private open(addr: HostPort): Entry {
    this.prune();
    const key = joinHostPort(addr);
    const existing = this.clients.get(key);
    if (existing !== undefined) return existing;
    const client = new Redis({
      ...linkOptions(addr, this.auth),
      lazyConnect: true,
      commandTimeout: this.auth.timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    const entry: Entry = { client, used: Date.now(), ready: Promise.resolve(), lastError: undefined };
    client.on('error', (err: Error) => (entry.lastError = err));
    client.on('end', () => {
      if (this.clients.get(key)?.client === client) this.clients.delete(key);
    });
    entry.ready = client.connect().catch((err: unknown) => {
      this.drop(key, client);
      throw err;
    });
    this.clients.set(key, entry);
    return entry;
  }

  close(): void {
    for (const [key, e] of [...this.clients]) this.drop(key, e.client);
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, e] of [...this.clients]) if (now - e.used > IDLE_MS) this.drop(key, e.client);
  }

  private drop(key: string, client: Redis): void {
    if (this.clients.get(key)?.client === client) this.clients.delete(key);
    client.disconnect();
  }
}

/**
 * `SENTINEL MASTER <name>` as a flat map; undefined when the sentinel does not monitor the name.
 * An unreachable sentinel rejects: it must not pass for one that does not know the group.
 */
export async function askSentinelMaster(pool: CommandPool, sentinel: HostPort, name: string): Promise<Record<string, string> | undefined> {
  try {
    const reply = await pool.call(sentinel, 'SENTINEL', 'MASTER', name);
    return Array.isArray(reply) ? pairsToRecord(reply) : undefined;
  } catch (err) {
    if (err instanceof Error && /no such master/i.test(err.message)) return undefined;
    throw err;
  }
}
