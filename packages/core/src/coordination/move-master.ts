import { setTimeout as sleep } from 'node:timers/promises';
import { isRedisZkError, RedisZkError } from '../errors.js';
import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import { demoteTo, redisCommand } from '../redis/commands.js';
import { probeRedis, type RedisAuth } from '../redis/probe.js';
import type { GroupLayout } from '../zk/paths.js';
import { Lock } from '../zk/lock.js';
import type { Zk } from '../zk/client.js';
import { readGroupSnapshot } from './snapshot.js';
import { recordOps } from './writer.js';
import type { ChangeCause } from './history.js';

export interface MoveMasterOptions {
  zk: Zk;
  layout: GroupLayout;
  /** The recorded master (as announced) and where to send it commands (its wrapper's local address). */
  from: HostPort;
  fromCommands?: HostPort;
  to: HostPort;
  auth: RedisAuth;
  /** How long the group's lock is waited for (a wrapper deciding or electing holds it briefly). */
  lockWaitMs: number;
  /** CLIENT PAUSE's own limit: the pause lapses by itself if the mover dies midway. */
  pauseMs: number;
  /** How long the candidate gets to hold every acknowledged write. */
  catchUpMs: number;
  /** What the history says of this change. */
  cause: Extract<ChangeCause, 'switchover' | 'hand-off'>;
}

export interface MoveMasterResult {
  epoch: number;
  /** From pausing writes on the old master to ZooKeeper naming the new one. */
  outageMs: number;
  /** What was done, in order, with the time of each step since the pause. */
  steps: string[];
}

const POLL_MS = 3;
const fmt = formatHostPort;
/** Nothing moved: the old master is unpaused and still the master. */
const aborted = (message: string) => new RedisZkError('SWITCHOVER_ABORTED', message);

/**
 * FAILOVER_MODE=zookeeper: moves a group's master on purpose as an election would, under the
 * group's lock so that no election or startup decision runs meanwhile. Writes are paused on the
 * old master, the candidate catches up and is promoted, then one transaction writes the record at
 * the next epoch and removes the old master's leadership; the candidate's wrapper takes the
 * leadership (its redis-server is master and the record names it) and the other replicas follow
 * the record. The old master is pointed at the new one and unpaused: its clients are closed
 * (core demoteTo), so they ask again. If ZooKeeper refuses the write, the candidate replicates the old master
 * again and writes resume there. Used by the watcher's POST /switchover and by a master's
 * wrapper handing off on SIGTERM. Throws SWITCHOVER_ABORTED when nothing moved.
 */
export async function moveMasterInZooKeeper(o: MoveMasterOptions): Promise<MoveMasterResult> {
  const { zk, layout, from, to, auth } = o;
  const fromAt = o.fromCommands ?? from;
  const steps: string[] = [];
  const lock = new Lock(zk, layout.lock);
  try {
    await lock.acquire({ timeoutMs: o.lockWaitMs });
  } catch (err) {
    if (isRedisZkError(err, 'LOCK_TIMEOUT')) throw aborted(`the group's lock ${layout.lock} stayed held for ${o.lockWaitMs} ms (a wrapper is deciding or electing); try again`);
    throw err;
  }
  let paused = false;
  const resume = async () => {
    if (!paused) return;
    paused = false;
    await redisCommand(fromAt, auth, 'CLIENT', 'UNPAUSE').catch(() => undefined);
  };
  try {
    steps.push(`took the group's lock ${layout.lock}`);
    await redisCommand(fromAt, auth, 'CLIENT', 'PAUSE', o.pauseMs, 'WRITE');
    paused = true;
    const t0 = performance.now();
    const at = () => `${Math.round(performance.now() - t0)} ms`;
    const own = await probeRedis(fromAt, auth);
    if (!own.reachable || own.role !== 'master') throw aborted(`the master ${fmt(from)} stopped answering as master after the pause`);
    steps.push(`writes paused on ${fmt(from)} at offset ${own.offset} (0 ms)`);
    await untilCaughtUp([to], own.offset, auth, o.catchUpMs);
    steps.push(`${fmt(to)} caught up (${at()})`);

    // Read before promoting: the write below is checked against exactly this state.
    const [snap, leader] = await Promise.all([readGroupSnapshot(zk, layout.name, { isDefault: layout.isDefault }), zk.get(layout.leader)]);
    if (snap.record.kind !== 'valid' || !sameHostPort(snap.record.addr, from)) throw aborted(`${layout.published} moved on meanwhile (${snap.record.kind === 'valid' ? fmt(snap.record.addr) : snap.record.kind})`);
    await redisCommand(to, auth, 'REPLICAOF', 'NO', 'ONE');
    steps.push(`${fmt(to)} promoted (${at()})`);
    const epoch = (snap.epoch ?? 0) + 1;
    try {
      await zk.transaction([...recordOps(snap, to, o.cause, epoch), ...(leader === undefined ? [] : [{ op: 'remove' as const, path: layout.leader, version: leader.stat.version }])]);
    } catch (err) {
      // Nobody was told about the candidate: making it a replica again loses nothing.
      await redisCommand(to, auth, 'REPLICAOF', from.host, from.port).catch(() => undefined);
      throw aborted(`ZooKeeper refused the record (${err instanceof Error ? err.message : String(err)}); ${fmt(to)} replicates ${fmt(from)} again and writes resumed there`);
    }
    steps.push(`ZooKeeper records ${fmt(to)} at epoch ${epoch}; the old leadership removed (${at()})`);
    const outageMs = Math.round(performance.now() - t0);
    await demoteTo(fromAt, auth, to).catch(() => undefined);
    await resume();
    steps.push(`${fmt(from)} replicates ${fmt(to)}; writes resumed (${at()})`);
    return { epoch, outageMs, steps };
  } finally {
    await resume();
    await lock.release().catch(() => undefined);
  }
}

/**
 * With writes paused on the master at `offset`: until every candidate holds every acknowledged
 * write, polling their own INFO (the master's view waits for a replica's next ACK). Throws
 * SWITCHOVER_ABORTED naming those behind after `withinMs`.
 */
export async function untilCaughtUp(candidates: readonly HostPort[], offset: number, auth: RedisAuth, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const probes = await Promise.all(candidates.map((c) => probeRedis(c, auth)));
    const behind = candidates.filter((_, i) => {
      const p = probes[i]!;
      return !p.reachable || p.offset < offset;
    });
    if (behind.length === 0) return;
    if (performance.now() >= deadline) throw aborted(`${behind.map(fmt).join(', ')} did not catch up with offset ${offset} within ${withinMs} ms; writes resumed on the old master`);
    await sleep(POLL_MS);
  }
}
