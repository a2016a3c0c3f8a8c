import { formatHostPort, parseHostPort, readGroupSnapshot, watchChildren, watchData, zkPaths, type Disposable, type HostPort, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
import { chooseStartMaster } from './start-master.js';
import { decideGroups, decideNewGroup } from './decide-groups.js';
import { maybeRepoint } from './repoint.js';
import type { GroupTimings, MonitoredGroup } from './sentinel-conf.js';
import type { SentinelControl } from './sentinel-control.js';

export interface GroupsOptions {
  zk: Zk;
  log: Logger;
  control: SentinelControl;
  defaultName: string;
  timings: GroupTimings;
  redisAuth: RedisAuth;
}

/**
 * Every group to monitor at start, each at the master its registered sentinels agree on (a
 * stale record loses to their majority, see chooseStartMaster) with its own live nodes as known
 * replicas. The default group comes first (its record is /redis/master, when there is one), so a
 * record of another group naming the same instance is the one refused.
 */
export async function readStartGroups(
  zk: Zk,
  defaultName: string,
  defaultMaster: HostPort | undefined,
  auth: { redis: RedisAuth; sentinel: RedisAuth },
  log: Logger,
): Promise<{ groups: MonitoredGroup[] }> {
  const names = await zk.children(zkPaths.MASTERS);
  const records = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const node = await zk.get(zkPaths.masterOf(name));
      if (node) records.set(name, node.data.toString('utf8'));
    }),
  );
  const taken = new Map<string, string>();
  if (defaultMaster !== undefined) taken.set(formatHostPort(defaultMaster), defaultName);
  const chosen: { name: string; record: HostPort }[] = defaultMaster === undefined ? [] : [{ name: defaultName, record: defaultMaster }];
  for (const a of decideGroups(defaultName, records, new Set(), taken)) {
    if (a.action === 'monitor') chosen.push({ name: a.name, record: a.master });
    else if (a.action === 'refuse') log.warn({ event: 'GROUP_REFUSED', group: a.name }, a.reason);
  }
  const groups = await Promise.all(
    chosen.map(async ({ name, record }): Promise<MonitoredGroup> => {
      const snapshot = await readGroupSnapshot(zk, name, { isDefault: name === defaultName });
      const start = await chooseStartMaster(snapshot, record, auth, log);
      if (start.warn) log.warn({ event: 'GROUP_MONITORED', rule: start.rule, group: name, master: formatHostPort(start.master) }, start.reason);
      else log.info({ event: 'GROUP_MONITORED', rule: start.rule, group: name, master: formatHostPort(start.master) }, start.reason);
      return { name, master: start.master, knownReplicas: snapshot.nodes.map((n) => n.addr) };
    }),
  );
  return { groups };
}

/**
 * Run-time follow-up of the groups: new /redis/masters children are monitored, vanished ones
 * removed, and a changed record is checked for a whole-group restart (decideRepoint).
 * Actions run one at a time, in the order ZooKeeper reported them.
 */
export class Groups {
  private readonly monitored = new Set<string>();
  private readonly lastRecord = new Map<string, string>();
  private readonly refused = new Map<string, string>();
  private readonly watches: Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private recheck: NodeJS.Timeout | undefined;
  /** The last listing of /redis/masters (name → record). */
  private latest: Map<string, string> | undefined;

  constructor(private readonly o: GroupsOptions, initial: MonitoredGroup[]) {
    for (const g of initial) {
      this.monitored.add(g.name);
      this.lastRecord.set(g.name, formatHostPort(g.master));
    }
  }

  names(): string[] {
    return [...this.monitored];
  }

  start(): void {
    this.watches.push(
      watchData(this.o.zk, zkPaths.MASTER, (value) => {
        if (value !== undefined) this.onRecord(this.o.defaultName, value);
      }),
      watchChildren(this.o.zk, zkPaths.MASTERS, (children) => {
        this.latest = children;
        this.enqueue(() => this.apply(children));
      }),
    );
    // A record change may arrive while the sentinel's master is not down yet, or mid-failover:
    // look again while ZooKeeper and the sentinel differ.
    this.recheck = setInterval(() => this.recheckAll(), Math.max(2_000, this.o.timings.downAfterMs));
    this.recheck.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.recheck);
    for (const w of this.watches) w.close();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        this.o.log.warn({ event: 'GROUP_CHANGE_FAILED', err: String(err) }, 'could not apply a group change to our sentinel; it is applied again within a few seconds');
      }
    });
  }

  private recheckAll(): void {
    // A group change that failed to apply (our redis-sentinel restarting, a timeout) is applied
    // again from the latest listing: the groups converge even when ZooKeeper reports no change.
    if (this.latest !== undefined) {
      const latest = this.latest;
      this.enqueue(() => this.apply(latest));
    }
    for (const name of this.monitored) {
      const parsed = parseHostPort(this.lastRecord.get(name) ?? '');
      if (parsed.ok) this.enqueue(() => maybeRepoint(name, parsed.value, this.o, true));
    }
  }

  private onRecord(name: string, value: string): void {
    if (this.lastRecord.get(name) === value) return;
    const parsed = parseHostPort(value);
    if (!parsed.ok) {
      this.lastRecord.set(name, value);
      this.o.log.warn({ event: 'RECORD_REFUSED', group: name }, `ignoring the new record of group ${name}: ${parsed.reason}`);
      return;
    }
    const record: HostPort = parsed.value;
    if (!this.monitored.has(name)) {
      // The default group, created after we started with other groups only.
      this.enqueue(() => this.monitorLate(name, record, value));
      return;
    }
    this.lastRecord.set(name, value);
    this.enqueue(() => maybeRepoint(name, record, this.o));
  }

  private async monitorLate(name: string, record: HostPort, value: string): Promise<void> {
    if (this.monitored.has(name)) return;
    const d = decideNewGroup(name, record, this.taken());
    if (d.action !== 'monitor') {
      this.o.log.warn({ event: 'GROUP_REFUSED', group: name }, d.reason);
      return;
    }
    this.o.log.info({ event: 'GROUP_MONITORED', group: name, master: formatHostPort(record) }, d.reason);
    await this.o.control.monitor(name, record, this.o.timings);
    this.monitored.add(name);
    this.lastRecord.set(name, value);
  }

  /** `<host> <port>` of each monitored group's recorded master → the group. */
  private taken(): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of this.monitored) {
      const p = parseHostPort(this.lastRecord.get(name) ?? '');
      if (p.ok) out.set(formatHostPort(p.value), name);
    }
    return out;
  }

  private async apply(children: Map<string, string>): Promise<void> {
    const { control, log } = this.o;
    for (const a of decideGroups(this.o.defaultName, children, this.monitored, this.taken())) {
      if (a.action === 'refuse') {
        if (this.refused.get(a.name) !== children.get(a.name)) log.warn({ event: 'GROUP_REFUSED', group: a.name }, a.reason);
        this.refused.set(a.name, children.get(a.name) ?? '');
        continue;
      }
      this.refused.delete(a.name);
      if (a.action === 'monitor') {
        log.info({ event: 'GROUP_MONITORED', group: a.name }, a.reason);
        await control.monitor(a.name, a.master, this.o.timings);
        this.monitored.add(a.name);
        this.lastRecord.set(a.name, formatHostPort(a.master));
      } else {
        log.info({ event: 'GROUP_REMOVED', group: a.name }, a.reason);
        await control.remove(a.name);
        this.monitored.delete(a.name);
        this.lastRecord.delete(a.name);
      }
    }
    for (const [name, value] of children) {
      if (name !== this.o.defaultName && this.monitored.has(name)) this.onRecord(name, value);
    }
  }
}
