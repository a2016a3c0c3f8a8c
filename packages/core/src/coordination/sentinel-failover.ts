import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { isRedisZkError, RedisZkError } from '../errors.js';
import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import { FENCED_MIN_REPLICAS, redisCommand, sentinelMaster } from '../redis/commands.js';
import { linkOptions, type KeptConnection } from '../redis/connection.js';
import { observationFromInfo, probeRedis, type RedisAuth, type RedisObservation } from '../redis/probe.js';
import { parseSentinelChannelEvent } from '../redis/sentinel-channels.js';
import type { GroupLayout } from '../zk/paths.js';
import type { Zk } from '../zk/client.js';
import { confirmsLineage } from './authority.js';
import { untilCaughtUp } from './move-master.js';
import { readGroupSnapshot, type GroupSnapshot } from './snapshot.js';
import { isRecordConflict, writeRecord } from './writer.js';
import type { ChangeCause } from './history.js';

/**
 * The one Sentinel-mode hand-off: a planned switchover (POST /switchover), a master stopped on
 * purpose (SIGTERM) and a master whose redis-server crashed under its wrapper all end here, each
 * giving only its candidates and its time budget. The sentinels promote, the promotion is
 * confirmed by the authority rule's lineage (rule A2: the asked sentinel leads the failover, the
 * new master carries the old one's replication ID and is a live node of the group), and ZooKeeper
 * records it, version-checked.
 *
 * A crash: the caller has made sure every candidate holds every acknowledged write (the master is
 * dead and every promotable replica at the same offset). A planned move (`planned`): the old
 * master still takes writes, and the pause is timed by the sentinel (see PlannedMove).
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
  /** The old master is alive and takes writes: pause them when the sentinel selects the replica. */
  planned?: PlannedMove;
}

/**
 * A planned move pauses writes one Sentinel timer tick before the promotion, not three: Sentinel
 * advances a failover one state per tick (10–19 Hz, which it does not let anyone set), and sends
 * REPLICAOF NO ONE on the tick after it announces `+selected-slave`. So the asked sentinel is
 * subscribed to before it is asked, and writes are paused (CLIENT PAUSE WRITE) when it names the
 * replica; the promoted replica must then hold the paused offset (`second_repl_offset`), which is
 * checked, not assumed. If the pause comes late (the mover stalled longer than that tick), the
 * old master is still guarded by itself: `min-replicas-to-write` is raised to the number of its
 * replicas for the move, so it answers NOREPLICAS from the moment the promoted replica drops its
 * link, and only what was in flight at that instant can be missing — reported as `atRiskBytes`.
 */
export interface PlannedMove {
  /** Where the old master takes commands (its wrapper's local address may differ from `from`). */
  master: HostPort;
  /** CLIENT PAUSE's own limit: the pause lapses by itself if the mover stops midway. */
  pauseMs: number;
}

export interface SentinelFailoverResult {
  to: HostPort;
  /** The epoch written beside the record, or undefined when ZooKeeper already named the new master. */
  epoch: number | undefined;
  steps: string[];
  /** A planned move: when writes were paused (performance.now()), what clients waited from. */
  pausedAt?: number;
  /**
   * A planned move: what set the pause off — `selected` (the sentinel named the replica, the
   * normal case), `in-progress` (a failover was already running), `unannounced` (no selection
   * was heard: the subscription failed or closed, or nothing came in time), or `before-request`
   * (the old master could not be guarded, so writes were paused before the sentinel was asked), or
   * `master-gone` (it had stopped by itself before the pause: nothing to pause, nothing measured).
   */
  pause?: 'selected' | 'in-progress' | 'unannounced' | 'before-request' | 'master-gone';
  /** A planned move whose pause reached the old master after the promotion: bytes the new master may lack. */
  atRiskBytes?: number;
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
export async function askFailover<W extends { close(): void }>(
  name: string,
  sentinels: readonly HostPort[],
  sentinelAuth: RedisAuth,
  /** Readied on a sentinel before it is asked (its subscription), closed if it refuses. */
  prepare?: (sentinel: HostPort) => Promise<W | undefined>,
): Promise<{ reply: 'accepted' | 'in-progress'; sentinel: HostPort; prepared: W | undefined }> {
  const refusals: string[] = [];
  for (const s of [...sentinels].sort(() => Math.random() - 0.5)) {
    const prepared = await prepare?.(s);
    const err = await redisCommand(s, sentinelAuth, 'SENTINEL', 'FAILOVER', name).then(
      () => undefined,
      (e: unknown) => e,
    );
    const reply = classifyFailoverReply(err);
    if (reply === 'accepted' || reply === 'in-progress') return { reply, sentinel: s, prepared };
    prepared?.close();
    // NOGOODSLAVE from one sentinel may only mean it has not reached a replica yet: ask the next.
    refusals.push(`${fmt(s)}: ${reply === 'no-good-replica' ? 'NOGOODSLAVE (no replica it finds fit)' : err instanceof Error ? err.message : String(err)}`);
  }
  throw new RedisZkError('SWITCHOVER_ABORTED', `no sentinel agreed to fail ${name} over (${refusals.join('; ') || 'none registered'})`);
}

/**
 * The failover, confirmed and recorded. Throws SWITCHOVER_ABORTED when nothing moved (no sentinel
 * took it on, or the one that did found no replica fit), SWITCHOVER_FAILED when it was taken on
 * but its result could not be confirmed in time (the watcher's reconcile records whatever the
 * sentinels decide).
 */
export async function failOverThroughSentinels(o: SentinelFailoverOptions): Promise<SentinelFailoverResult> {
  const t0 = o.t0 ?? performance.now();
  const at = () => `${Math.round(performance.now() - t0)} ms`;
  const steps: string[] = [];
  const deadline = performance.now() + o.withinMs;
  const master = o.planned === undefined ? undefined : masterLink(o.planned.master, o.auth);
  let watch: SelectionWatch | undefined;
  let guard: WriteGuard | undefined;
  try {
    let paused: { at: number; offset: number; replid: string } | undefined;
    let trigger: SentinelFailoverResult['pause'];
    // Nothing moved (no sentinel asked yet, or none agreed): a pause made before asking is lifted.
    const unpauseAndThrow = async (err: unknown): Promise<never> => {
      if (paused !== undefined) await master?.command('CLIENT', 'UNPAUSE').catch(() => undefined);
      throw err;
    };
    if (master !== undefined) {
      guard = await guardWrites(master);
      steps.push(`${guard.step} (${at()})`);
      if (guard.guarded !== true) {
        // Unguarded, a pause that came late would lose what the old master took after the
        // promotion: pause before asking, whatever it costs.
        trigger = 'before-request';
        paused = await pauseWrites(master, o.planned!.pauseMs);
        steps.push(`writes paused on ${fmt(o.from)} at offset ${paused.offset} before asking, as ${guard.guarded} (${at()})`);
        await untilCaughtUp(o.candidates, paused.offset, o.auth, Math.min(CATCH_UP_MS, Math.max(0, deadline - performance.now()))).catch(unpauseAndThrow);
        steps.push(`${o.candidates.map(fmt).join(', ')} caught up (${at()})`);
      }
    }
    const watchFirst = master !== undefined && paused === undefined;
    const asked = await askFailover(o.layout.name, o.sentinels, o.sentinelAuth, watchFirst ? (s) => watchSelection(s, o.sentinelAuth, o.layout.name) : undefined).catch(unpauseAndThrow);
    watch = asked.prepared;
    const { reply, sentinel } = asked;
    steps.push(reply === 'accepted' ? `sentinel ${fmt(sentinel)} accepted SENTINEL FAILOVER (${at()})` : `a failover of ${o.layout.name} was already running (${fmt(sentinel)}: INPROG) (${at()})`);

    let watched = o.candidates;
    if (master !== undefined && paused === undefined) {
      // A failover already running, or one we cannot follow, is paused for at once.
      const selection = reply === 'accepted' && watch !== undefined ? await watch.selection(SELECTION_MS) : { kind: 'unknown' as const, why: reply === 'accepted' ? 'not subscribed' : 'already running' };
      if (selection.kind === 'no-good-replica') throw new RedisZkError('SWITCHOVER_ABORTED', `sentinel ${fmt(sentinel)} found no replica fit to promote (-failover-abort-no-good-slave); writes were never paused`);
      if (selection.kind === 'selected') {
        steps.push(`the sentinel selected ${fmt(selection.replica)} (${at()})`);
        watched = [selection.replica];
      }
      trigger = selection.kind === 'selected' ? 'selected' : reply === 'in-progress' ? 'in-progress' : 'unannounced';
      paused = await pauseWrites(master, o.planned!.pauseMs).catch(async (err: unknown) => {
        // A SIGTERM sent to the task's whole process tree (Mesos does) also reaches redis-server,
        // which stops by itself — writes paused, its replicas waited for — while we hand off. Gone,
        // it takes no write; the promotion the sentinel is making is still confirmed and recorded.
        if ((await probeRedis(o.planned!.master, o.auth)).reachable) throw err;
        trigger = 'master-gone';
        return undefined;
      });
      steps.push(paused === undefined ? `${fmt(o.from)} is gone (it stopped by itself) (${at()})` : `writes paused on ${fmt(o.from)} at offset ${paused.offset}${selection.kind === 'unknown' ? ` (${selection.why})` : ''} (${at()})`);
    }
    const previousReplid = paused?.replid ?? o.previousReplid;

    // The group and the sentinel's epoch are read while the promotion happens; the write is
    // version-checked against that read.
    const [promoted, snap, sentinelEpoch] = await Promise.all([
      untilPromoted(o, watched, previousReplid, deadline),
      readGroupSnapshot(o.zk, o.layout.name, { isDefault: o.layout.isDefault }),
      sentinelMaster(sentinel, o.sentinelAuth, o.layout.name).then((m) => Number(m?.['config-epoch'] ?? 0) || 0, () => 0),
    ]);
    steps.push(`${fmt(promoted.addr)} answers as master (${at()})`);
    const atRiskBytes = paused === undefined ? undefined : Math.max(0, paused.offset - (promoted.probe.secondReplOffset - 1));
    if (paused !== undefined) {
      steps.push(atRiskBytes === 0 ? `${fmt(promoted.addr)} was promoted holding offset ${paused.offset}: every acknowledged write` : `${fmt(promoted.addr)} was promoted at offset ${promoted.probe.secondReplOffset - 1}, ${atRiskBytes} bytes short of the paused ${paused.offset}`);
    }
    const lineage = confirmsLineage({ announced: promoted.addr, members: snap.nodes.map((n) => n.addr), previousReplid, announcedReplid2: promoted.probe.replid2 });
    if (!lineage.ok) throw new RedisZkError('SWITCHOVER_FAILED', `the promoted ${fmt(promoted.addr)} is not confirmed: ${lineage.reason}; the watcher's reconcile records what the sentinels agree on`);
    const { epoch, step } = await record(o, snap, promoted.addr, sentinelEpoch, at);
    steps.push(step);
    return { to: promoted.addr, epoch, steps, pausedAt: paused?.at, pause: trigger, atRiskBytes };
  } finally {
    watch?.close();
    // The old master is paused or promoted-over by now, or nothing moved: either way the
    // operator's setting is back (unless the fence replaced it meanwhile).
    if (guard !== undefined) {
      const restored = await guard.restore().then(
        () => true,
        () => false,
      );
      if (guard.guarded === true) steps.push(`${restored ? 'the old master has its own min-replicas-to-write back' : 'the old master\'s min-replicas-to-write could not be put back'} (${at()})`);
    }
    master?.close();
  }
}

/** Unguarded, how long the candidates get to hold every acknowledged write before the sentinel is asked. */
const CATCH_UP_MS = 2_000;

/** How long the asked sentinel gets to select a replica (it takes two of its ticks, 100–200 ms). */
const SELECTION_MS = 500;

type Selection = { kind: 'selected'; replica: HostPort } | { kind: 'no-good-replica' } | { kind: 'unknown'; why: string };

interface SelectionWatch {
  /** The asked sentinel's choice, or why it is not known (then the caller pauses at once). */
  selection(withinMs: number): Promise<Selection>;
  close(): void;
}

const SELECTED = '+selected-slave';
const NO_GOOD_REPLICA = '-failover-abort-no-good-slave';

/**
 * A subscription to the sentinel about to be asked, for its choice of replica. Undefined when it
 * cannot be made (the caller then pauses as soon as the failover is accepted).
 */
async function watchSelection(sentinel: HostPort, auth: RedisAuth, name: string): Promise<SelectionWatch | undefined> {
  const client = new Redis({ ...linkOptions(sentinel, auth), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, autoResubscribe: false });
  client.on('error', () => undefined);
  let settle: ((s: Selection) => void) | undefined;
  let outcome: Selection | undefined;
  const decide = (s: Selection) => {
    outcome ??= s;
    settle?.(outcome);
  };
  client.on('message', (channel: string, payload: string) => {
    const e = parseSentinelChannelEvent(channel, payload);
    if (e?.group !== name) return;
    if (channel === SELECTED && e.instance !== undefined) decide({ kind: 'selected', replica: e.instance });
    else if (channel === NO_GOOD_REPLICA) decide({ kind: 'no-good-replica' });
  });
  client.on('close', () => decide({ kind: 'unknown', why: 'the subscription to the sentinel closed' }));
  const ready = (async () => {
    await client.connect();
    await client.subscribe(SELECTED, NO_GOOD_REPLICA);
  })();
  let timer: NodeJS.Timeout | undefined;
  const subscribed = await Promise.race([ready.then(() => true, () => false), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), auth.timeoutMs)))]);
  clearTimeout(timer);
  if (!subscribed) {
    client.disconnect();
    return undefined;
  }
  return {
    selection: (withinMs) =>
      outcome !== undefined
        ? Promise.resolve(outcome)
        : new Promise<Selection>((resolve) => {
            const timer = setTimeout(() => decide({ kind: 'unknown', why: `no selection announced within ${withinMs} ms` }), withinMs);
            settle = (s) => {
              clearTimeout(timer);
              resolve(s);
            };
          }),
    close: () => client.disconnect(),
  };
}

interface WriteGuard {
  /** Whether the master now refuses writes by itself once one of its replicas leaves; why not, otherwise. */
  guarded: true | string;
  /** What the steps say. */
  step: string;
  restore(): Promise<void>;
}

const TO_WRITE = 'min-replicas-to-write';
const MAX_LAG = 'min-replicas-max-lag';

async function configGet(c: KeptConnection, name: string): Promise<string> {
  const reply = await c.command('CONFIG', 'GET', name);
  if (!Array.isArray(reply) || reply.length !== 2) throw new RedisZkError('REDIS_COMMAND_FAILED', `CONFIG GET ${name} answered ${JSON.stringify(reply)}`);
  return String(reply[1]);
}

export interface WriteGuardFacts {
  /** The old master's min-replicas-to-write and min-replicas-max-lag, as CONFIG GET gives them. */
  toWrite: string;
  maxLag: string;
  /** Its replicas, from its INFO. */
  replicas: readonly { state: string; lag: number }[];
}

export type WriteGuardPlan =
  | { action: 'set'; toWrite: string; maxLag: string | undefined; rule: 'guard'; reason: string }
  | { action: 'keep'; rule: 'fenced' | 'already-strict'; reason: string }
  | { action: 'unguarded'; rule: 'no-replica'; reason: string };

/**
 * What the move's guard needs: `min-replicas-to-write` at the number of replicas counted as
 * good now (online, acknowledged within min-replicas-max-lag), so the master refuses writes by
 * itself once one leaves. The fence, or a setting already as strict, is kept; with no good
 * replica there is nothing to guard with. max-lag 0 switches the check off, so it becomes Redis's
 * default 10 s for the move.
 */
export function planWriteGuard(f: WriteGuardFacts): WriteGuardPlan {
  if (f.toWrite === FENCED_MIN_REPLICAS) return { action: 'keep', rule: 'fenced', reason: 'the old master is fenced: it refuses writes already' };
  const lagLimit = Number(f.maxLag) > 0 ? Number(f.maxLag) : 10;
  const count = f.replicas.filter((r) => r.state === 'online' && r.lag <= lagLimit).length;
  if (count === 0) return { action: 'unguarded', rule: 'no-replica', reason: 'no replica follows the old master' };
  const current = Number(f.toWrite) || 0;
  if (current >= count && Number(f.maxLag) > 0) return { action: 'keep', rule: 'already-strict', reason: `the old master already needs ${current} replicas to take writes` };
  const toWrite = String(Math.max(count, current));
  return { action: 'set', toWrite, maxLag: Number(f.maxLag) > 0 ? undefined : String(lagLimit), rule: 'guard', reason: `the old master refuses writes once fewer than ${toWrite} replicas follow it` };
}

/**
 * Applies planWriteGuard to the old master; restore() puts back only what is still ours. A master
 * that cannot be guarded (CONFIG refused or renamed, no replica following) is not an error: the
 * caller then pauses before asking, as a guard-less move must.
 */
async function guardWrites(c: KeptConnection): Promise<WriteGuard> {
  const none = async () => undefined;
  let facts: WriteGuardFacts;
  try {
    const [toWrite, maxLag, info] = await Promise.all([configGet(c, TO_WRITE), configGet(c, MAX_LAG), c.command('INFO', 'replication')]);
    facts = { toWrite, maxLag, replicas: observationFromInfo(String(info)).replicas };
  } catch (err) {
    const why = `its ${TO_WRITE} cannot be read (${err instanceof Error ? err.message : String(err)})`;
    return { guarded: why, step: why, restore: none };
  }
  const plan = planWriteGuard(facts);
  if (plan.action === 'keep') return { guarded: true, step: plan.reason, restore: none };
  if (plan.action === 'unguarded') return { guarded: plan.reason, step: plan.reason, restore: none };
  try {
    if (plan.maxLag !== undefined) await c.command('CONFIG', 'SET', MAX_LAG, plan.maxLag);
    await c.command('CONFIG', 'SET', TO_WRITE, plan.toWrite);
  } catch (err) {
    const why = `its ${TO_WRITE} cannot be set (${err instanceof Error ? err.message : String(err)})`;
    return { guarded: why, step: why, restore: none };
  }
  return {
    guarded: true,
    step: plan.reason,
    restore: async () => {
      if ((await configGet(c, TO_WRITE)) === plan.toWrite) await c.command('CONFIG', 'SET', TO_WRITE, facts.toWrite);
      if (plan.maxLag !== undefined && (await configGet(c, MAX_LAG)) === plan.maxLag) await c.command('CONFIG', 'SET', MAX_LAG, facts.maxLag);
    },
  };
}

/**
 * The mover's link to the old master: one connection opened up front, so the pause costs one
 * round trip when the sentinel selects the replica. It never reconnects or queues: a command on a
 * broken link is sent once more on a fresh connection, which is refused at once when the server
 * is gone (a redis-server stopping by itself must not hold the hand-off up).
 */
function masterLink(addr: HostPort, auth: RedisAuth): KeptConnection {
  const client = new Redis({ ...linkOptions(addr, auth), commandTimeout: auth.timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  return {
    command: async (command, ...args) => {
      try {
        return await client.call(command, ...args);
      } catch (err) {
        if (err instanceof Error && err.name === 'ReplyError') throw err;
        return redisCommand(addr, auth, command, ...args);
      }
    },
    close: () => client.disconnect(),
  };
}

/** CLIENT PAUSE WRITE, then the offset every acknowledged write lies below. */
async function pauseWrites(c: KeptConnection, pauseMs: number): Promise<{ at: number; offset: number; replid: string }> {
  await c.command('CLIENT', 'PAUSE', pauseMs, 'WRITE');
  const at = performance.now();
  const own = observationFromInfo(String(await c.command('INFO', 'replication')));
  if (own.role !== 'master') throw new RedisZkError('SWITCHOVER_FAILED', 'the old master stopped answering as master while the failover ran');
  return { at, offset: own.offset, replid: own.replid };
}

/**
 * Until a candidate answers as master carrying the old master's replication ID: the replica the
 * sentinel promoted. Nothing here promotes a replica: sending REPLICAOF NO ONE to the replica a
 * sentinel flags `promoted` would save it a timer tick, but a flag read from a sentinel can be
 * another failover's (CI saw a hand-off record the flagged replica while the sentinel promoted
 * another), and two masters then lose whatever one of them acknowledged.
 */
async function untilPromoted(o: SentinelFailoverOptions, candidates: readonly HostPort[], previousReplid: string, deadline: number): Promise<{ addr: HostPort; probe: RedisObservation }> {
  for (;;) {
    const probes = await Promise.all(candidates.map((c) => probeRedis(c, o.auth)));
    const i = probes.findIndex((p) => p.reachable && p.role === 'master' && p.replid2 === previousReplid);
    if (i >= 0) return { addr: candidates[i]!, probe: probes[i] as RedisObservation };
    if (performance.now() >= deadline) {
      throw new RedisZkError('SWITCHOVER_FAILED', `none of ${candidates.map(fmt).join(', ')} answered as master promoted from ${fmt(o.from)} in time; the watcher's reconcile records whatever the sentinels decide`);
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
