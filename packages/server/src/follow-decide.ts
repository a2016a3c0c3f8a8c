import { formatHostPort, type HostPort, type RedisProbe, sameHostPort } from '@redis-zk/core';
import type { MasterRecord } from './record.js';

export interface FollowInput {
  self: HostPort;
  record: MasterRecord;
  /** INFO of our own redis-server: its role now (sentinels may already have moved it). */
  own: RedisProbe;
  /** INFO of the recorded address, when we are a master and the record names another. */
  target: RedisProbe | undefined;
}

export type FollowDecision =
  | { action: 'none'; reason: string }
  | { action: 'refuse'; reason: string }
  | { action: 'promote'; reason: string }
  | { action: 'replicate'; master: HostPort; reason: string }
  /** We are a master and the recorded one does not (yet) answer as master: check again shortly. */
  | { action: 'recheck'; master: HostPort; reason: string };

/** True when deciding needs the recorded address probed first. */
export function needsTargetProbe(self: HostPort, record: MasterRecord, own: RedisProbe): boolean {
  return record.kind === 'valid' && !sameHostPort(record.addr, self) && own.reachable && own.role === 'master';
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
  if (own.role === 'slave') {
    const current = own.masterHost !== undefined && own.masterPort !== undefined ? { host: own.masterHost, port: own.masterPort } : undefined;
    if (sameHostPort(current, rec)) return { action: 'none', reason: `Already a replica of the recorded master ${formatHostPort(rec)}.` };
    return {
      action: 'replicate',
      master: rec,
      reason: `/redis/master changed to ${formatHostPort(rec)}; re-pointing this replica (was replicating ${current ? formatHostPort(current) : 'nothing'}).`,
    };
  }
  if (target !== undefined && target.reachable && target.role === 'master') {
    return {
      action: 'replicate',
      master: rec,
      reason: `/redis/master names ${formatHostPort(rec)}, which answers as master; demoting this master to its replica.`,
    };
  }
  return {
    action: 'recheck',
    master: rec,
    reason: `/redis/master names ${formatHostPort(rec)} but it ${target?.reachable ? `answers as ${target.role}` : 'does not answer'}; staying master for now.`,
  };
}
