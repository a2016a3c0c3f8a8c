import {
  describeRecordValue,
  isRedisZkError,
  joinHostPort,
  leadershipHolder,
  parseHostPort,
  parsePauseInfo,
  probeMaster,
  readGroupSnapshot,
  readRegistry,
  sameHostPort,
  sentinelMaster,
  zkPaths,
  type HistoryEntry,
  type HostPort,
  type PauseApplied,
  type PauseInfo,
  type RedisAuth,
  type RefusedEntry,
  type Zk,
} from '@redis-zk/core';

/** One registered node of a group, as it answered now. */
export interface NodeReport {
  /** `host:port` */
  addr: string;
  role: 'master' | 'replica' | 'unreachable';
  /** The record names it. */
  recorded: boolean;
  /** A replica: whose replica it is (`host:port`), and whether its link is up. */
  replicaOf: string | null;
  linkUp: boolean | null;
  offset: number | null;
  /** A replica: bytes behind the recorded master's offset. */
  lag: number | null;
  fenced: boolean | null;
  server: string | null;
  error: string | null;
  /** What it acknowledged of the pause state (`/redis/pause-applied`), if anything. */
  pause: PauseApplied | null;
}

/** One registered sentinel's view of the group. */
export interface SentinelReport {
  addr: string;
  reachable: boolean;
  /** The master it names (`host:port`); null when it does not monitor the group. */
  names: string | null;
  epoch: number | null;
  quorum: number | null;
  flags: string[];
  error: string | null;
  pause: PauseApplied | null;
}

/** Everything `list` shows and `check` judges about one group, read now. */
export interface GroupReport {
  name: string;
  default: boolean;
  /** The record (`host:port`); null when it names nothing usable. */
  master: string | null;
  /** absent, empty, invalid or valid, with the reason when invalid. */
  record: string;
  epoch: number | null;
  /** zookeeper: a leadership node exists; sentinel: sentinels are registered; unknown: neither. */
  mode: 'sentinel' | 'zookeeper' | 'unknown';
  /** ZooKeeper mode: who holds the leadership (`host:port` as stored), null when nobody. */
  leader: string | null;
  paused: PauseInfo | null;
  nodes: NodeReport[];
  sentinels: SentinelReport[];
  /** Registry entries that are not `<host> <port>` (garbage in ZooKeeper). */
  refused: RefusedEntry[];
  history: HistoryEntry[];
}

export interface Auths {
  redis: RedisAuth;
  sentinel: RedisAuth;
}

/** The groups that have a record under /redis/masters (the default group first when it has one). */
export async function groupNames(zk: Zk, defaultName: string): Promise<string[]> {
  const names = (await zk.children(zkPaths.MASTERS).catch((err) => (isRedisZkError(err, 'ZK_NO_NODE') ? [] : Promise.reject(err)))).sort();
  return names.includes(defaultName) ? [defaultName, ...names.filter((n) => n !== defaultName)] : names;
}

/** Each program's acknowledgement of the pause state, by its name (`server-<host>:<port>` …). */
async function readAcks(zk: Zk, name: string): Promise<Map<string, PauseApplied>> {
  const entries = await readRegistry(zk, zkPaths.pauseAppliedDirOf(name)).catch((err) => (isRedisZkError(err, 'ZK_NO_NODE') ? new Map<string, string>() : Promise.reject(err)));
  return new Map([...entries].filter((e): e is [string, PauseApplied] => e[1] === 'paused' || e[1] === 'running'));
}

/** A record-format `<host> <port>` as people write it (`host:port`, core's joinHostPort); anything else as it is. */
export function colonForm(value: string): string {
  const p = parseHostPort(value);
  return p.ok ? joinHostPort(p.value) : value;
}

/**
 * The reachable servers, and the reachable sentinels that monitor the group, whose
 * acknowledgement is not `want` (what `pause --wait` waits for, and `check` reports).
 */
export function notApplied(r: GroupReport, want: PauseApplied): (NodeReport | SentinelReport)[] {
  return [...r.nodes.filter((n) => n.role !== 'unreachable'), ...r.sentinels.filter((s) => s.reachable && s.names !== null)].filter((p) => p.pause !== want);
}

export async function observeGroup(zk: Zk, name: string, defaultName: string, auth: Auths): Promise<GroupReport> {
  const layout = zkPaths.groupLayout(name, name === defaultName);
  const [snap, leader, pausedNode, acks] = await Promise.all([
    readGroupSnapshot(zk, name, { isDefault: layout.isDefault }),
    zk.get(layout.leader),
    zk.get(zkPaths.pausedOf(name)),
    readAcks(zk, name),
  ]);
  const recorded = snap.record.kind === 'valid' ? snap.record.addr : undefined;
  const probes = await Promise.all(snap.nodes.map((n) => probeMaster(n.addr, auth.redis)));
  const masterProbe = recorded === undefined ? undefined : probes[snap.nodes.findIndex((n) => sameHostPort(n.addr, recorded))]?.probe;
  const masterOffset = masterProbe?.reachable === true && masterProbe.role === 'master' ? masterProbe.offset : undefined;
  const nodes: NodeReport[] = snap.nodes.map((n, i) => {
    const { probe, fenced } = probes[i]!;
    const addr = joinHostPort(n.addr);
    const isRecorded = recorded !== undefined && sameHostPort(n.addr, recorded);
    const pause = acks.get(`server-${addr}`) ?? null;
    if (!probe.reachable) return { addr, role: 'unreachable', recorded: isRecorded, replicaOf: null, linkUp: null, offset: null, lag: null, fenced: null, server: null, error: probe.error, pause };
    const replica = probe.role === 'slave';
    return {
      addr,
      role: replica ? 'replica' : 'master',
      recorded: isRecorded,
      replicaOf: replica && probe.masterHost !== undefined ? joinHostPort({ host: probe.masterHost, port: probe.masterPort ?? 0 }) : null,
      linkUp: replica ? probe.linkUp : null,
      offset: probe.offset,
      lag: replica && masterOffset !== undefined ? Math.max(0, masterOffset - probe.offset) : null,
      fenced: replica ? null : (fenced ?? null),
      server: probe.server,
      error: null,
      pause,
    };
  });
  // The recorded master first, then the others by address: the order a person reads.
  nodes.sort((a, b) => Number(b.recorded) - Number(a.recorded) || a.addr.localeCompare(b.addr));
  const sentinels = await Promise.all(snap.sentinels.map((s) => observeSentinel(s.addr, name, auth.sentinel, acks)));
  sentinels.sort((a, b) => a.addr.localeCompare(b.addr));
  const holder = leadershipHolder(leader);
  return {
    name,
    default: layout.isDefault,
    master: recorded === undefined ? null : joinHostPort(recorded),
    record: describeRecordValue(snap.record),
    epoch: snap.epoch ?? null,
    mode: leader !== undefined ? 'zookeeper' : snap.sentinels.length > 0 ? 'sentinel' : 'unknown',
    leader: holder === undefined || holder === '' ? null : colonForm(holder),
    paused: pausedNode === undefined ? null : parsePauseInfo(pausedNode.data.toString('utf8')),
    nodes,
    sentinels,
    refused: snap.refused,
    history: snap.history,
  };
}

async function observeSentinel(addr: HostPort, name: string, auth: RedisAuth, acks: ReadonlyMap<string, PauseApplied>): Promise<SentinelReport> {
  const key = joinHostPort(addr);
  const pause = acks.get(`sentinel-${key}`) ?? null;
  try {
    const m = await sentinelMaster(addr, auth, name, { strict: true });
    if (m === undefined) return { addr: key, reachable: true, names: null, epoch: null, quorum: null, flags: [], error: null, pause };
    const num = (k: string) => (m[k] !== undefined && /^[0-9]+$/.test(m[k]!) ? Number(m[k]) : null);
    return { addr: key, reachable: true, names: `${m['ip']}:${m['port']}`, epoch: num('config-epoch'), quorum: num('quorum'), flags: (m['flags'] ?? '').split(',').filter(Boolean), error: null, pause };
  } catch (err) {
    if (isRedisZkError(err, 'REDIS_COMMAND_FAILED') && /no such master/i.test(err.message)) return { addr: key, reachable: true, names: null, epoch: null, quorum: null, flags: [], error: null, pause };
    return { addr: key, reachable: false, names: null, epoch: null, quorum: null, flags: [], error: err instanceof Error ? err.message : String(err), pause };
  }
}

