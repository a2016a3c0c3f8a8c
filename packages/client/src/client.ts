import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, createLogger, formatHostPort, RedisZkError, parseZkHosts, tlsOptions, zkPaths, Zk, type Logger, type RedisAuth, type TlsClient, type ZkState } from '@redis-zk/core';
import { FollowConnector, type ReadFrom } from './connector.js';
import { reResolveCode } from './decide-follow.js';
import { GroupFollower, type MasterChanged } from './follower.js';

export interface RedisZkOptions {
  /** The ZooKeeper connect string, chroot included, as the programs' ZK_HOSTS. */
  zkHosts: string;
  /** Digest credentials `user:password` (ZK_AUTH); reading works without them. */
  zkAuth?: string;
  /** The programs' DEFAULT_MASTER_NAME: this group's record is `/redis/master` (default `mymaster`). */
  defaultGroup?: string;
  /** REDIS_PASSWORD / REDIS_USERNAME (an ACL user). */
  password?: string;
  username?: string;
  /** The group's TLS (TLS_CA_FILE and, with TLS_CLIENT_AUTH=yes, a client certificate). */
  tls?: TlsClient;
  sessionTimeoutMs?: number;
  /** How long connecting to ZooKeeper may take before RedisZk.connect fails (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * `fail-closed` (default): after the ZooKeeper session expired, no command is sent until a new
   * session read the record again. `keep-last` keeps using the last master meanwhile: available,
   * but it may be a master the group replaced while this process could not see it.
   */
  onSessionExpired?: 'fail-closed' | 'keep-last';
  /**
   * A watcher's base URL (`http://watcher:8080`): while this process has no ZooKeeper session
   * (ZooKeeper unreachable from here, or the session expired), the group's master is what the
   * watcher's `GET /master/<name>` answers, asked on each event of its `/events` stream and every
   * 500 ms. With it, `connect` does not wait for
   * ZooKeeper: the session is made in the background.
   */
  watcherUrl?: string;
  /** pino level of the client's own log lines (JSON on stdout); default `silent`. */
  logLevel?: string;
  logger?: Logger;
}

export interface ClientOptions {
  /** The group (its MASTER_NAME); default: the default group. */
  group?: string;
  /** `replica`: read from a live replica within `maxLagBytes` of the master, else the master. */
  readFrom?: ReadFrom;
  maxLagBytes?: number;
  /**
   * How long a command waits for a master while there is none to send it to (a failover, a
   * re-resolve after -READONLY), before it fails with NO_MASTER. Default 5000 ms. Blocking
   * commands (BLPOP …) are not bounded by it.
   */
  queueTimeoutMs?: number;
  /** Anything else ioredis takes, except where to connect (host, port, sentinels, Connector). */
  redis?: Omit<RedisOptions, 'host' | 'port' | 'path' | 'sentinels' | 'Connector' | 'name'>;
}

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
    const log = opts.logger ?? createLogger('redis-zk-client', opts.logLevel ?? 'silent');
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
