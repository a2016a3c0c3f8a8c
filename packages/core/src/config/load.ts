import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findBinary, SENTINEL_BINARIES, SERVER_BINARIES } from './binaries.js';
import { ConfigError } from '../errors.js';
import type { RedisAuth } from '../redis/probe.js';
import { readHttpTls, readTls, type HttpTls, type TlsSettings } from '../tls/settings.js';
import {
  type Env,
  type ZkHosts,
  isIPv4,
  parseZkHosts,
  raw,
  readEnum,
  readInt,
  readOptional,
  readPort,
  readSecret,
  readString,
} from './parse.js';
import type { ProgramName } from './variables.js';

export interface ZkConfig extends ZkHosts {
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** `user:password` for digest auth; secret. */
  auth: string | undefined;
}

export interface CommonConfig {
  program: ProgramName;
  zk: ZkConfig;
  port: number;
  bindIp: string | undefined;
  netIface: string;
  netIfaceSet: boolean;
  hostEnv: string | undefined;
  masterName: string;
  /**
   * The group whose record is also `/redis/master` and which keeps 0.1.0's `/redis/lock` and
   * `/redis/nodes`. Server: DEFAULT_MASTER_NAME, else `mymaster`; sentinel and watcher: their
   * MASTER_NAME unless DEFAULT_MASTER_NAME says otherwise.
   */
  defaultMasterName: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  redisPassword: string | undefined;
  /** REDIS_USERNAME: the ACL user replication, the sentinels and the programs use (with REDIS_PASSWORD). */
  redisUsername: string | undefined;
  /** SENTINEL_PASSWORD: the sentinels' own requirepass (and sentinel-pass between them). */
  sentinelPassword: string | undefined;
  /** TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE, TLS_CLIENT_AUTH: TLS on every Redis and Sentinel link. */
  tls: TlsSettings | undefined;
  probeTimeoutMs: number;
}

export interface ServerConfig extends CommonConfig {
  program: 'server';
  redisServerBin: string;
  redisConf: string | undefined;
  /** REDIS_APPENDONLY: the AOF on (the default) or RDB snapshots only. */
  appendOnly: boolean;
  /** GROUP_RESTART_WAIT_MS */
  groupRestartWaitMs: number;
  dataDir: string;
  shutdownTimeoutMs: number;
  /** FAILOVER_MODE: who promotes a replica when the master is gone. */
  failoverMode: 'sentinel' | 'zookeeper';
  /** HTTP_PORT (default Marathon's PORT1): the role checks for load balancers; undefined: none. */
  httpPort: number | undefined;
  /** FENCING: a master that cannot show it is still the master refuses writes. */
  fencing: boolean;
  /** FENCE_AFTER_MS: how long unconfirmed before the fence goes up. */
  fenceAfterMs: number;
  /** Arguments after `--`, passed to redis-server unchanged. */
  extraArgs: string[];
}

export interface SentinelConfig extends CommonConfig {
  program: 'sentinel';
  redisSentinelBin: string;
  sentinelConf: string | undefined;
  workDir: string;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  infoPeriodMs: number;
  masterWaitTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** HTTP_PORT (default PORT1): GET /health and /metrics; undefined when neither is set. */
  httpPort: number | undefined;
}

export interface WatcherConfig extends CommonConfig {
  program: 'watcher';
  /** FAILOVER_MODE=zookeeper: no sentinels; switches are the records' changes, health is the leadership. */
  failoverMode: 'sentinel' | 'zookeeper';
  reconcileIntervalMs: number;
  hookCommand: string | undefined;
  hookTimeoutMs: number;
  /** API_TOKEN: POST /switchover needs it as a bearer token; undefined disables it. */
  apiToken: string | undefined;
  /** HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE: the API over HTTPS only. */
  httpTls: HttpTls | undefined;
}

/**
 * How every program authenticates its two kinds of link: to redis-server (REDIS_PASSWORD, the ACL
 * user) and to the sentinels (SENTINEL_PASSWORD); both with the group's TLS, if any.
 */
export function linkAuths(c: CommonConfig): { redis: RedisAuth; sentinel: RedisAuth } {
  const tls = c.tls?.client;
  return {
    redis: { password: c.redisPassword, username: c.redisUsername, tls, timeoutMs: c.probeTimeoutMs },
    sentinel: { password: c.sentinelPassword, tls, timeoutMs: c.probeTimeoutMs },
  };
}

const DEFAULT_PORT: Record<ProgramName, number> = { server: 6379, sentinel: 26379, watcher: 8080 };
const DAY_MS = 86_400_000;
export const MASTER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const NAME_EXPECTED = 'a name of letters, digits, ".", "_" or "-" (at most 64)';

function loadCommon(program: ProgramName, env: Env): CommonConfig {
  const bindIp = readOptional(env, 'BIND_IP');
  if (bindIp !== undefined && !isIPv4(bindIp)) throw new ConfigError('BIND_IP', bindIp, 'an IPv4 address like 10.0.3.7');
  const masterName = readString(env, 'MASTER_NAME', 'mymaster', MASTER_NAME_PATTERN, NAME_EXPECTED);
  return {
    program,
    zk: {
      ...parseZkHosts(raw(env, 'ZK_HOSTS') ?? 'localhost:2181'),
      sessionTimeoutMs: readInt(env, 'ZK_SESSION_TIMEOUT_MS', 10_000, 1_000, 600_000),
      connectTimeoutMs: readInt(env, 'ZK_CONNECT_TIMEOUT_MS', 30_000, 100, DAY_MS),
      auth: readSecret(env, 'ZK_AUTH', /^[^:\s]+:.+$/, 'digest credentials "user:password"'),
    },
    port: readPort(env, 'PORT0', DEFAULT_PORT[program]),
    bindIp,
    netIface: readString(env, 'NET_IFACE', 'eth0', /^[A-Za-z0-9_.@-]{1,15}$/, 'a network interface name like eth0'),
    netIfaceSet: raw(env, 'NET_IFACE') !== undefined,
    hostEnv: readString(env, 'HOST', '', /^[A-Za-z0-9.-]{1,253}$/, 'a host name or IPv4 address') || undefined,
    masterName,
    defaultMasterName: readString(env, 'DEFAULT_MASTER_NAME', program === 'server' ? 'mymaster' : masterName, MASTER_NAME_PATTERN, NAME_EXPECTED),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const),
    redisPassword: readSecret(env, 'REDIS_PASSWORD', /^[^\s"'\\]{1,512}$/, 'at most 512 characters without spaces, quotes or backslashes'),
    redisUsername: readRedisUsername(env),
    tls: readTls(env),
    sentinelPassword: readSecret(env, 'SENTINEL_PASSWORD', /^[^\s"'\\]{1,512}$/, 'at most 512 characters without spaces, quotes or backslashes'),
    probeTimeoutMs: readInt(env, 'REDIS_PROBE_TIMEOUT_MS', 1_000, 50, 60_000),
  };
}

function readRedisUsername(env: Env): string | undefined {
  const name = readString(env, 'REDIS_USERNAME', '', /^[A-Za-z0-9._-]{1,64}$/, 'an ACL user name of letters, digits, ".", "_" or "-" (at most 64), not "default"') || undefined;
  if (name === 'default') throw new ConfigError('REDIS_USERNAME', name, 'an ACL user name other than "default" (unset REDIS_USERNAME to use the default user)');
  if (name !== undefined && (env.REDIS_PASSWORD ?? '') === '' && (env.REDIS_PASSWORD_FILE ?? '') === '') {
    throw new ConfigError('REDIS_USERNAME', name, 'a user name together with REDIS_PASSWORD (or REDIS_PASSWORD_FILE): the ACL user needs a password');
  }
  return name;
}

function workDir(env: Env, name: string, sandboxSub: string, tmpPrefix: string, port: number): string {
  // Absolute once, here: the child runs in this directory, and a relative `dir` in its config
  // would be applied a second time below it.
  const explicit = readOptional(env, name);
  if (explicit !== undefined) return resolve(explicit);
  const sandbox = readOptional(env, 'MESOS_SANDBOX');
  return sandbox !== undefined ? resolve(sandbox, sandboxSub) : join(tmpdir(), `${tmpPrefix}-${port}`);
}

export function loadServerConfig(env: Env, extraArgs: string[] = []): ServerConfig {
  const common = loadCommon('server', env);
  return {
    ...common,
    program: 'server',
    redisServerBin: readOptional(env, 'REDIS_SERVER_BIN') ?? findBinary(SERVER_BINARIES),
    redisConf: readOptional(env, 'REDIS_CONF'),
    appendOnly: readEnum(env, 'REDIS_APPENDONLY', 'yes', ['yes', 'no'] as const) === 'yes',
    groupRestartWaitMs: readInt(env, 'GROUP_RESTART_WAIT_MS', 10_000, 0, 600_000),
    dataDir: workDir(env, 'REDIS_DATA_DIR', 'redis-data', 'redis-zk-server', common.port),
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    failoverMode: readFailoverMode(env),
    httpPort: readHttpPort(env, common.port),
    fencing: readEnum(env, 'FENCING', 'on', ['on', 'off'] as const) === 'on',
    fenceAfterMs: readFenceAfter(env, common.zk.sessionTimeoutMs),
    extraArgs,
  };
}

/** Server and watcher of one group must agree on it (it is not stored in ZooKeeper). */
function readFailoverMode(env: Env): 'sentinel' | 'zookeeper' {
  return readEnum(env, 'FAILOVER_MODE', 'sentinel', ['sentinel', 'zookeeper'] as const);
}

function readHttpPort(env: Env, redisPort: number, child = 'redis-server'): number | undefined {
  const name = raw(env, 'HTTP_PORT') !== undefined ? 'HTTP_PORT' : raw(env, 'PORT1') !== undefined ? 'PORT1' : undefined;
  if (name === undefined) return undefined;
  const port = readPort(env, name, 0);
  if (port === redisPort) throw new ConfigError(name, String(port), `a port other than PORT0 (${redisPort}), which ${child} listens on`);
  return port;
}

/**
 * The fence must be up before ZooKeeper could expire the master's session (and so before anyone
 * could take its place through ZooKeeper): FENCE_AFTER_MS below the session timeout.
 */
function readFenceAfter(env: Env, sessionTimeoutMs: number): number {
  const value = readInt(env, 'FENCE_AFTER_MS', Math.min(2_000, Math.floor(sessionTimeoutMs / 3)), 100, 600_000);
  if (value >= sessionTimeoutMs) throw new ConfigError('FENCE_AFTER_MS', String(value), `less than ZK_SESSION_TIMEOUT_MS (${sessionTimeoutMs})`);
  return value;
}

export function loadSentinelConfig(env: Env): SentinelConfig {
  const common = loadCommon('sentinel', env);
  return {
    ...common,
    program: 'sentinel',
    redisSentinelBin: readOptional(env, 'REDIS_SENTINEL_BIN') ?? findBinary(SENTINEL_BINARIES),
    sentinelConf: readOptional(env, 'SENTINEL_CONF'),
    workDir: workDir(env, 'SENTINEL_DIR', 'sentinel', 'redis-zk-sentinel', common.port),
    quorum: readInt(env, 'SENTINEL_QUORUM', 2, 1, 100),
    downAfterMs: readInt(env, 'SENTINEL_DOWN_AFTER_MS', 5_000, 100, DAY_MS),
    failoverTimeoutMs: readInt(env, 'SENTINEL_FAILOVER_TIMEOUT_MS', 60_000, 1_000, DAY_MS),
    parallelSyncs: readInt(env, 'SENTINEL_PARALLEL_SYNCS', 1, 1, 100),
    infoPeriodMs: readInt(env, 'SENTINEL_INFO_PERIOD_MS', 1_000, 100, 60_000),
    masterWaitTimeoutMs: readInt(env, 'MASTER_WAIT_TIMEOUT_MS', 300_000, 100, DAY_MS),
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    httpPort: readHttpPort(env, common.port, 'redis-sentinel'),
  };
}

export function loadWatcherConfig(env: Env): WatcherConfig {
  return {
    ...loadCommon('watcher', env),
    program: 'watcher',
    failoverMode: readFailoverMode(env),
    reconcileIntervalMs: readInt(env, 'RECONCILE_INTERVAL_MS', 5_000, 100, DAY_MS),
    hookCommand: readOptional(env, 'HOOK_COMMAND'),
    hookTimeoutMs: readInt(env, 'HOOK_TIMEOUT_MS', 10_000, 100, 600_000),
    apiToken: readSecret(env, 'API_TOKEN', /^[\x21-\x7e]{16,512}$/, '16 to 512 printable characters without spaces'),
    httpTls: readHttpTls(env),
  };
}
