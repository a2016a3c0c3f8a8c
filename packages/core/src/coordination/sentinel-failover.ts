import { setTimeout as sleep } from 'node:timers/promises';
import { isRedisZkError, RedisZkError } from '../errors.js';
import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import { redisCommand, sentinelMaster } from '../redis/commands.js';
import { probeRedis, type RedisAuth, type RedisObservation } from '../redis/probe.js';
import type { GroupLayout } from '../zk/paths.js';
import type { Zk } from '../zk/client.js';
import { confirmsLineage } from './authority.js';
import { readGroupSnapshot, type GroupSnapshot } from './snapshot.js';
import { isRecordConflict, writeRecord } from './writer.js';
import type { ChangeCause } from './history.js';

/**
 * The one Sentinel-mode hand-off: a planned switchover (POST /switchover), a master stopped on
 * purpose (SIGTERM) and a master whose redis-server crashed under its wrapper all end here, each
 * giving only its candidates and its time budget. The caller has made sure every candidate holds
 * every acknowledged write (writes paused and caught up, or the master dead and every promotable
 * replica at the same offset); from here the sentinels promote, the promotion is confirmed by the authority rule's
 * lineage (rule A2: the asked sentinel leads the failover, the new master carries the old one's
 * replication ID and is a live node of the group), and ZooKeeper records it, version-checked.
 */
export interface SentinelFailoverOptions {
  zk: Zk;
  layout: GroupLayout;
  /** The recorded master being replaced. */
  from: HostPort;
  /** Replicas that hold every acknowledged write; the promoted one must be among them. */
  candidates: readonly HostPort[];
  /** The old master's replication ID: the promoted replica must carry it as its `master_replid2`. */
  previousReplid: string;
  sentinels: readonly HostPort[];
  auth: RedisAuth;
  sentinelAuth: RedisAuth;
  /** How long the promotion may take to be seen, from the request on. */
  withinMs: number;
  /** Origin of the step times (performance.now()); defaults to the call. */
  t0?: number;
  /** What the history says of this change. */
  cause: Extract<ChangeCause, 'switchover' | 'hand-off' | 'crash-failover'>;
}

export interface SentinelFailoverResult {
  to: HostPort;
  /** The epoch written beside the record, or undefined when ZooKeeper already named the new master. */
  epoch: number | undefined;
  steps: string[];
}

/** How a sentinel answered SENTINEL FAILOVER, by the error reply's code (never its wording). */
export type FailoverReply = 'accepted' | 'in-progress' | 'no-good-replica' | 'refused';

const POLL_MS = 3;
const fmt = formatHostPort;

/** The code of a Redis error reply (`INPROG`, `NOGOODSLAVE`, `READONLY` …): its first word. */
export function replyCode(err: unknown): string | undefined {
  if (!isRedisZkError(err, 'REDIS_COMMAND_FAILED')) return undefined;
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : undefined;
  return message === undefined ? undefined : /^([A-Z][A-Z_-]*)\b/.exec(message)?.[1];
}

export function classifyFailoverReply(err: unknown): FailoverReply {
  if (err === undefined) return 'accepted';
  const code = replyCode(err);
  if (code === 'INPROG') return 'in-progress';
  if (code === 'NOGOODSLAVE') return 'no-good-replica';
  return 'refused';
}

/**
 * Asks the sentinels, in random order, until one accepts SENTINEL FAILOVER. A failover already
 * running (INPROG) is the same outcome: the group is being failed over, and the caller confirms
 * its result the same way. Every sentinel refusing (NOGOODSLAVE included): nothing moved
 * (SWITCHOVER_ABORTED).
 */
export async function askFailover(name: string, sentinels: readonly HostPort[], sentinelAuth: RedisAuth): Promise<{ reply: 'accepted' | 'in-progress'; sentinel: HostPort }> {
  const refusals: string[] = [];
  for (const s of [...sentinels].sort(() => Math.random() - 0.5)) {
    const err = await redisCommand(s, sentinelAuth, 'SENTINEL', 'FAILOVER', name).then(
      () => undefined,
      (e: unknown) => e,
    );
    const reply = classifyFailoverReply(err);
    if (reply === 'accepted' || reply === 'in-progress') return { reply, sentinel: s };
    // NOGOODSLAVE from one sentinel may only mean it has not reached a replica yet: ask the next.
    refusals.push(`${fmt(s)}: ${reply === 'no-good-replica' ? 'NOGOODSLAVE (no replica it finds fit)' : err instanceof Error ? err.message : String(err)}`);
  }
  throw new RedisZkError('SWITCHOVER_ABORTED', `no sentinel agreed to fail ${name} over (${refusals.join('; ') || 'none registered'})`);
}

/**
 * The failover, confirmed and recorded. Throws SWITCHOVER_ABORTED when no sentinel took it on
 * (nothing moved), SWITCHOVER_FAILED when it was taken on but its result could not be confirmed
 * in time (the watcher's reconcile records whatever the sentinels decide).
 */
export async function failOverThroughSentinels(o: SentinelFailoverOptions): Promise<SentinelFailoverResult> {
  const t0 = o.t0 ?? performance.now();
  const at = () => `${Math.round(performance.now() - t0)} ms`;
  const steps: string[] = [];
  const deadline = performance.now() + o.withinMs;
  const { reply, sentinel } = await askFailover(o.layout.name, o.sentinels, o.sentinelAuth);
  steps.push(reply === 'accepted' ? `sentinel ${fmt(sentinel)} accepted SENTINEL FAILOVER (${at()})` : `a failover of ${o.layout.name} was already running (${fmt(sentinel)}: INPROG) (${at()})`);

  // The group and the sentinel's epoch are read while the promotion happens; the write is
  // version-checked against that read.
  const [promoted, snap, sentinelEpoch] = await Promise.all([
    untilPromoted(o, deadline),
    readGroupSnapshot(o.zk, o.layout.name, { isDefault: o.layout.isDefault }),
    sentinelMaster(sentinel, o.sentinelAuth, o.layout.name).then((m) => Number(m?.['config-epoch'] ?? 0) || 0, () => 0),
  ]);
  steps.push(`${fmt(promoted.addr)} answers as master (${at()})`);
  const lineage = confirmsLineage({ announced: promoted.addr, members: snap.nodes.map((n) => n.addr), previousReplid: o.previousReplid, announcedReplid2: promoted.probe.replid2 });
  if (!lineage.ok) throw new RedisZkError('SWITCHOVER_FAILED', `the promoted ${fmt(promoted.addr)} is not confirmed: ${lineage.reason}; the watcher's reconcile records what the sentinels agree on`);
  const { epoch, step } = await record(o, snap, promoted.addr, sentinelEpoch, at);
  steps.push(step);
  return { to: promoted.addr, epoch, steps };
}

/**
 * Until a candidate answers as master carrying the old master's replication ID: the replica the
 * sentinel promoted. Nothing here promotes a replica: sending REPLICAOF NO ONE to the replica a
 * sentinel flags `promoted` would save it a timer tick, but a flag read from a sentinel can be
 * another failover's (CI saw a hand-off record the flagged replica while the sentinel promoted
 * another), and two masters then lose whatever one of them acknowledged.
 */
async function untilPromoted(o: SentinelFailoverOptions, deadline: number): Promise<{ addr: HostPort; probe: RedisObservation }> {
  for (;;) {
    const probes = await Promise.all(o.candidates.map((c) => probeRedis(c, o.auth)));
    const i = probes.findIndex((p) => p.reachable && p.role === 'master' && p.replid2 === o.previousReplid);
    if (i >= 0) return { addr: o.candidates[i]!, probe: probes[i] as RedisObservation };
    if (performance.now() >= deadline) {
      throw new RedisZkError('SWITCHOVER_FAILED', `none of ${o.candidates.map(fmt).join(', ')} answered as master promoted from ${fmt(o.from)} in time; the watcher's reconcile records whatever the sentinels decide`);
    }
    await sleep(POLL_MS);
  }
}

/**
 * Writes the new master unless the record already moved on; a lost version race is read again
 * once. Its epoch is above both the stored one and the sentinels' config epoch of the old master:
 * until their +switch-master the sentinels still name the old master at that epoch, and a record
 * at a lower one would look older to the watcher than their stale answer.
 */
async function record(o: SentinelFailoverOptions, first: GroupSnapshot, to: HostPort, sentinelEpoch: number, at: () => string): Promise<{ epoch: number | undefined; step: string }> {
  let snap = first;
  for (let attempt = 0; ; attempt++) {
    if (snap.record.kind !== 'valid' || !sameHostPort(snap.record.addr, o.from)) {
      return { epoch: undefined, step: `ZooKeeper already moved on (${snap.record.kind === 'valid' ? fmt(snap.record.addr) : snap.record.kind}) (${at()})` };
    }
    const epoch = Math.max(snap.epoch ?? 0, sentinelEpoch) + 1;
    try {
      await writeRecord(o.zk, snap, to, o.cause, epoch);
      return { epoch, step: `ZooKeeper records ${fmt(to)} at epoch ${epoch} (${at()})` };
    } catch (err) {
      if (!isRecordConflict(err) || attempt > 0) throw err;
      snap = await readGroupSnapshot(o.zk, o.layout.name, { isDefault: o.layout.isDefault });
    }
  }
}
