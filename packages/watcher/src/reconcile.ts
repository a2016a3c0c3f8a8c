import { performance } from 'node:perf_hooks';
import {
  askSentinels,
  confirmsLineage,
  formatHostPort,
  isRecordConflict,
  isRedisZkError,
  monitoringHealth,
  observationFromInfo,
  readGroupSnapshot,
  RetriesExhausted,
  sameHostPort,
  sentinelVerdict,
  SingleFlight,
  withRetry,
  writeRecord,
  zkPaths,
  type GroupSnapshot,
  type HostPort,
  type Logger,
  type RedisAuth,
  type SentinelAnswer,
  type Zk,
} from '@redis-zk/core';
import { askSentinelMaster, CommandPool } from './command-pool.js';
import { decideRecord, type GroupObservation, type RecordDecision } from './decide-record.js';
import { decideSwitch, type AnnouncerAnswer, type SwitchRule } from './decide-switch.js';
import type { WatcherState } from './state.js';

export interface Written {
  name: string;
  master: HostPort;
  epoch: number;
  changed: boolean;
  reason: string;
  why: string;
  /** For a switch: from its announcement reaching the watcher to ZooKeeper holding it. */
  ms?: number;
}

/** What a run knows about the master before reading ZooKeeper again after a lost race. */
type Answered = { candidate: GroupObservation['candidate']; candidateIsMaster: boolean };
type Candidate = Answered | { askAll: string; rule: SwitchRule };

/** A bounded number of re-reads after a lost version race: each loser re-decides on fresh data. */
const MAX_ATTEMPTS = 5;

/** After a majority of the sentinels answered, how long the others still get. */
const STRAGGLER_GRACE_MS = 100;

/** After a change to a group's stored nodes, how long to let the rest of it land before reading it again. */
const SNAPSHOT_REFRESH_MS = 50;

/** The switch a sentinel announced, to be confirmed by that sentinel and the new master. */
export interface SwitchHint {
  sentinel: HostPort;
  to: HostPort;
}

type Job = { why: string; hint?: SwitchHint; since?: number };
/**
 * A switch's marks on this process's clock: the announcement received, and the announcer, the
 * announced master and ZooKeeper answered. `decideMs` includes a re-read after a lost race, or
 * the round of every sentinel when the announcement was not confirmed.
 */
type SwitchTiming = { since: number; asked: number; sentinelMs: number; lineageMs: number; zkReadMs: number; snapshot: 'kept' | 'read' };

/** INFO replication of an address that answered as master, reduced to what decisions use. */
interface MasterFacts {
  replid: string;
  replid2: string;
}

/**
 * Confirms what the sentinels say and repairs ZooKeeper when it differs, by the one authority
 * rule (core/coordination/authority.ts). Per group two lanes: switches (a +switch-master,
 * confirmed by the announcing sentinel and by the new master's lineage) and checks (periodic and
 * on (re)subscription, where a majority of the registered sentinels decides). A switch never
 * waits behind a check that is waiting on a slow sentinel; both write through the one writer,
 * version-checked, so running side by side is as safe as two watchers.
 */
export class Reconciler {
  /** Per group, one run at a time in each lane (a request during a run makes one more after it). */
  private readonly lanes = new Map<string, { switch: SingleFlight<Job>; check: SingleFlight<Job> }>();
  private readonly pool: CommandPool;
  /** The sentinels' own connections: their password (SENTINEL_PASSWORD) is not the masters'. */
  private readonly sentinelPool: CommandPool;
  /** The replication ID last seen on each address while it answered as master (lineage checks). */
  private readonly replids = new Map<string, string>();
  /**
   * Each group's last snapshot, while the state's watches have seen no change to its stored
   * nodes since it was read. A switch decides on it instead of reading ZooKeeper (its slowest
   * question): the transaction checks the version of every node the decision used, so a snapshot
   * that went stale still cannot land. Checks, and re-reads after a lost race, read afresh.
   */
  private readonly kept = new Map<string, { generation: string; snapshot: GroupSnapshot }>();
  /** Our own writes: each makes every kept snapshot stale before the watches can say so. */
  private writes = 0;
  private readonly toRefresh = new Set<string>();
  /** Groups whose snapshot this watcher has read: the ones worth keeping one of. */
  private readonly readGroups = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly zk: Zk,
    private readonly state: WatcherState,
    private readonly defaultName: string,
    private readonly auth: RedisAuth,
    sentinelAuth: RedisAuth,
    private readonly log: Logger,
    private readonly onWritten: (w: Written) => void,
  ) {
    this.pool = new CommandPool(auth);
    this.sentinelPool = new CommandPool(sentinelAuth);
    this.state.on('stored-changed', (names) => this.storedChanged(names));
  }

  close(): void {
    clearTimeout(this.refreshTimer);
    this.pool.close();
    this.sentinelPool.close();
  }

  all(why: string): Promise<void> {
    return Promise.all(this.state.groups().map((name) => this.request(name, why))).then(() => undefined);
  }

  /** A check of one group against every sentinel. */
  request(name: string, why: string): Promise<void> {
    return this.enqueue(name, 'check', { why });
  }

  /** A switch announced by a sentinel: decided from that sentinel and the new master, at once. */
  switched(name: string, hint: SwitchHint, why: string): Promise<void> {
    return this.enqueue(name, 'switch', { why, hint, since: performance.now() });
  }

  private enqueue(name: string, kind: 'switch' | 'check', job: Job): Promise<void> {
    let lanes = this.lanes.get(name);
    if (lanes === undefined) {
      lanes = { switch: new SingleFlight((j) => this.runJob(name, 'switch', j)), check: new SingleFlight((j) => this.runJob(name, 'check', j)) };
      this.lanes.set(name, lanes);
    }
    return lanes[kind].request(job);
  }

  private async runJob(name: string, kind: 'switch' | 'check', job: Job): Promise<void> {
    const settled = await this.once(name, job).catch((err: unknown) => {
      this.log.warn({ event: 'RECONCILE_FAILED', group: name, code: isRedisZkError(err) ? err.code : undefined, err: isRedisZkError(err) ? undefined : err }, `Reconciling ${name} failed: ${err instanceof Error ? err.message : String(err)}; the next event or interval retries.`);
      return false;
    });
    // A switch just settled from fresh sentinel answers: a check still waiting its turn would
    // learn nothing newer (the running one, if any, finishes and may only be refused).
    if (kind === 'switch' && settled) {
      const dropped = this.lanes.get(name)?.check.dropPending();
      if (dropped !== undefined) this.log.debug({ group: name, superseded: dropped.why }, `Dropping a queued check of ${name}: the switch run just settled it.`);
    }
  }

  private async snapshot(name: string): Promise<GroupSnapshot> {
    const generation = this.generation(name);
    // The registries are kept current by the state's watches: only the group's own nodes are read.
    const s = await readGroupSnapshot(this.zk, name, { isDefault: name === this.defaultName, registries: false });
    this.readGroups.add(name);
    if (this.generation(name) === generation) this.kept.set(name, { generation, snapshot: s });
    return s;
  }

  private generation(name: string): string {
    return `${this.state.storedGeneration(name)}/${this.writes}`;
  }

  /** The kept snapshot while nothing it holds is known to have changed, else a new read. */
  private latestSnapshot(name: string): { snapshot: Promise<GroupSnapshot>; kept: boolean } {
    const k = this.kept.get(name);
    if (k !== undefined && k.generation === this.generation(name)) return { snapshot: Promise.resolve(k.snapshot), kept: true };
    return { snapshot: this.snapshot(name), kept: false };
  }

  /** Drops what went stale and reads it again once the change has landed, ready for the next switch. */
  private storedChanged(names: readonly string[]): void {
    for (const name of names) {
      this.kept.delete(name);
      // Only what this watcher decides on (nothing in FAILOVER_MODE=zookeeper, where it never reads one).
      if (this.readGroups.has(name)) this.toRefresh.add(name);
    }
    if (this.toRefresh.size === 0) return;
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      const names = [...this.toRefresh].filter((n) => this.state.isMonitored(n));
      this.toRefresh.clear();
      for (const name of names) void this.snapshot(name).catch(() => undefined);
    }, SNAPSHOT_REFRESH_MS);
    this.refreshTimer.unref();
  }

  /** True when the run reached a decision (written, or nothing to do). */
  private async once(name: string, job: Job): Promise<boolean> {
    const hint = job.hint;
    if (hint === undefined) return this.decideAndWrite(name, job.why, await this.askAll(name), undefined);
    // The announcer, the announced master and ZooKeeper, all at once.
    const t0 = performance.now();
    const took = <T>(p: Promise<T>): Promise<[T, number]> => p.then((v) => [v, performance.now() - t0]);
    const latest = this.latestSnapshot(name);
    const [[answer, sentinelMs], [toFacts, lineageMs], [stored, zkReadMs]] = await Promise.all([took(this.askAnnouncer(hint.sentinel, name)), took(this.masterFacts(hint.to)), took(latest.snapshot)]);
    const timing = job.since === undefined ? undefined : { since: job.since, asked: performance.now(), sentinelMs, lineageMs, zkReadMs, snapshot: latest.kept ? ('kept' as const) : ('read' as const) };
    const fromAnnouncer = (s: GroupSnapshot): Candidate => {
      const recorded = s.record.kind === 'valid' ? s.record.addr : undefined;
      const lineage = confirmsLineage({
        announced: hint.to,
        announcedReplid2: toFacts?.replid2,
        previousReplid: recorded === undefined ? undefined : this.replids.get(formatHostPort(recorded)),
        members: this.state.nodesOf(name),
      });
      const verdict = decideSwitch({ name, sentinel: hint.sentinel, announced: hint.to, answer, record: s.record, storedEpoch: s.epoch, lineage });
      if (verdict.action === 'ask-all') return { askAll: verdict.reason, rule: verdict.rule };
      return { candidate: verdict.candidate, candidateIsMaster: toFacts !== undefined };
    };
    return this.decideAndWrite(name, job.why, fromAnnouncer, stored, timing);
  }

  /**
   * Reads ZooKeeper (unless given the first read), decides and writes through the one writer; a
   * lost race re-reads and decides again. `source` is fixed answers, or a function of the record
   * that may ask for every sentinel instead.
   */
  private async decideAndWrite(name: string, why: string, source: Candidate | ((s: GroupSnapshot) => Candidate), firstRead: GroupSnapshot | undefined, timing?: SwitchTiming): Promise<boolean> {
    let prefetched = firstRead;
    try {
      return await withRetry(
        async () => {
          const first = prefetched !== undefined;
          const stored = prefetched ?? (await this.snapshot(name));
          prefetched = undefined;
          // After a lost race the decision stands on a new read, whatever the first one was.
          if (!first && timing !== undefined) timing = { ...timing, snapshot: 'read' };
          let known = typeof source === 'function' ? source(stored) : source;
          if ('askAll' in known) {
            this.log.info({ event: 'SWITCH_UNCONFIRMED', rule: known.rule, group: name, why }, known.askAll);
            known = await this.askAll(name);
            source = known;
          }
          return this.decideOn(name, why, stored, known, timing);
        },
        {
          attempts: MAX_ATTEMPTS,
          retryOn: isRecordConflict,
          onRetry: (err, attempt) => this.log.info({ event: 'RECORD_RACE', group: name, attempt, code: isRedisZkError(err) ? err.code : undefined }, `Another writer changed ${name} while deciding; re-reading and deciding again.`),
        },
      );
    } catch (err) {
      if (!(err instanceof RetriesExhausted)) throw err;
      this.log.warn({ event: 'RECONCILE_FAILED', group: name }, `Gave up writing ${name} after ${MAX_ATTEMPTS} version conflicts; the next event or interval retries.`);
      return false;
    }
  }

  private async decideOn(name: string, why: string, stored: GroupSnapshot, known: Answered, timing: SwitchTiming | undefined): Promise<boolean> {
    const { candidate, candidateIsMaster } = known;
    let recordedIsLiveMaster: boolean | undefined;
    if (stored.record.kind === 'valid' && candidate !== undefined && !sameHostPort(stored.record.addr, candidate.addr)) {
      // Only worth a round trip when the epoch alone does not decide.
      if (stored.epoch !== undefined && candidate.epoch <= stored.epoch) recordedIsLiveMaster = (await this.masterFacts(stored.record.addr)) !== undefined;
    }
    const observation: GroupObservation = { name, record: stored.record, inSync: stored.inSync, storedEpoch: stored.epoch, candidate, candidateIsMaster, recordedIsLiveMaster };
    const decision: RecordDecision = decideRecord(observation);
    // What clients are served from now on: what this decision writes, or the record it lets stand.
    this.state.setBacked(name, decision.action === 'write' ? decision.master : stored.record.kind === 'valid' ? stored.record.addr : undefined);
    if (decision.action === 'none') {
      this.log[decision.rule === 'refuse-older-master' ? 'warn' : 'debug']({ event: 'RECORD_KEPT', rule: decision.rule, group: name, why }, decision.reason);
      return candidate !== undefined && candidateIsMaster;
    }
    const decided = performance.now();
    try {
      // A change the sentinels made is a failover; a record brought back to what they say, a repair.
      await writeRecord(this.zk, stored, decision.master, decision.rule === 'newer-epoch' || decision.rule === 'recorded-master-dead' ? 'failover' : 'repair', decision.epoch);
      this.writes += 1;
      this.storedChanged([name]);
    } catch (err) {
      if (isRedisZkError(err, 'ZK_NO_NODE')) {
        await this.zk.mkdirp(zkPaths.MASTERS);
        await this.zk.mkdirp(zkPaths.EPOCHS);
      }
      throw err;
    }
    // For a switch, how long from the announcement reaching us to ZooKeeper having it, step by
    // step, on this process's clock (bench/switch-latency.mjs prints them).
    const written = performance.now();
    const round = (x: number) => Math.round(x * 100) / 100;
    const ms = timing === undefined ? undefined : round(written - timing.since);
    const steps =
      timing === undefined
        ? undefined
        : { askMs: round(timing.asked - timing.since), sentinelMs: round(timing.sentinelMs), lineageMs: round(timing.lineageMs), zkReadMs: round(timing.zkReadMs), snapshot: timing.snapshot, decideMs: round(decided - timing.asked), writeMs: round(written - decided) };
    this.log.info({ event: 'RECORD_WRITTEN', rule: decision.rule, group: name, master: decision.master, epoch: decision.epoch, why, ms, steps }, decision.reason);
    this.onWritten({ name, master: decision.master, epoch: decision.epoch, changed: decision.changed, reason: decision.reason, why, ms });
    return true;
  }

  /** Every registered sentinel; a majority of them must name the master (rule A1), confirmed by INFO on it. */
  private async askAll(name: string): Promise<Answered> {
    const sentinels = distinct(this.state.sentinels);
    const answers = await askSentinels(sentinels, name, (s, n) => askSentinelMaster(this.sentinelPool, s, n), { graceMs: STRAGGLER_GRACE_MS, deadlineMs: this.auth.timeoutMs });
    const verdict = sentinelVerdict(sentinels.length, answers);
    const late = answers.filter((a) => a.kind === 'unreachable' && a.error === 'no answer in time').length;
    if (late > 0) this.log.debug({ event: 'CHECK_PARTIAL', group: name, pending: late, answered: answers.length - late }, `Deciding ${name} from the sentinels that answered; ${late} did not in time.`);
    if (name === this.defaultName) this.state.vet(answers, verdict);
    this.state.setMonitoring(name, monitoringHealth(name, answers));
    if (verdict.kind !== 'agreed') {
      this.log.debug({ group: name, answers: answers.map(describeAnswer) }, `No decision for ${name}: ${verdict.reason}.`);
      return { candidate: undefined, candidateIsMaster: false };
    }
    const candidate = { addr: verdict.master, epoch: verdict.epoch, sentinels: verdict.votes };
    return { candidate, candidateIsMaster: (await this.masterFacts(candidate.addr)) !== undefined };
  }

  private async askAnnouncer(s: HostPort, name: string): Promise<AnnouncerAnswer> {
    const [answer] = await askSentinels([s], name, (x, n) => askSentinelMaster(this.sentinelPool, x, n), { graceMs: 0, deadlineMs: this.auth.timeoutMs });
    switch (answer?.kind) {
      case 'master':
        return { kind: 'master', addr: answer.master, epoch: answer.epoch };
      case 'failover-in-progress':
        return { kind: 'failover-in-progress' };
      case 'unusable':
        return { kind: 'unusable' };
      default:
        return { kind: 'none' };
    }
  }

  /**
   * INFO replication when the address answers as master, else undefined. Remembers its replication
   * ID for later lineage checks, and keeps connections open to its replicas: the next switch
   * promotes one.
   */
  private async masterFacts(addr: HostPort): Promise<MasterFacts | undefined> {
    try {
      const info = await this.pool.call(addr, 'INFO', 'replication');
      const o = observationFromInfo(String(info));
      if (o.role !== 'master') return undefined;
      this.replids.set(formatHostPort(addr), o.replid);
      if (this.replids.size > 1000) this.replids.delete(this.replids.keys().next().value as string);
      for (const r of o.replicas) this.pool.warm({ host: r.host, port: r.port });
      return { replid: o.replid, replid2: o.replid2 };
    } catch {
      return undefined;
    }
  }
}

function distinct(list: readonly HostPort[]): HostPort[] {
  const out: HostPort[] = [];
  for (const a of list) if (!out.some((b) => sameHostPort(a, b))) out.push({ host: a.host, port: a.port });
  return out;
}

function describeAnswer(a: SentinelAnswer): string {
  const s = formatHostPort(a.sentinel);
  return a.kind === 'master' ? `${s}: ${formatHostPort(a.master)} epoch ${a.epoch}` : `${s}: ${a.kind}`;
}

