import { EventEmitter } from 'node:events';
import { classifyRecord, parseHistory, Pauses, type HistoryEntry, describeRecordValue, formatHostPort, parseEpoch, parseMembers, preview, type RefusedEntry, sameHostPort, type MonitoringHealth, type SentinelAnswer, type SentinelVerdict, GroupNodes, watchChildren, watchData, zkPaths, type Disposable, type HostPort, type Logger, type RecordValue, type Zk, type ZkState } from '@redis-zk/core';

export interface SentinelEntry extends HostPort {
  id: string;
}


interface StateEvents {
  /** The set of live sentinels changed. */
  sentinels: [SentinelEntry[]];
  /** The set of monitored groups changed. */
  groups: [string[]];
  /** A group's record moved from one valid address to another (FAILOVER_MODE=zookeeper's switches). */
  record: [name: string, from: HostPort, to: HostPort];
  /** A group's record changed in any way (by us, by a program, or by hand): the rule judges it at once. */
  'record-changed': [name: string];
  /** What ZooKeeper stores for these groups (record, epoch, history) changed, or may have (a reconnect). */
  'stored-changed': [names: string[]];
}

/**
 * Everything the HTTP API and the subscription need to know about ZooKeeper, kept current by
 * watches so that no request costs a ZooKeeper round trip.
 */
export class WatcherState extends EventEmitter<StateEvents> {
  sentinels: SentinelEntry[] = [];
  /** Every group's live nodes (the default group's `/redis/nodes`, the others' `/redis/groups/<name>/nodes`). */
  private readonly nodes: GroupNodes;
  /** `/redis/master` */
  master: RecordValue = { kind: 'absent' };
  /** `/redis/masters/<name>` */
  masters = new Map<string, RecordValue>();
  epochs = new Map<string, number | undefined>();
  /** Each group's last master changes (`/redis/history/<name>`), as stored. */
  history = new Map<string, HistoryEntry[]>();
  /** Paused groups (maintenance mode, `/redis/paused/<name>`) and who paused them when. */
  readonly pauses: Pauses;
  zkState: ZkState = 'connecting';
  /**
   * Registered sentinels found fit to hand out, by address, from the last all-sentinels check of
   * the default group: answering, monitoring the group and agreeing with the majority. Undefined
   * until the first check.
   */
  private fit: Map<string, string | undefined> | undefined;
  private readonly watches: Disposable[] = [];
  /** Refusals already logged, so one garbage record is one warning, not one per watch fire. */
  private readonly refused = new Set<string>();
  /** Each stored directory's children as last delivered (raw), to tell which groups a fire changed. */
  private readonly stored = new Map<string, Map<string, string>>();
  /** Per group, changes seen to its stored nodes; `reconnects` counts the times any may have been missed. */
  private readonly changes = new Map<string, number>();
  private reconnects = 0;

  constructor(
    private readonly zk: Zk,
    private readonly defaultName: string,
    private readonly log: Logger,
  ) {
    super();
    this.nodes = new GroupNodes(zk, defaultName, () => undefined);
    this.pauses = new Pauses(zk);
  }

  start(): void {
    this.zkState = this.zk.state;
    this.zk.on('state', (s) => {
      this.zkState = s;
      // Changes made while we were away are delivered by the watches' re-reads; until then
      // nothing read before counts as current.
      this.reconnects += 1;
      this.emit('stored-changed', this.groups());
    });
    this.nodes.start();
    this.pauses.watchNow();
    this.watches.push(
      watchChildren(this.zk, zkPaths.SENTINELS, (children) => {
        this.sentinels = this.addresses(children, zkPaths.SENTINELS);
        this.emit('sentinels', this.sentinels);
      }),
      watchData(this.zk, zkPaths.MASTER, (value) => {
        this.storedNow(zkPaths.MASTER, new Map(value === undefined ? [] : [[this.defaultName, value]]));
        this.master = this.record(value, zkPaths.MASTER);
        this.emit('record-changed', this.defaultName);
      }),
      watchChildren(this.zk, zkPaths.MASTERS, (children) => {
        this.storedNow(zkPaths.MASTERS, children);
        const before = this.groups().join(',');
        const previous = this.masters;
        this.masters = new Map([...children].map(([name, value]) => [name, this.record(value, zkPaths.masterOf(name))]));
        if (this.groups().join(',') !== before) this.emit('groups', this.groups());
        for (const [name, now] of this.masters) {
          const was = previous.get(name);
          if (was?.kind === 'valid' && now.kind === 'valid' && !sameHostPort(was.addr, now.addr)) this.emit('record', name, was.addr, now.addr);
          if (was === undefined || describeRecordValue(was) !== describeRecordValue(now)) this.emit('record-changed', name);
        }
      }),
      watchChildren(this.zk, zkPaths.EPOCHS, (children) => {
        this.storedNow(zkPaths.EPOCHS, children);
        this.epochs = new Map([...children].map(([name, value]) => [name, parseEpoch(value)]));
      }),
      watchChildren(this.zk, zkPaths.HISTORY, (children) => {
        this.storedNow(zkPaths.HISTORY, children);
        this.history = new Map([...children].map(([name, value]) => [name, parseHistory(value)]));
      }),
    );
  }

  /**
   * Changes seen so far to what ZooKeeper stores for a group (its record, epoch and history): a
   * snapshot read between two equal readings saw no change the watches know of. A change that
   * keeps the content (a rewrite, a re-creation) is not counted: it moves a version, which the
   * one writer's checks refuse.
   */
  storedGeneration(name: string): string {
    return `${this.reconnects}.${this.changes.get(name) ?? 0}`;
  }

  private storedNow(dir: string, children: Map<string, string>): void {
    const before = this.stored.get(dir) ?? new Map<string, string>();
    this.stored.set(dir, new Map(children));
    const changed = [...new Set([...before.keys(), ...children.keys()])].filter((name) => before.get(name) !== children.get(name));
    if (changed.length === 0) return;
    for (const name of changed) this.changes.set(name, (this.changes.get(name) ?? 0) + 1);
    this.emit('stored-changed', changed);
  }

  /**
   * Records the outcome of an all-sentinels check of the default group: each registered
   * sentinel is fit or refused with a reason, said in the log once per change.
   */
  vet(answers: readonly SentinelAnswer[], verdict: SentinelVerdict): void {
    const next = new Map<string, string | undefined>();
    for (const a of answers) {
      const key = formatHostPort(a.sentinel);
      let refusal: string | undefined;
      if (a.kind === 'unreachable') refusal = `it does not answer (${a.error})`;
      else if (a.kind === 'unknown-group') refusal = `it does not monitor ${this.defaultName}`;
      else if (a.kind === 'unusable') refusal = 'it gives an unusable SENTINEL MASTER answer';
      else if (a.kind === 'master' && verdict.kind === 'agreed' && !sameHostPort(a.master, verdict.master)) {
        refusal = `it names ${formatHostPort(a.master)} (epoch ${a.epoch}) while the majority names ${formatHostPort(verdict.master)}`;
      }
      // Mid-failover a sentinel keeps its previous standing.
      if (a.kind === 'failover-in-progress') refusal = this.fit?.get(key);
      next.set(key, refusal);
      const before = this.fit?.get(key);
      const known = this.fit?.has(key) ?? false;
      if (refusal !== undefined && (before === undefined || !sameKind(before, refusal))) {
        this.log.warn({ event: 'SENTINEL_NOT_SERVED', sentinel: key, group: this.defaultName }, `Refusing the registered sentinel ${key}: ${refusal}; it is not handed out by /sentinels or /sentinel.`);
      } else if (refusal === undefined && known && before !== undefined) {
        this.log.info({ event: 'SENTINEL_SERVED', sentinel: key, group: this.defaultName }, `The registered sentinel ${key} is fit again.`);
      }
    }
    this.fit = next;
  }

  /** The sentinels /sentinels and /sentinel hand out: registered and found fit by the last check. */
  servedSentinels(): SentinelEntry[] {
    const fit = this.fit;
    if (fit === undefined) return [];
    return this.sentinels.filter((s) => fit.has(formatHostPort(s)) && fit.get(formatHostPort(s)) === undefined);
  }

  /** Why a registered sentinel is not handed out, for /status. */
  refusal(s: HostPort): string | undefined {
    const key = formatHostPort(s);
    if (this.fit === undefined || !this.fit.has(key)) return 'not checked yet';
    return this.fit.get(key);
  }

  /** Per group, whether the sentinels can monitor its master (from the last all-sentinels check). */
  readonly monitoring = new Map<string, MonitoringHealth>();

  setMonitoring(name: string, h: MonitoringHealth): void {
    const before = this.monitoring.get(name);
    this.monitoring.set(name, h);
    if (!h.ok && (before === undefined || before.ok || before.reason !== h.reason)) this.log.error({ event: 'GROUP_UNHEALTHY', group: name }, `${h.reason[0]!.toUpperCase()}${h.reason.slice(1)}.`);
    else if (h.ok && before !== undefined && !before.ok) this.log.info({ event: 'GROUP_HEALTHY', group: name }, `The sentinels monitor the master of ${name} again.`);
  }

  /** MASTER_NAME plus every group under /redis/masters. */
  groups(): string[] {
    return [...new Set([this.defaultName, ...this.masters.keys()])].sort();
  }

  isMonitored(name: string): boolean {
    return name === this.defaultName || this.masters.has(name);
  }

  /**
   * Per group, the master the authority rule last backed: in Sentinel mode the reconciler's last
   * decision (what it wrote, or the record it let stand), in ZooKeeper mode the leadership's
   * holder. Undefined when nothing was decided yet, or nobody holds the leadership.
   */
  private readonly backed = new Map<string, HostPort>();

  setBacked(name: string, addr: HostPort | undefined): void {
    if (addr === undefined) this.backed.delete(name);
    else this.backed.set(name, addr);
  }

  /** The default group's master as served. */
  currentMaster(): HostPort | undefined {
    return this.masterOf(this.defaultName);
  }

  /** A group's record as clients see it: `/redis/master` for the default group, else `/redis/masters/<name>`. */
  recordOf(name: string): RecordValue | undefined {
    return name === this.defaultName ? this.master : this.masters.get(name);
  }

  /**
   * A group's master as served (`/master`, `/masters`, `/status`, metrics): the one the rule
   * backs, never a record it has not judged. A record changed by hand (forged, or garbage) is
   * judged at once ('record-changed'); until then, and when the rule repairs it, the master the
   * rule backed is served. With nothing decided yet, the record.
   */
  masterOf(name: string): HostPort | undefined {
    const b = this.backed.get(name);
    if (b !== undefined) return b;
    const r = this.recordOf(name);
    return r?.kind === 'valid' ? r.addr : undefined;
  }

  /** Every group whose record names a master → that master. */
  knownMasters(): Map<string, HostPort> {
    const out = new Map<string, HostPort>();
    for (const g of this.groups()) {
      const m = this.masterOf(g);
      if (m !== undefined) out.set(g, m);
    }
    return out;
  }

  /** The live nodes of a group, parsed as every program parses them. */
  nodesOf(name: string): SentinelEntry[] {
    const dir = zkPaths.groupLayout(name, name === this.defaultName).nodes;
    return this.addresses(new Map(this.nodes.of(name)), dir);
  }

  close(): void {
    this.nodes.close();
    this.pauses.close();
    for (const w of this.watches.splice(0)) w.close();
  }

  /** The registry parsed as every program parses it (core parseMembers); refusals said once. */
  private addresses(children: Map<string, string>, parent: string): SentinelEntry[] {
    const refused: RefusedEntry[] = [];
    const members = parseMembers(parent, children, refused);
    for (const r of refused) this.refuse(r.path, r.preview, r.reason);
    return members.map((m) => ({ id: m.id, ...m.addr }));
  }

  private record(value: string | undefined, path: string): RecordValue {
    const r = classifyRecord(value);
    if (r.kind === 'invalid' && value !== undefined) this.refuse(path, value, r.reason);
    return r;
  }

  private refuse(path: string, value: string, reason: string): void {
    const key = `${path}\0${value}`;
    if (this.refused.has(key)) return;
    if (this.refused.size > 1000) this.refused.clear();
    this.refused.add(key);
    this.log.warn({ event: 'ENTRY_IGNORED', path, value: preview(value) }, `Ignoring ${path}: ${reason}.`);
  }
}

/** Refusals of the same kind (the epoch or the error text may change) are said once. */
function sameKind(a: string, b: string): boolean {
  return a.split(' ').slice(0, 3).join(' ') === b.split(' ').slice(0, 3).join(' ');
}
