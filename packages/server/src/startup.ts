import {
  formatHostPort,
  type HostPort,
  isRecordConflict,
  isRedisZkError,
  RedisZkError,
  Lock,
  type Logger,
  type RecordValue,
  type RedisAuth,
  whenAborted,
  writeRecord,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import { decideStartup, type StartupDecision } from './decide.js';
import { observe } from './observe.js';

export interface StartupOptions {
  zk: Zk;
  self: HostPort;
  group: zkPaths.GroupLayout;
  auth: RedisAuth;
  sentinelAuth: RedisAuth;
  log: Logger;
  shutdown: AbortSignal;
  /** Pause between observations while waiting for the sentinels. */
  waitRetryMs?: number;
  /** Our redis-server already runs held (data found on disk): what it holds, and the settle window. */
  held?: { keys: number; offset: number; since: number; settleMs: number };
}

export interface Decided {
  /** Held: released by the caller once redis-server answers and is registered. */
  lock: Lock;
  decision: Exclude<StartupDecision, { action: 'wait' }>;
  /** Whom to replicate; undefined when we start as master. */
  replicaOf: HostPort | undefined;
  /** The /redis/master value a `replicate` decision weighed without writing (it may be stale). */
  observedRecord?: RecordValue;
}

/** Our shutdown was asked for while deciding: nothing to decide any more. */
class Aborted extends RedisZkError {
  constructor() {
    super('STOPPING', 'asked to stop before the startup decision');
  }
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return whenAborted(signal, undefined).then(() => {
    throw new Aborted();
  });
}

/**
 * Takes the lock, observes, decides and writes the record, until a decision other than `wait`
 * holds; returns with the lock still held. Undefined when shutdown was requested meanwhile.
 */
export async function decideUnderLock(o: StartupOptions): Promise<Decided | undefined> {
  const { zk, self, log } = o;
  const aborted = untilAborted(o.shutdown);
  aborted.catch(() => undefined);
  const refusedSaid = new Set<string>();
  try {
    for (;;) {
      const lock = new Lock(zk, o.group.lock);
      log.info({ event: 'LOCK_TAKING' }, `Taking the master-decision lock ${o.group.lock}.`);
      await Promise.race([
        lock.acquire({ onWait: (holder) => log.info({ event: 'LOCK_WAITING', holder }, `Waiting for the lock ${o.group.lock}, held by ${holder}.`) }),
        aborted,
      ]);
      const { obs, snapshot, verdict, registeredNodes } = await Promise.race([observe(zk, self, o.group, o.auth, o.sentinelAuth, o.held && { ...o.held, now: Date.now() }), aborted]);
      const decision = decideStartup(obs);
      log.info(
        {
          event: 'ROLE_DECIDED',
          action: decision.action,
          rule: decision.rule,
          record: obs.record.kind === 'valid' ? formatHostPort(obs.record.addr) : obs.record.kind,
          sentinels: obs.sentinelCount,
          liveNodes: registeredNodes,
          probedNodes: obs.nodes.length,
        },
        decision.reason,
      );
      if (obs.record.kind === 'invalid') {
        log.warn({ event: 'RECORD_REFUSED', preview: obs.record.preview }, `Refusing the invalid ${o.group.published} value: ${obs.record.reason}.`);
      }
      // Sentinels that refuse our password or TLS are a setting to fix, not sentinels that are
      // down: said as such, once per sentinel and error.
      if (verdict.kind === 'none') {
        for (const r of verdict.refused) {
          if (refusedSaid.has(r)) continue;
          refusedSaid.add(r);
          log.warn({ event: 'SENTINEL_REFUSES', code: 'SENTINEL_REFUSED' }, `A registered sentinel refuses us, so the group's failover state cannot be read from it: ${r}.`);
        }
      }
      // Junk in the registries is never a node or a sentinel; said once per entry.
      for (const r of snapshot.refused) {
        if (refusedSaid.has(r.path)) continue;
        refusedSaid.add(r.path);
        log.warn({ event: 'ENTRY_IGNORED', path: r.path, preview: r.preview }, `Ignoring ${r.path}: ${r.reason}.`);
      }
      if (decision.action === 'wait') {
        await lock.release();
        await Promise.race([recordChangeOrDelay(zk, o.group.published, o.waitRetryMs ?? 2_000), aborted]);
        continue;
      }
      if (decision.action === 'replicate') return { lock, decision, replicaOf: decision.master, observedRecord: obs.record };
      const target = decision.action === 'claim' ? self : decision.master;
      try {
        await writeRecord(zk, snapshot, target, 'claim');
      } catch (err) {
        // Someone (the watcher) wrote meanwhile: decide again on what is there now.
        if (isRecordConflict(err)) {
          log.warn({ event: 'RECORD_RACE', code: isRedisZkError(err) ? err.code : undefined }, `${o.group.published} changed while deciding; observing again.`);
          // A parent removed by hand: put it back rather than spin on the same failure.
          if (isRedisZkError(err, 'ZK_NO_NODE')) await Promise.all([zk.mkdirp(zkPaths.MASTERS), zk.mkdirp(zkPaths.EPOCHS)]);
          await lock.release();
          continue;
        }
        throw err;
      }
      log.info({ event: 'RECORD_CREATED', master: formatHostPort(target) }, `Wrote ${formatHostPort(target)} to ${o.group.isDefault ? `/redis/master and ${o.group.record}` : o.group.record}.`);
      return { lock, decision, replicaOf: decision.action === 'claim' ? undefined : decision.master };
    }
  } catch (err) {
    if (err instanceof Aborted) return undefined;
    throw err;
  }
}

async function recordChangeOrDelay(zk: Zk, path: string, ms: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    zk.exists(path, () => {
      clearTimeout(timer);
      resolve();
    }).catch(() => undefined);
  });
}
