import {
  classifyRecord,
  formatHostPort,
  type HostPort,
  isRecordConflict,
  isRedisZkError,
  leadershipHolder,
  Lock,
  type NodeData,
  probeRedis,
  readGroupSnapshot,
  recordOps,
  redisCommand,
  sameHostPort,
  SingleFlight,
  type TxOp,
  watchData,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import type { RunningServer } from './running.js';
import { decideElection } from './decide-election.js';

/**
 * FAILOVER_MODE=zookeeper. The master's wrapper holds the group's leadership, an ephemeral node
 * of its session: it vanishes at once when the wrapper exits (its redis-server died: the session
 * is closed) and after the session timeout when the whole task dies or is cut off. Each replica's
 * wrapper watches it; when it is gone they elect one of themselves under the group's lock
 * (decideElection), the winner promotes itself and writes the record with a higher epoch and the
 * leadership in one transaction, and the others follow the record as usual.
 */
export type LeadershipOptions = RunningServer;

export interface Leadership {
  close(): void;
}

/** While the leadership is gone and nobody took it, how often the election is run again. */
const RETRY_MS = 1_000;
/** The lock is waited for at most this long per attempt (a hung ZooKeeper must not park us). */
const LOCK_WAIT_MS = 5_000;

/** A leadership node someone's session holds (core leadershipHolder): a persistent one must not stop an election. */
export function isHeld(node: NodeData | undefined): boolean {
  return leadershipHolder(node) !== undefined;
}

/**
 * Creates the leadership for us (a claim, or our record after our session was renewed). A node
 * our previous session left (same address: we were restarted in place) is replaced; anyone
 * else's is left alone. True when we hold it.
 */
export async function takeLeadership(zk: Zk, group: zkPaths.GroupLayout, self: HostPort): Promise<boolean> {
  try {
    await zk.create(group.leader, formatHostPort(self), 'ephemeral');
    return true;
  } catch (err) {
    if (!isRedisZkError(err, 'ZK_NODE_EXISTS')) throw err;
  }
  const held = await zk.get(group.leader);
  if (held === undefined) return false;
  if (held.stat.ephemeralOwner === zk.sessionId) return true;
  // Our previous session's node, or a persistent one nobody's session holds (written by hand):
  // replaced. Another live session's is left alone.
  if (isHeld(held) && held.data.toString('utf8') !== formatHostPort(self)) return false;
  await zk.remove(group.leader, held.stat.version);
  await zk.create(group.leader, formatHostPort(self), 'ephemeral');
  return true;
}

export function startLeadership(opts: LeadershipOptions): Leadership {
  const { zk, self, local, group, auth, log } = opts;
  let closed = false;
  let lastReason: string | undefined;
  /** Whether a reason is new: said once, since the check repeats every few seconds. */
  const fresh = (reason: string): boolean => {
    const said = reason === lastReason;
    lastReason = reason;
    return !said;
  };

  const elect = async (): Promise<void> => {
    const lock = new Lock(zk, group.lock);
    try {
      // Lock's own deadline withdraws our queued node; the next check tries again.
      await lock.acquire({ timeoutMs: LOCK_WAIT_MS });
    } catch (err) {
      if (isRedisZkError(err, 'LOCK_TIMEOUT')) return;
      throw err;
    }
    try {
      const [leader, snapshot] = await Promise.all([zk.get(group.leader), readGroupSnapshot(zk, group.name, { isDefault: group.isDefault })]);
      const recordedAddr = snapshot.record.kind === 'valid' ? snapshot.record.addr : undefined;
      const others = snapshot.nodes.filter((n) => recordedAddr === undefined || !sameHostPort(n.addr, recordedAddr));
      const [recordedProbe, ...probes] = await Promise.all([
        recordedAddr === undefined ? Promise.resolve(undefined) : probeRedis(recordedAddr, auth),
        ...others.map((n) => (sameHostPort(n.addr, self) ? probeRedis(local, auth) : probeRedis(n.addr, auth))),
      ]);
      const d = decideElection({
        self,
        leaderHeld: isHeld(leader),
        recorded: recordedAddr === undefined || recordedProbe === undefined ? undefined : { addr: recordedAddr, probe: recordedProbe },
        candidates: others.map((n, i) => ({ addr: n.addr, probe: probes[i]! })),
        paused: opts.paused(),
      });
      if (d.action !== 'promote') {
        if (!fresh(d.reason)) return;
        if (d.action === 'wait-for') log.info({ event: 'ELECTION_DECIDED', rule: d.rule }, d.reason);
        else if (d.stuck === true) log.warn({ event: 'ELECTION_DECIDED', rule: d.rule }, d.reason);
        else if (d.rule === 'paused') log.info({ event: 'ELECTION_DECIDED', rule: d.rule }, d.reason);
        else log.debug({ event: 'ELECTION_DECIDED', rule: d.rule }, d.reason);
        return;
      }
      log.info({ event: 'PROMOTED', rule: d.rule }, d.reason);
      await redisCommand(local, auth, 'REPLICAOF', 'NO', 'ONE');
      const epoch = (snapshot.epoch ?? 0) + 1;
      try {
        // A persistent node left at the path goes in the same transaction (version-checked).
        const clear: TxOp[] = leader === undefined ? [] : [{ op: 'remove', path: group.leader, version: leader.stat.version }];
        await zk.transaction([...recordOps(snapshot, self, 'election', epoch), ...clear, { op: 'create', path: group.leader, data: formatHostPort(self), mode: 'ephemeral' }]);
      } catch (err) {
        if (!isRecordConflict(err)) throw err;
        // Someone wrote meanwhile: the follow loop re-points us if the record names another.
        log.warn({ event: 'LEADERSHIP_RACE', code: isRedisZkError(err) ? err.code : undefined }, `${group.published} or the leadership changed while we promoted ourselves; the record decides.`);
        return;
      }
      log.info({ event: 'LEADERSHIP_TAKEN', master: formatHostPort(self), epoch }, `Took the leadership ${group.leader} and wrote ${formatHostPort(self)} with epoch ${epoch} to ${group.published}.`);
    } finally {
      await lock.release().catch(() => undefined);
    }
  };

  /** One pass: a master without the leadership takes it back if the record is still ours; a replica elects when it is gone. */
  const check = async (): Promise<void> => {
    if (closed || zk.state !== 'connected') return;
    const leader = await zk.get(group.leader);
    if (isHeld(leader)) return;
    if (leader !== undefined) {
      const line = `${group.leader} is a persistent node no session holds (${JSON.stringify(leader.data.toString('utf8').slice(0, 64))}): not a leadership; the master replaces it, or the replicas elect.`;
      if (fresh(line)) log.warn({ event: 'LEADERSHIP_NODE_REFUSED' }, line);
    }
    const own = await probeRedis(local, auth);
    if (!own.reachable) return;
    if (own.role === 'master') {
      const record = classifyRecord((await zk.get(group.published))?.data.toString('utf8'));
      if (record.kind === 'valid' && sameHostPort(record.addr, self) && (await takeLeadership(zk, group, self))) {
        log.info({ event: 'LEADERSHIP_TAKEN', leader: group.leader }, `Took the leadership ${group.leader} back: ${group.published} still names us.`);
      }
      return;
    }
    await elect();
  };

  const giveUp = async (): Promise<void> => {
    const held = await zk.get(group.leader);
    if (held !== undefined && held.stat.ephemeralOwner === zk.sessionId) await zk.remove(group.leader, held.stat.version);
  };

  const checking = new SingleFlight<void>(check, (err) => log.warn({ event: 'LEADERSHIP_CHECK_FAILED', err: err instanceof Error ? err.message : String(err) }, 'The leadership check failed; trying again.'));
  const watch = watchData(zk, group.leader, () => void checking.request(undefined));
  const timer = setInterval(() => void checking.request(), RETRY_MS);
  timer.unref();
  return {
    close() {
      closed = true;
      clearInterval(timer);
      watch.close();
      // We are stopping (redis-server died, or SIGTERM): give the leadership up now rather than
      // when the session closes. The replicas elect once our redis-server stops answering as master.
      void giveUp().catch(() => undefined);
    },
  };
}

