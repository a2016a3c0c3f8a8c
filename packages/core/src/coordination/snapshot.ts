import { formatHostPort, parseHostPort, preview, type HostPort } from '../hostport.js';
import type { NodeData, Zk } from '../zk/client.js';
import * as paths from '../zk/paths.js';
import { parseHistory, type HistoryEntry } from './history.js';

/** What a record node holds, classified once so every program reads it the same way. */
export type RecordValue =
  | { kind: 'absent' }
  | { kind: 'empty' }
  | { kind: 'invalid'; preview: string; reason: string }
  | { kind: 'valid'; addr: HostPort };

export function classifyRecord(raw: string | undefined): RecordValue {
  if (raw === undefined) return { kind: 'absent' };
  if (raw.trim() === '') return { kind: 'empty' };
  const parsed = parseHostPort(raw);
  if (!parsed.ok) return { kind: 'invalid', preview: preview(raw), reason: parsed.reason };
  return { kind: 'valid', addr: parsed.value };
}

export function describeRecordValue(r: RecordValue): string {
  switch (r.kind) {
    case 'absent':
    case 'empty':
      return r.kind;
    case 'invalid':
      return `invalid (${JSON.stringify(r.preview)}: ${r.reason})`;
    case 'valid':
      return formatHostPort(r.addr);
  }
}

/** A registered ephemeral entry (`/redis/sentinels/<id>`, `/redis/nodes/<id>`). */
export interface Member {
  id: string;
  addr: HostPort;
}

/** An entry whose value is not `<host> <port>`: refused, never used. */
export interface RefusedEntry {
  path: string;
  preview: string;
  reason: string;
}

/**
 * One group as ZooKeeper holds it, with the versions the one writer checks. Reads are pipelined
 * on one session, epoch first: ZooKeeper answers a session's requests in order, and any write
 * after the epoch read bumps its version, so a decision on this snapshot cannot land over a
 * newer one.
 */
export interface GroupSnapshot {
  name: string;
  isDefault: boolean;
  /** What clients read: `/redis/master` for the default group, else `/redis/masters/<name>`. */
  record: RecordValue;
  /** `/redis/masters/<name>` equals `/redis/master` (always true for other groups). */
  inSync: boolean;
  /** `/redis/epochs/<name>`; undefined when absent or not a decimal number. */
  epoch: number | undefined;
  versions: { epoch: number | undefined; group: number | undefined; master: number | undefined; history: number | undefined };
  /** `/redis/history/<name>` as stored, and whether `/redis/history` exists at all. */
  history: HistoryEntry[];
  historyDir: boolean;
  /** Distinct live sentinels by address (the first id seen for an address). */
  sentinels: Member[];
  nodes: Member[];
  refused: RefusedEntry[];
}

export function parseEpoch(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value)) return undefined;
  return Number(value);
}

const text = (n: NodeData | undefined) => n?.data.toString('utf8');

/** Children of a registry parsed into members; refusals are reported, duplicates by address dropped. */
export function parseMembers(dir: string, entries: ReadonlyMap<string, string>, refused: RefusedEntry[] = []): Member[] {
  const out: Member[] = [];
  for (const [id, value] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    const p = parseHostPort(value);
    if (!p.ok) refused.push({ path: `${dir}/${id}`, preview: preview(value), reason: p.reason });
    else if (!out.some((m) => m.addr.host === p.value.host && m.addr.port === p.value.port)) out.push({ id, addr: p.value });
  }
  return out;
}

export async function readRegistry(zk: Zk, dir: string): Promise<Map<string, string>> {
  const names = await zk.children(dir);
  const values = await Promise.all(names.map((n) => zk.get(`${dir}/${n}`).catch(() => undefined)));
  const out = new Map<string, string>();
  names.forEach((n, i) => {
    const v = text(values[i]);
    if (v !== undefined) out.set(n, v);
  });
  return out;
}

export interface SnapshotOptions {
  isDefault: boolean;
  /** Skip the registries when the caller keeps them current by watches. */
  registries?: boolean;
}

export async function readGroupSnapshot(zk: Zk, name: string, opts: SnapshotOptions): Promise<GroupSnapshot> {
  const withRegistries = opts.registries ?? true;
  const layout = paths.groupLayout(name, opts.isDefault);
  const [epoch, group, master, history, historyDir, sentinels, nodes] = await Promise.all([
    zk.get(paths.epochOf(name)),
    zk.get(paths.masterOf(name)),
    opts.isDefault ? zk.get(paths.MASTER) : Promise.resolve(undefined),
    zk.get(paths.historyOf(name)),
    zk.exists(paths.HISTORY),
    withRegistries ? readRegistry(zk, paths.SENTINELS) : Promise.resolve(new Map<string, string>()),
    withRegistries ? readRegistry(zk, layout.nodes) : Promise.resolve(new Map<string, string>()),
  ]);
  const refused: RefusedEntry[] = [];
  return {
    name,
    isDefault: opts.isDefault,
    record: classifyRecord(opts.isDefault ? text(master) : text(group)),
    inSync: !opts.isDefault || text(group) === text(master),
    epoch: parseEpoch(text(epoch)),
    versions: { epoch: epoch?.stat.version, group: group?.stat.version, master: master?.stat.version, history: history?.stat.version },
    history: parseHistory(text(history)),
    historyDir: historyDir !== undefined,
    sentinels: parseMembers(paths.SENTINELS, sentinels, refused),
    nodes: parseMembers(layout.nodes, nodes, refused),
    refused,
  };
}
