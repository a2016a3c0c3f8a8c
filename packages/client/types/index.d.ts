// Type declarations of @redis-zk/client as published (dist/index.mjs), and the one definition of
// its public types: the source imports them from here. Written by hand, so that the package
// carries no type of the project's private core; test/unit/client/declarations.ts makes
// `pnpm run typecheck` fail when what they declare of the source's values is not so.
import type { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

/** The group's TLS: a CA, and the client certificate and key (PEM). */
export interface TlsClient {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/** Where a client's reads go: the master, or a live replica within maxLagBytes. */
export type ReadFrom = 'master' | 'replica';

/** Structurally a pino logger: the client calls these levels with (object, message). */
export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

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
  tls?: TlsClient;
  sessionTimeoutMs?: number;
  /** How long connecting to ZooKeeper may take before RedisZk.connect fails (default 10 s). */
  connectTimeoutMs?: number;
  /** `fail-closed` (default) or `keep-last` (see docs/reference/client.md, with its risk). */
  onSessionExpired?: 'fail-closed' | 'keep-last';
  /** A watcher's base URL, followed while this process has no ZooKeeper session. */
  watcherUrl?: string;
  /** pino level of the client's own log lines (JSON on stdout); default `silent`. */
  logLevel?: string;
  logger?: ClientLogger;
}

export interface ClientOptions {
  /** The group (its MASTER_NAME); default: the default group. */
  group?: string;
  readFrom?: ReadFrom;
  maxLagBytes?: number;
  /** How long a command waits for a master before it fails with NO_MASTER (default 5000 ms). */
  queueTimeoutMs?: number;
  /** Anything else ioredis takes, except where to connect. */
  redis?: Omit<RedisOptions, 'host' | 'port' | 'path' | 'sentinels' | 'Connector' | 'name'>;
}

export type FollowRule = 'watcher-fallback' | 'session-expired' | 'session-closed' | 'zk-disconnected' | 'not-read-yet' | 'record-unusable' | 'not-a-member' | 'unchanged' | 'record-moved';

/** A change of the master a group's clients send commands to (`to` undefined: none until further notice). */
export interface MasterChanged {
  group: string;
  /** `<host> <port>` */
  from: string | undefined;
  to: string | undefined;
  epoch: number | undefined;
  rule: FollowRule;
  reason: string;
}

export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

export declare class RedisZk extends EventEmitter<{ 'master-changed': [MasterChanged] }> {
  private constructor();
  static connect(opts: RedisZkOptions): Promise<RedisZk>;
  /** An ordinary ioredis client on the group's master (or a replica for `readFrom: 'replica'`). */
  client(options?: ClientOptions): Redis;
  /** The master the group's clients use now, `<host> <port>`, or undefined. */
  master(group?: string): string | undefined;
  zkState(): ZkState;
  close(): Promise<void>;
}

export type RecordValue = { kind: 'absent' } | { kind: 'empty' } | { kind: 'invalid'; preview: string; reason: string } | { kind: 'valid'; addr: HostPort };

/** What the one rule decides on (docs/concepts/client-protocol.md). */
export interface FollowFacts {
  session: ZkState;
  record: RecordValue;
  members: ReadonlySet<string> | undefined;
  current: HostPort | undefined;
  keepOnExpiry: boolean;
  watcherMaster?: HostPort | undefined;
}

export type FollowDecision =
  | { action: 'follow'; addr: HostPort; rule: FollowRule; reason: string }
  | { action: 'keep'; rule: FollowRule; reason: string }
  | { action: 'stop'; rule: FollowRule; reason: string };

export declare function decideFollow(f: FollowFacts): FollowDecision;
export declare const RE_RESOLVE_CODES: readonly ['READONLY', 'NOREPLICAS', 'LOADING', 'MASTERDOWN'];
export declare function reResolveCode(message: string): (typeof RE_RESOLVE_CODES)[number] | undefined;
