import { performance } from 'node:perf_hooks';
import { isRedisZkError, joinHostPort, parseHostPort, sameHostPort, zkPaths, type HostPort, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
import { askSentinelMaster, CommandPool } from './command-pool.js';
import { decideRecord, pickCandidate, type GroupObservation, type RecordDecision } from './decide-record.js';
import { decideSwitch, type AnnouncerAnswer } from './decide-switch.js';
import { gather } from './gather.js';
import { readGroup, writeRecord, type StoredGroup } from './record-writer.js';
import type { WatcherState } from './state.js';

export interface Written {
  name: string;
  master: HostPort;
  epoch: number;
  changed: boolean;
  reason: string;
  why: string;
}

/** What a run knows about the master before reading ZooKeeper again after a lost race. */
type Candidate = { candidate: GroupObservation['candidate']; candidateIsMaster: boolean } | { askAll: string };

/** A bounded number of re-reads after a lost version race: each loser re-decides on fresh data. */
const MAX_ATTEMPTS = 5;

/** After a majority of the sentinels answered, how long the others still get. */
const STRAGGLER_GRACE_MS = 100;

/** The switch a sentinel announced, to be confirmed by that sentinel and the new master. */
export interface SwitchHint {
  sentinel: HostPort;
  to: HostPort;
}

type Job = { why: string; hint?: SwitchHint; since?: number };

/** One lane of runs: one at a time, and a request during a run makes exactly one more run after it. */
interface Lane {
  running: Promise<void> | undefined;
  again: Job | undefined;
}

/**
 * Confirms what the sentinels say with ROLE and repairs ZooKeeper when it differs. Per group two
 * lanes: switches (a +switch-master, confirmed by the sentinel that announced it and by the new
 * master) and checks (periodic and on (re)subscription, asking every sentinel). A switch never
 * waits behind a check that is waiting on a slow sentinel; both write with the same
 * version-checked transaction, so running side by side is as safe as two watchers.
 */
export class Reconciler {
  private readonly lanes = new Map<string, { switch: Lane; check: Lane }>();
  private readonly pool: CommandPool;

  constructor(
    private readonly zk: Zk,
    private readonly state: WatcherState,
    private readonly defaultName: string,
    private readonly auth: RedisAuth,
    private readonly log: Logger,
    private readonly onWritten: (w: Written) => void,
  ) {
    this.pool = new CommandPool(auth);
  }

  close(): void {
    this.pool.close();
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
      lanes = { switch: { running: undefined, again: undefined }, check: { running: undefined, again: undefined } };
      this.lanes.set(name, lanes);
    }
    const lane = lanes[kind];
    if (lane.running !== undefined) {
      lane.again = job;
      return lane.running;
    }
    const group = lanes;
    const run = (async () => {
      let next: Job | undefined = job;
      while (next !== undefined) {
        lane.again = undefined;
        const settled = await this.once(name, next).catch((err: unknown) => {
          this.log.warn({ group: name, code: isRedisZkError(err) ? err.code : undefined, err: isRedisZkError(err) ? undefined : err }, `Reconciling ${name} failed: ${err instanceof Error ? err.message : String(err)}; the next event or interval retries.`);
          return false;
        });
        // A switch just settled from fresh sentinel answers: a check still waiting its turn would
        // learn nothing newer (the running one, if any, finishes and may only be refused).
        if (kind === 'switch' && settled && group.check.again !== undefined) {
          this.log.debug({ group: name, superseded: group.check.again.why }, `Dropping a queued check of ${name}: the switch run just settled it.`);
          group.check.again = undefined;
        }
        next = lane.again;
      }
    })().finally(() => {
      lane.running = undefined;
    });
    lane.running = run;
    return run;
  }

  /** True when the run reached a decision (written, or nothing to do). */
  private async once(name: string, job: Job): Promise<boolean> {
    const isDefault = name === this.defaultName;
    const hint = job.hint;
    if (hint === undefined) return this.decideAndWrite(name, job.why, await this.askAll(name), undefined);
    // The announcer, the announced master and ZooKeeper, all at once.
    const [answer, toIsMaster, stored] = await Promise.all([this.askAnnouncer(hint.sentinel, name), this.isMaster(hint.to), readGroup(this.zk, name, isDefault)]);
    if (job.since !== undefined) this.log.debug({ group: name, ms: Math.round(performance.now() - job.since) }, `Asked the announcing sentinel, the announced master and ZooKeeper about ${name}.`);
    const fromAnnouncer = (s: StoredGroup): Candidate => {
      const verdict = decideSwitch({ name, sentinel: hint.sentinel, announced: hint.to, answer, record: s.record, storedEpoch: s.epoch });
      if (verdict.action === 'ask-all') return { askAll: verdict.reason };
      return { candidate: verdict.candidate, candidateIsMaster: toIsMaster };
    };
    return this.decideAndWrite(name, job.why, fromAnnouncer, stored, job.since);
  }

  /**
   * Reads ZooKeeper (unless given the first read), decides and writes with a version check; a
   * lost race re-reads and decides again. `source` is fixed answers, or a function of the record
   * that may ask for every sentinel instead.
   */
  private async decideAndWrite(name: string, why: string, source: Candidate | ((s: StoredGroup) => Candidate), firstRead: StoredGroup | undefined, since?: number): Promise<boolean> {
    const isDefault = name === this.defaultName;
    let prefetched = firstRead;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const stored = prefetched ?? (await readGroup(this.zk, name, isDefault));
      prefetched = undefined;
      let known = typeof source === 'function' ? source(stored) : source;
      if ('askAll' in known) {
        this.log.info({ group: name, why }, known.askAll);
        known = await this.askAll(name);
        source = known;
        continue;
      }
      const { candidate, candidateIsMaster } = known;
      let recordedIsLiveMaster: boolean | undefined;
      if (stored.record.kind === 'address' && candidate !== undefined && !sameHostPort(stored.record.addr, candidate.addr)) {
        // Only worth a round trip when the epoch alone does not decide.
        if (stored.epoch !== undefined && candidate.epoch <= stored.epoch) recordedIsLiveMaster = await this.isMaster(stored.record.addr);
      }
      const observation: GroupObservation = { name, record: stored.record, inSync: stored.inSync, storedEpoch: stored.epoch, candidate, candidateIsMaster, recordedIsLiveMaster };
      const decision: RecordDecision = decideRecord(observation);
      if (decision.action === 'none') {
        const refusing = decision.reason.startsWith('Refusing');
        this.log[refusing ? 'warn' : 'debug']({ group: name, why }, decision.reason);
        return candidate !== undefined && candidateIsMaster;
      }
      try {
        await writeRecord(this.zk, name, isDefault, stored, decision.master, decision.epoch);
      } catch (err) {
        if (isRedisZkError(err, 'ZK_BAD_VERSION') || isRedisZkError(err, 'ZK_NODE_EXISTS')) {
          this.log.info({ group: name, attempt }, `Another writer changed ${name} while deciding; re-reading and deciding again.`);
          continue;
        }
        if (isRedisZkError(err, 'ZK_NO_NODE')) {
          await this.zk.mkdirp(zkPaths.MASTERS);
          await this.zk.mkdirp(zkPaths.EPOCHS);
          continue;
        }
        throw err;
      }
      // For a switch, how long from the announcement reaching us to ZooKeeper having it.
      const ms = since === undefined ? undefined : Math.round((performance.now() - since) * 10) / 10;
      this.log.info({ group: name, master: decision.master, epoch: decision.epoch, why, ms }, decision.reason);
      this.onWritten({ name, master: decision.master, epoch: decision.epoch, changed: decision.changed, reason: decision.reason, why });
      return true;
    }
    this.log.warn({ group: name }, `Gave up writing ${name} after ${MAX_ATTEMPTS} version conflicts; the next event or interval retries.`);
    return false;
  }

  /** Every registered sentinel, deciding from those that answered (highest epoch wins), and ROLE on the winner. */
  private async askAll(name: string): Promise<Candidate> {
    const sentinels = this.state.sentinels;
    const { answers, pending } = await gather(
      sentinels.map((s) => this.askOne(s, name)),
      { quorum: Math.floor(sentinels.length / 2) + 1, graceMs: STRAGGLER_GRACE_MS, deadlineMs: this.auth.timeoutMs },
    );
    if (pending > 0) this.log.debug({ group: name, pending, answered: answers.length }, `Deciding ${name} from the sentinels that answered; ${pending} did not in time.`);
    const candidate = pickCandidate(answers);
    const candidateIsMaster = candidate !== undefined && (await this.isMaster(candidate.addr));
    return { candidate, candidateIsMaster };
  }

  private async askOne(s: HostPort, name: string): Promise<{ addr: HostPort; epoch: number } | undefined> {
    const a = await this.askAnnouncer(s, name);
    if (a.kind === 'failover-in-progress') {
      this.log.debug({ sentinel: s, group: name }, `Sentinel ${joinHostPort(s)} is running a failover of ${name}; not using its answer until it switches.`);
      return undefined;
    }
    if (a.kind === 'unusable') {
      this.log.warn({ sentinel: s, group: name }, `Sentinel ${joinHostPort(s)} gave an unusable answer for ${name}; ignoring it.`);
      return undefined;
    }
    return a.kind === 'master' ? { addr: a.addr, epoch: a.epoch } : undefined;
  }

  private async askAnnouncer(s: HostPort, name: string): Promise<AnnouncerAnswer> {
    const m = await askSentinelMaster(this.pool, s, name);
    if (m === undefined) return { kind: 'none' };
    // The failover leader raises the master's config epoch when the replica is promoted but
    // changes the address only at the switch: mid-failover its pair is (old address, new
    // epoch), which would pin ZooKeeper to the old master. Others learn both at once.
    if ((m.flags ?? '').split(',').includes('failover_in_progress')) return { kind: 'failover-in-progress' };
    const addr = parseHostPort(`${m.ip ?? ''} ${m.port ?? ''}`);
    const epoch = Number(m['config-epoch']);
    if (!addr.ok || !Number.isSafeInteger(epoch) || epoch < 0) return { kind: 'unusable' };
    return { kind: 'master', addr: addr.value, epoch };
  }

  /** ROLE said master. On a master, also keeps connections open to its replicas: the next switch promotes one. */
  private async isMaster(addr: HostPort): Promise<boolean> {
    try {
      const role = await this.pool.call(addr, 'ROLE');
      if (!Array.isArray(role) || role[0] !== 'master') return false;
      for (const r of Array.isArray(role[2]) ? (role[2] as unknown[]) : []) {
        if (!Array.isArray(r)) continue;
        const replica = parseHostPort(`${String(r[0])} ${String(r[1])}`);
        if (replica.ok) this.pool.warm(replica.value);
      }
      return true;
    } catch {
      return false;
    }
  }
}
