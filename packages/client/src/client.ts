import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, createLogger, formatHostPort, RedisZkError, parseZkHosts, tlsOptions, zkPaths, Zk, type Logger, type RedisAuth, type ZkState } from '@redis-zk/core';
import type { ClientOptions, MasterChanged, RedisZkOptions } from '../types/index.js';
import { FollowConnector } from './connector.js';
import { reResolveCode } from './decide-follow.js';
import { GroupFollower } from './follower.js';

const WAIT_FOR_MASTER_MS = 1_000;
const BLOCKING = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'bzpopmin', 'bzpopmax', 'blmpop', 'bzmpop', 'xread', 'xreadgroup', 'wait', 'waitaof']);

type Command = Parameters<Redis['sendCommand']>[0];

/** Where a client's connection goes (ioredis keeps its connector private). */
const addressOf = (c: Redis) => (c as unknown as { connector: FollowConnector }).connector.address;
type Queued = { command: Command };

/**
 * An ioredis client whose commands wait for a master at most `queueTimeoutMs` while there is
 * none: ioredis's own offline queue waits forever, which turns a group without a master into a
 * hung application instead of an error it can handle.
 */
class FollowingRedis extends Redis {
  queueTimeoutMs = 5_000;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const result = super.sendCommand(command, stream);
    const queue = (this as unknown as { offlineQueue: { peekBack(): Queued | undefined; toArray(): Queued[]; removeOne(i: number): unknown } }).offlineQueue;
    if (queue.peekBack()?.command === command && !BLOCKING.has(command.name.toLowerCase())) {
      const timer = setTimeout(() => {
        const i = queue.toArray().findIndex((q) => q.command === command);
        if (i < 0) return;
        queue.removeOne(i);
        command.reject(new RedisZkError('NO_MASTER', `no master to send ${command.name} to within ${this.queueTimeoutMs} ms`));
      }, this.queueTimeoutMs);
      timer.unref();
      void command.promise.then(() => clearTimeout(timer), () => clearTimeout(timer));
    }
    return result;
  }
}

/**
 * One ZooKeeper session for the process, one follower per group, any number of ioredis clients
 * on each. Events: `master-changed` ({group, from, to, epoch}).
 */
export class RedisZk extends EventEmitter<{ 'master-changed': [MasterChanged] }> {
  private readonly followers = new Map<string, GroupFollower>();
  private readonly clients = new Map<string, Set<FollowingRedis>>();

  private constructor(
    private readonly zk: Zk,
    private readonly opts: RedisZkOptions,
    private readonly log: Logger,
  ) {
    super();
  }

  static async connect(opts: RedisZkOptions): Promise<RedisZk> {
    // The client's code calls only debug/info/warn/error, all a ClientLogger has (pino's does).
    const log = (opts.logger as Logger | undefined) ?? createLogger('redis-zk-client', opts.logLevel ?? 'silent');
    const config = { ...parseZkHosts(opts.zkHosts, 'zkHosts'), sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, auth: opts.zkAuth };
    if (opts.watcherUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(opts.watcherUrl)) throw new ConfigError('watcherUrl', opts.watcherUrl, 'a watcher URL like http://watcher:8080');
    const zk = opts.watcherUrl === undefined ? await Zk.connect(config, log) : Zk.open(config, log);
    return new RedisZk(zk, opts, log);
  }

  /** An ordinary ioredis client on the group's master (or a replica for `readFrom: 'replica'`). */
  client(options: ClientOptions = {}): Redis {
    const group = options.group ?? this.defaultGroup;
    const follower = this.follower(group);
    const auth: RedisAuth = { password: this.opts.password, username: this.opts.username, tls: this.opts.tls, timeoutMs: 1_000 };
    const client = new FollowingRedis({
      // Attempts are paced by the follower (a node that refused waits for the record to move).
      retryStrategy: (times) => Math.min(5 * times, 50),
      maxRetriesPerRequest: null,
      ...options.redis,
      username: this.opts.username,
      password: this.opts.password,
      tls: tlsOptions(this.opts.tls),
      enableReadyCheck: true,
      Connector: FollowConnector,
      // ioredis hands every option to the connector.
      ...({ redisZk: { follower, readFrom: options.readFrom ?? 'master', maxLagBytes: options.maxLagBytes ?? 1_048_576, waitForMasterMs: WAIT_FOR_MASTER_MS, auth } } as object),
      reconnectOnError: (err) => {
        const code = reResolveCode(err.message);
        if (code === undefined) return options.redis?.reconnectOnError?.(err) ?? false;
        const addr = addressOf(client);
        if (addr !== undefined) follower.suspect(addr, code);
        // Reconnect through the follower and send the refused command again: it was not executed.
        return 2;
      },
    } as RedisOptions);
    client.queueTimeoutMs = options.queueTimeoutMs ?? 5_000;
    let set = this.clients.get(group);
    if (set === undefined) this.clients.set(group, (set = new Set()));
    set.add(client);
    client.once('end', () => set.delete(client));
    return client;
  }

  /** The master the group's clients use now, `<host> <port>`, or undefined. */
  master(group = this.defaultGroup): string | undefined {
    const m = this.follower(group).master();
    return m === undefined ? undefined : formatHostPort(m);
  }

  /** This process's ZooKeeper session: `connected`, `disconnected`, `expired` (until a new one is up), `connecting` or `closed`. */
  zkState(): ZkState {
    return this.zk.state;
  }

  /** Closes every client made here and the ZooKeeper session. */
  async close(): Promise<void> {
    for (const set of this.clients.values()) for (const c of set) c.disconnect();
    for (const f of this.followers.values()) f.close();
    await this.zk.close();
  }

  private get defaultGroup(): string {
    return this.opts.defaultGroup ?? 'mymaster';
  }

  private follower(group: string): GroupFollower {
    let f = this.followers.get(group);
    if (f !== undefined) return f;
    f = new GroupFollower(this.zk, zkPaths.groupLayout(group, group === this.defaultGroup), this.opts.onSessionExpired === 'keep-last', this.log, this.opts.watcherUrl);
    // Every connection to the old master goes (pub/sub and blocked commands included; ioredis
    // resubscribes and resends them on the new connection); a client still waiting for a master
    // takes the new one when it gets there.
    f.on('changed', (e) => {
      for (const c of this.clients.get(group) ?? []) {
        const at = addressOf(c);
        if ((c.status === 'ready' || c.status === 'connect') && (at === undefined || formatHostPort(at) !== e.to)) c.disconnect(true);
      }
    });
    f.on('epoch', (e) => this.emit('master-changed', e));
    this.followers.set(group, f);
    f.start();
    return f;
  }
}
