import { RedisZkError } from '../errors.js';
import { joinHostPort, type HostPort } from '../hostport.js';
import { withConnection } from './connection.js';
import type { TlsClient } from '../tls/settings.js';

export interface RedisAuth {
  password: string | undefined;
  /** REDIS_USERNAME: an ACL user instead of `default` (with `password`). */
  username?: string;
  /** TLS on the link (the group's CA, our certificate as the client's). */
  tls?: TlsClient;
  timeoutMs: number;
}

export interface ReplicaInfo {
  host: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
}

/** What one INFO call tells about a Redis server. */
export interface RedisObservation {
  reachable: true;
  role: 'master' | 'slave';
  /** For a replica: where it replicates from, whether the link is up. */
  masterHost: string | undefined;
  masterPort: number | undefined;
  linkUp: boolean;
  /** For a replica: replica-priority (0: never promote; lower is preferred), from slave_priority. */
  priority: number;
  /** For a replica: seconds since it last heard from its master; Infinity when the link is down. */
  lastIoSecondsAgo: number;
  /** master_repl_offset */
  offset: number;
  /** Sum of keys over all databases, and per database (`db0` → keys). */
  keys: number;
  keysPerDb: Record<string, number>;
  /** For a master: its connected replicas. */
  replicas: ReplicaInfo[];
  runId: string;
  /** master_replid / master_replid2: a promoted replica keeps its old master's ID as replid2. */
  replid: string;
  replid2: string;
  /**
   * second_repl_offset: for a promoted replica, one past the offset it held when promoted (what it
   * had received from its old master); -1 when it never was.
   */
  secondReplOffset: number;
  /** The server and its own version: `valkey 8.0.1`, `redis 7.0.15`. */
  server: string;
}

export type RedisProbe = RedisObservation | { reachable: false; error: string };

/**
 * INFO text → section name (lower case) → key → value. Lines before any `# Section` header go
 * to section ''. Values stay raw strings (`slave0:ip=…,port=…` is split by parseFields).
 */
export function parseInfo(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase();
      current = sections[name] ??= {};
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current ??= sections[''] ??= {};
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return sections;
}

/** `ip=10.0.0.1,port=6379,state=online` → { ip: '10.0.0.1', port: '6379', state: 'online' }. */
export function parseFields(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function num(v: string | undefined): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : 0;
}

/**
 * `valkey 8.0.1` or `redis 7.0.15` from INFO's server section. Valkey answers `redis_version:7.2.4`
 * for clients that check it, and its own version as `valkey_version` beside `server_name:valkey`.
 */
export function serverFromInfo(info: Record<string, Record<string, string>>): string {
  const s = info['server'] ?? {};
  const name = s['server_name'] ?? 'redis';
  const version = s[`${name}_version`] ?? s['redis_version'] ?? 'unknown';
  return `${name} ${version}`;
}

/** The observation INFO describes; pure, for tests and for callers that already hold INFO text. */
export function observationFromInfo(text: string): RedisObservation {
  const info = parseInfo(text);
  const repl = info['replication'] ?? {};
  const role = repl['role'] === 'slave' ? 'slave' : 'master';
  const keysPerDb: Record<string, number> = {};
  for (const [db, value] of Object.entries(info['keyspace'] ?? {})) {
    if (/^db[0-9]+$/.test(db)) keysPerDb[db] = num(parseFields(value)['keys']);
  }
  const replicas: ReplicaInfo[] = [];
  for (const [key, value] of Object.entries(repl)) {
    if (!/^slave[0-9]+$/.test(key)) continue;
    const f = parseFields(value);
    if (f['ip'] === undefined || f['port'] === undefined) continue;
    replicas.push({ host: f['ip'], port: num(f['port']), state: f['state'] ?? 'unknown', offset: num(f['offset']), lag: num(f['lag']) });
  }
  const masterPort = repl['master_port'];
  return {
    reachable: true,
    role,
    masterHost: role === 'slave' ? repl['master_host'] : undefined,
    masterPort: role === 'slave' && masterPort !== undefined ? num(masterPort) : undefined,
    linkUp: role === 'slave' && repl['master_link_status'] === 'up',
    priority: num(repl['slave_priority'] ?? '100'),
    lastIoSecondsAgo: repl['master_last_io_seconds_ago'] === undefined || num(repl['master_last_io_seconds_ago']) < 0 ? Infinity : num(repl['master_last_io_seconds_ago']),
    offset: num(repl['master_repl_offset'] ?? repl['slave_repl_offset']),
    keys: Object.values(keysPerDb).reduce((a, b) => a + b, 0),
    keysPerDb,
    replicas,
    runId: info['server']?.['run_id'] ?? '',
    replid: repl['master_replid'] ?? '',
    replid2: repl['master_replid2'] ?? '',
    secondReplOffset: repl['second_repl_offset'] === undefined ? -1 : num(repl['second_repl_offset']),
    server: serverFromInfo(info),
  };
}

/** One INFO round trip within `timeoutMs`; never throws — unreachable is an observation. */
export async function probeRedis(addr: HostPort, auth: RedisAuth): Promise<RedisProbe> {
  try {
    const text = await withConnection(addr, auth, (c) => c.info());
    return observationFromInfo(text);
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export interface PingWaitOptions {
  /** Pause between attempts (default 100 ms; a refused connection costs nothing, so a caller holding a lock polls faster). */
  pollMs?: number;
  /**
   * Only this process counts: `INFO server`'s process_id must be it. Another server answering on
   * the port (ours failed to bind) is a failure, not something to wait for.
   */
  pid?: number;
  /** The error for another process answering (default: CHILD_START_FAILED naming both pids). */
  foreign?: (theirs: number) => Error;
  /** Stop waiting once this settles (the child exited). */
  giveUp?: Promise<unknown>;
}

/** Resolves once the server answers PING (any role), polling until `deadlineMs` elapses; REDIS_TIMEOUT then. */
export async function waitForPing(addr: HostPort, auth: RedisAuth, deadlineMs: number, opts: PingWaitOptions = {}): Promise<void> {
  const until = Date.now() + deadlineMs;
  const pollMs = opts.pollMs ?? 100;
  let last = 'no attempt made';
  let gaveUp = false;
  void opts.giveUp?.then(
    () => (gaveUp = true),
    () => (gaveUp = true),
  );
  let foreign: Error | undefined;
  while (!gaveUp) {
    const remaining = until - Date.now();
    if (remaining <= 0) break;
    try {
      const reply = await withConnection(addr, { ...auth, timeoutMs: Math.max(50, Math.min(auth.timeoutMs, remaining)) }, async (c) => {
        if (opts.pid !== undefined) {
          // INFO is served while the dataset loads; PING waits until the data is in.
          const theirs = Number(parseInfo(await c.info('server'))['server']?.['process_id']);
          if (Number.isInteger(theirs) && theirs > 0 && theirs !== opts.pid) {
            foreign = opts.foreign?.(theirs) ?? new RedisZkError('CHILD_START_FAILED', `port ${addr.port} is served by another process (pid ${theirs}), not the one we started (pid ${opts.pid})`);
            throw foreign;
          }
        }
        return c.ping();
      });
      if (reply === 'PONG') return;
      last = `unexpected reply ${JSON.stringify(reply)}`;
    } catch (err) {
      if (foreign !== undefined) throw foreign;
      last = err instanceof Error ? err.message : String(err);
      // LOADING (dataset still loading) and connection refusals are what waiting is for.
    }
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, until - Date.now()))));
  }
  throw new RedisZkError('REDIS_TIMEOUT', `Redis at ${joinHostPort(addr)} did not answer PING within ${deadlineMs} ms (last: ${last})`);
}
