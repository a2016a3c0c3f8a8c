import { EventEmitter } from 'node:events';
import { parseHostPort, preview, watchChildren, watchData, zkPaths, type Disposable, type HostPort, type Logger, type Zk, type ZkState } from '@redis-zk/core';

export interface SentinelEntry extends HostPort {
  id: string;
}

export type MasterRecord = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'address'; addr: HostPort };

interface StateEvents {
  /** The set of live sentinels changed. */
  sentinels: [SentinelEntry[]];
  /** The set of monitored groups changed. */
  groups: [string[]];
}

/**
 * Everything the HTTP API and the subscription need to know about ZooKeeper, kept current by
 * watches so that no request costs a ZooKeeper round trip.
 */
export class WatcherState extends EventEmitter<StateEvents> {
  sentinels: SentinelEntry[] = [];
  nodes: SentinelEntry[] = [];
  /** `/redis/master` */
  master: MasterRecord = { kind: 'absent' };
  /** `/redis/masters/<name>` */
  masters = new Map<string, MasterRecord>();
  epochs = new Map<string, number | undefined>();
  zkState: ZkState = 'connecting';
  private readonly watches: Disposable[] = [];
  /** Refusals already logged, so one garbage record is one warning, not one per watch fire. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly zk: Zk,
    private readonly defaultName: string,
    private readonly log: Logger,
  ) {
    super();
  }

  start(): void {
    this.zkState = this.zk.state;
    this.zk.on('state', (s) => (this.zkState = s));
    this.watches.push(
      watchChildren(this.zk, zkPaths.SENTINELS, (children) => {
        this.sentinels = this.addresses(children, zkPaths.SENTINELS);
        this.emit('sentinels', this.sentinels);
      }),
      watchChildren(this.zk, zkPaths.NODES, (children) => {
        this.nodes = this.addresses(children, zkPaths.NODES);
      }),
      watchData(this.zk, zkPaths.MASTER, (value) => {
        this.master = this.record(value, zkPaths.MASTER);
      }),
      watchChildren(this.zk, zkPaths.MASTERS, (children) => {
        const before = this.groups().join(',');
        this.masters = new Map([...children].map(([name, value]) => [name, this.record(value, zkPaths.masterOf(name))]));
        if (this.groups().join(',') !== before) this.emit('groups', this.groups());
      }),
      watchChildren(this.zk, zkPaths.EPOCHS, (children) => {
        this.epochs = new Map([...children].map(([name, value]) => [name, parseEpoch(value)]));
      }),
    );
  }

  /** MASTER_NAME plus every group under /redis/masters. */
  groups(): string[] {
    return [...new Set([this.defaultName, ...this.masters.keys()])].sort();
  }

  isMonitored(name: string): boolean {
    return name === this.defaultName || this.masters.has(name);
  }

  /** The default group's master as clients see it (`/redis/master`). */
  currentMaster(): HostPort | undefined {
    return this.master.kind === 'address' ? this.master.addr : undefined;
  }

  close(): void {
    for (const w of this.watches.splice(0)) w.close();
  }

  private addresses(children: Map<string, string>, parent: string): SentinelEntry[] {
    const out: SentinelEntry[] = [];
    for (const [id, value] of children) {
      const parsed = parseHostPort(value);
      if (parsed.ok) out.push({ id, ...parsed.value });
      else this.refuse(`${parent}/${id}`, value, parsed.reason);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  private record(value: string | undefined, path: string): MasterRecord {
    if (value === undefined || value === '') return { kind: 'absent' };
    const parsed = parseHostPort(value);
    if (parsed.ok) return { kind: 'address', addr: parsed.value };
    this.refuse(path, value, parsed.reason);
    return { kind: 'invalid', reason: parsed.reason };
  }

  private refuse(path: string, value: string, reason: string): void {
    const key = `${path}\0${value}`;
    if (this.refused.has(key)) return;
    if (this.refused.size > 1000) this.refused.clear();
    this.refused.add(key);
    this.log.warn({ path, value: preview(value) }, `Ignoring ${path}: ${reason}.`);
  }
}

export function parseEpoch(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value)) return undefined;
  return Number(value);
}

export function parseRecord(value: string | undefined): MasterRecord {
  if (value === undefined || value === '') return { kind: 'absent' };
  const parsed = parseHostPort(value);
  return parsed.ok ? { kind: 'address', addr: parsed.value } : { kind: 'invalid', reason: parsed.reason };
}
