import { formatHostPort, type HostPort, type RedisProbe, sameHostPort } from '@redis-zk/core';
import type { MasterRecord } from './record.js';

export interface FollowInput {
  self: HostPort;
  record: MasterRecord;
  /** INFO of our own redis-server: its role now (sentinels may already have moved it). */
  own: RedisProbe;
  /** INFO of the recorded address, when the record names another node than the one we follow (needsTargetProbe). */
  target: RedisProbe | undefined;
}

export type FollowDecision =
  | { action: 'none'; reason: string }
  | { action: 'refuse'; reason: string }
  | { action: 'promote'; reason: string }
  | { action: 'replicate'; master: HostPort; reason: string }
  /**
   * The recorded address does not (yet) answer as master: check again shortly (in a handover it
   * promotes itself within milliseconds), and if it never does, `refusal` says what we refuse.
   */
  | { action: 'recheck'; master: HostPort; reason: string; refusal: string };

function currentMaster(own: RedisProbe): HostPort | undefined {
  return own.reachable && own.masterHost !== undefined && own.masterPort !== undefined ? { host: own.masterHost, port: own.masterPort } : undefined;
}

/**
 * True when deciding needs the recorded address probed first: whenever acting on the record would
 * move us (demote a master, re-point a replica). A record can be stale (the watcher down, a
 * ZooKeeper session just back) while the sentinels already moved everyone to a newer master:
 * following a recorded address that does not answer as master would undo their decision.
 */
export function needsTargetProbe(self: HostPort, record: MasterRecord, own: RedisProbe): boolean {
  if (record.kind !== 'valid' || sameHostPort(record.addr, self) || !own.reachable) return false;
  if (own.role === 'master') return true;
  return own.role === 'slave' && !sameHostPort(currentMaster(own), record.addr);
}

function describeTarget(target: RedisProbe | undefined): string {
  if (target === undefined || !target.reachable) return `does not answer${target === undefined ? '' : ` (${target.error})`}`;
  return `answers as ${target.role}`;
}

export function decideFollow({ self, record, own, target }: FollowInput): FollowDecision {
  if (record.kind === 'invalid') {
    return { action: 'refuse', reason: `Refusing /redis/master ${JSON.stringify(record.preview)}: ${record.reason}; keeping the current role.` };
  }
  if (record.kind !== 'valid') {
    return { action: 'none', reason: `/redis/master is ${record.kind}; keeping the current role.` };
  }
  if (!own.reachable) {
    return { action: 'none', reason: `Our redis-server does not answer (${own.error}); cannot follow /redis/master now.` };
  }
  const rec = record.addr;
  if (sameHostPort(rec, self)) {
    if (own.role === 'master') return { action: 'none', reason: 'The record names us and we are already the master.' };
    return { action: 'promote', reason: `/redis/master names this node ${formatHostPort(self)}; promoting it to master.` };
  }
  const answersAsMaster = target !== undefined && target.reachable && target.role === 'master';
  if (own.role === 'slave') {
    const current = currentMaster(own);
    if (sameHostPort(current, rec)) return { action: 'none', reason: `Already a replica of the recorded master ${formatHostPort(rec)}.` };
    const was = current ? formatHostPort(current) : 'nothing';
    if (answersAsMaster) {
      return {
        action: 'replicate',
        master: rec,
        reason: `/redis/master changed to ${formatHostPort(rec)}, which answers as master; re-pointing this replica (was replicating ${was}).`,
      };
    }
    return {
      action: 'recheck',
      master: rec,
      reason: `/redis/master names ${formatHostPort(rec)} but it ${describeTarget(target)}; this replica keeps replicating ${was}.`,
      refusal: `Refusing to re-point this replica to ${formatHostPort(rec)}`,
    };
  }
  if (answersAsMaster) {
    return {
      action: 'replicate',
      master: rec,
      reason: `/redis/master names ${formatHostPort(rec)}, which answers as master; demoting this master to its replica.`,
    };
  }
  return {
    action: 'recheck',
    master: rec,
    reason: `/redis/master names ${formatHostPort(rec)} but it ${describeTarget(target)}; staying master for now.`,
    refusal: `Refusing to demote this master to a replica of ${formatHostPort(rec)}`,
  };
}
