import { PAUSED_QUORUM, sameHostPort, tlsDirectives, type HostPort, type TlsSettings } from '@redis-zk/core';

export interface MonitoredGroup {
  name: string;
  master: HostPort;
  /**
   * What a fresh sentinel must know before it can take part in a failover: the replicas (the
   * group's live nodes) and the other sentinels (address and myid). Without them a sentinel that
   * wins the leader election in its first seconds aborts with no good replica.
   */
  knownReplicas?: HostPort[];
  knownSentinels?: KnownSentinel[];
  /** Maintenance mode: monitored with PAUSED_QUORUM, so no failover starts on its own. */
  paused?: boolean;
}

export interface KnownSentinel {
  addr: HostPort;
  /** `SENTINEL MYID`: 40 hex characters. */
  id: string;
}

export interface GroupTimings {
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  /** Secret: only ever written to the 0600 file or sent over the sentinel's socket. */
  authPass: string | undefined;
  /** REDIS_USERNAME: the ACL user the sentinel authenticates as (with authPass). */
  authUser?: string;
}

export interface SentinelConfInput extends GroupTimings {
  port: number;
  /** The `bind` directive's addresses, space-separated. */
  bind: string;
  dir: string;
  announceIp: string;
  announcePort: number;
  /** The default group first. */
  groups: MonitoredGroup[];
  /** The user's SENTINEL_CONF text, if any. */
  base: string | undefined;
  /** The myid claimed in ZooKeeper: a departed sentinel's, so the others replace its entry. */
  myid?: string;
  /** SENTINEL_PASSWORD (secret): this sentinel's requirepass, and what it gives the others. */
  sentinelPass?: string;
  /** TLS_*: the sentinel listens with TLS only and talks TLS to masters, replicas and sentinels. */
  tls?: Pick<TlsSettings, 'certFile' | 'keyFile' | 'caFile' | 'clientAuth'>;
}

/** Top-level directives we always write ourselves. `daemonize yes` would detach from supervision. */
const OWNED_TOP = new Set(['port', 'bind', 'dir', 'daemonize']);
/** `sentinel <sub>` without a group that we write, or that are state of another sentinel (a copied myid would merge two sentinels into one). */
const OWNED_SENTINEL_GLOBAL = new Set(['announce-ip', 'announce-port', 'myid', 'current-epoch']);
const SENTINEL_GLOBAL = new Set([
  ...OWNED_SENTINEL_GLOBAL,
  'deny-scripts-reconfig',
  'resolve-hostnames',
  'announce-hostnames',
  'sentinel-user',
  'sentinel-pass',
]);
/**
 * Per-group settings we own for the groups we monitor, plus per-group state a previous run wrote
 * (known sentinels/replicas of an old life would bring back exactly the stale entries hygiene removes).
 */
const OWNED_PER_GROUP = new Set([
  'monitor',
  'down-after-milliseconds',
  'failover-timeout',
  'parallel-syncs',
  'auth-pass',
  'auth-user',
  'config-epoch',
  'leader-epoch',
  'known-replica',
  'known-slave',
  'known-sentinel',
]);

function tokens(line: string): string[] {
  return line.trim().split(/\s+/);
}

function isIp(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

/** The per-group lines after `sentinel monitor`, which must come first for redis-sentinel to accept them. */
export function groupLines(name: string, t: GroupTimings): string[] {
  const lines = [
    `sentinel down-after-milliseconds ${name} ${t.downAfterMs}`,
    `sentinel failover-timeout ${name} ${t.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} ${t.parallelSyncs}`,
  ];
  if (t.authPass !== undefined) lines.push(`sentinel auth-pass ${name} ${t.authPass}`);
  if (t.authUser !== undefined) lines.push(`sentinel auth-user ${name} ${t.authUser}`);
  return lines;
}

/**
 * The sentinel.conf of this start: the user's base lines first (minus what we own, never
 * truncated otherwise), then ours. User settings for a monitored group that we do not own
 * (notification-script, rename-command…) are moved after our `sentinel monitor` line, where
 * redis-sentinel accepts them.
 */
export function generateSentinelConf(input: SentinelConfInput): string {
  const ours = new Set(input.groups.map((g) => g.name));
  const kept: string[] = [];
  const perGroup = new Map<string, string[]>();
  let userProtectedMode = false;
  let userResolveHostnames = false;

  for (const line of (input.base ?? '').split(/\r?\n/)) {
    const t = tokens(line);
    const directive = (t[0] ?? '').toLowerCase();
    if (directive === '' || directive.startsWith('#')) {
      kept.push(line);
      continue;
    }
    if (OWNED_TOP.has(directive)) continue;
    if (input.tls !== undefined && directive.startsWith('tls-')) continue;
    // With SENTINEL_PASSWORD the sentinels' own password is ours, whatever SENTINEL_CONF says.
    if (input.sentinelPass !== undefined && (directive === 'requirepass' || (directive === 'sentinel' && ['sentinel-pass', 'sentinel-user'].includes((t[1] ?? '').toLowerCase())))) continue;
    if (directive === 'protected-mode') userProtectedMode = true;
    if (directive === 'sentinel') {
      const sub = (t[1] ?? '').toLowerCase();
      if (OWNED_SENTINEL_GLOBAL.has(sub)) continue;
      if (sub === 'resolve-hostnames') userResolveHostnames = true;
      const group = t[2];
      if (!SENTINEL_GLOBAL.has(sub) && group !== undefined && ours.has(group)) {
        if (OWNED_PER_GROUP.has(sub)) continue;
        perGroup.set(group, [...(perGroup.get(group) ?? []), line.trim()]);
        continue;
      }
    }
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();

  const out: string[] = ['# Generated by redis-zk-sentinel at start; redis-sentinel rewrites this file while it runs.'];
  if (kept.length > 0) out.push('# --- from SENTINEL_CONF ---', ...kept, '# --- redis-zk-sentinel ---');
  out.push(...tlsDirectives(input.port, input.tls), `bind ${input.bind}`, `dir ${input.dir}`, 'daemonize no');
  // Sentinels must reach each other across hosts; the bind address and auth are the protection.
  if (!userProtectedMode) out.push('protected-mode no');
  out.push(`sentinel announce-ip ${input.announceIp}`, `sentinel announce-port ${input.announcePort}`);
  if (input.myid !== undefined) out.push(`sentinel myid ${input.myid}`);
  if (input.sentinelPass !== undefined) out.push(`requirepass ${input.sentinelPass}`, `sentinel sentinel-pass ${input.sentinelPass}`);
  if (!userResolveHostnames && input.groups.some((g) => !isIp(g.master.host))) out.push('sentinel resolve-hostnames yes');
  for (const g of input.groups) {
    out.push(`sentinel monitor ${g.name} ${g.master.host} ${g.master.port} ${g.paused === true ? PAUSED_QUORUM : input.quorum}`);
    out.push(...groupLines(g.name, input));
    out.push(...(perGroup.get(g.name) ?? []));
    for (const r of g.knownReplicas ?? []) if (!sameHostPort(r, g.master)) out.push(`sentinel known-replica ${g.name} ${r.host} ${r.port}`);
    for (const k of g.knownSentinels ?? []) if (k.id !== input.myid) out.push(`sentinel known-sentinel ${g.name} ${k.addr.host} ${k.addr.port} ${k.id}`);
  }
  return `${out.join('\n')}\n`;
}

export interface PruneInput {
  /** Keep a `known-sentinel` entry of this address (`<host> <port>`)? */
  keepSentinel: (group: string, addr: string) => boolean;
  /** Keep a `known-replica` entry? */
  keepReplica: (group: string, addr: string) => boolean;
}

export interface Pruned {
  text: string;
  /** `<group>: <host> <port>` of every entry dropped. */
  sentinels: string[];
  replicas: string[];
}

/**
 * The sentinel's own rewritten config minus the entries to forget. Restarting the sentinel on it
 * forgets departed sentinels and dead replicas while keeping everything else it knew — the live
 * replicas above all — where SENTINEL RESET forgets everything and leaves a sentinel that can win
 * an election knowing no replica.
 */
export function pruneKnown(text: string, p: PruneInput): Pruned {
  const sentinels: string[] = [];
  const replicas: string[] = [];
  const kept = text.split('\n').filter((line) => {
    const t = tokens(line);
    if ((t[0] ?? '').toLowerCase() !== 'sentinel' || t.length < 5) return true;
    const sub = (t[1] ?? '').toLowerCase();
    const group = t[2] ?? '';
    const addr = `${t[3]} ${t[4]}`;
    if (sub === 'known-sentinel' && !p.keepSentinel(group, addr)) {
      sentinels.push(`${group}: ${addr}`);
      return false;
    }
    if ((sub === 'known-replica' || sub === 'known-slave') && !p.keepReplica(group, addr)) {
      replicas.push(`${group}: ${addr}`);
      return false;
    }
    return true;
  });
  return { text: kept.join('\n'), sentinels, replicas };
}
