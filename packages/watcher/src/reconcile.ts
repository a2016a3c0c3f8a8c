import { isRedisZkError, parseHostPort, sameHostPort, zkPaths, type HostPort, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
import { askSentinelMaster, CommandPool } from './command-pool.js';
import { decideRecord, pickCandidate, type GroupObservation, type RecordDecision } from './decide-record.js';
import { readGroup, writeRecord } from './record-writer.js';
import type { WatcherState } from './state.js';

export interface Written {
  name: string;
  master: HostPort;
  epoch: number;
  changed: boolean;
  reason: string;
  why: string;
}

/** A bounded number of re-reads after a lost version race: each loser re-decides on fresh data. */
const MAX_ATTEMPTS = 5;

/**
 * Asks the sentinels, confirms with ROLE, and repairs ZooKeeper when it differs. One run per
 * group at a time; a request arriving during a run makes exactly one more run afterwards, so an
 * event that lands mid-run is never decided on stale answers.
 */
export class Reconciler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Map<string, string>();
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

  request(name: string, why: string): Promise<void> {
    const current = this.running.get(name);
    if (current !== undefined) {
      this.again.set(name, why);
      return current;
    }
    const run = (async () => {
      let reason: string | undefined = why;
      while (reason !== undefined) {
        this.again.delete(name);
        await this.once(name, reason).catch((err: unknown) => {
          this.log.warn({ group: name, code: isRedisZkError(err) ? err.code : undefined, err: isRedisZkError(err) ? undefined : err }, `Reconciling ${name} failed: ${err instanceof Error ? err.message : String(err)}; the next event or interval retries.`);
        });
        reason = this.again.get(name);
      }
    })().finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async once(name: string, why: string): Promise<void> {
    const isDefault = name === this.defaultName;
    const answers = await this.askSentinels(name);
    const candidate = pickCandidate(answers);
    const candidateIsMaster = candidate !== undefined && (await this.isMaster(candidate.addr));
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const stored = await readGroup(this.zk, name, isDefault);
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
        return;
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
      this.log.info({ group: name, master: decision.master, epoch: decision.epoch, why }, decision.reason);
      this.onWritten({ name, master: decision.master, epoch: decision.epoch, changed: decision.changed, reason: decision.reason, why });
      return;
    }
    this.log.warn({ group: name }, `Gave up writing ${name} after ${MAX_ATTEMPTS} version conflicts; the next event or interval retries.`);
  }

  private async askSentinels(name: string): Promise<{ addr: HostPort; epoch: number }[]> {
    const answers = await Promise.all(
      this.state.sentinels.map(async (s) => {
        const m = await askSentinelMaster(this.pool, s, name);
        if (m === undefined) return undefined;
        // The failover leader raises the master's config epoch when the replica is promoted but
        // changes the address only at the switch: mid-failover its pair is (old address, new
        // epoch), which would pin ZooKeeper to the old master. Others learn both at once.
        if ((m.flags ?? '').split(',').includes('failover_in_progress')) {
          this.log.debug({ sentinel: s, group: name }, `Sentinel ${s.host}:${s.port} is running a failover of ${name}; not using its answer until it switches.`);
          return undefined;
        }
        const addr = parseHostPort(`${m.ip ?? ''} ${m.port ?? ''}`);
        const epoch = Number(m['config-epoch']);
        if (!addr.ok || !Number.isSafeInteger(epoch) || epoch < 0) {
          this.log.warn({ sentinel: s, group: name }, `Sentinel ${s.host}:${s.port} gave an unusable answer for ${name}; ignoring it.`);
          return undefined;
        }
        return { addr: addr.value, epoch };
      }),
    );
    return answers.filter((a): a is { addr: HostPort; epoch: number } => a !== undefined);
  }

  private async isMaster(addr: HostPort): Promise<boolean> {
    try {
      const role = await this.pool.call(addr, 'ROLE');
      return Array.isArray(role) && role[0] === 'master';
    } catch {
      return false;
    }
  }
}
