import { formatHostPort, sameHostPort } from '@redis-zk/core';
import type { FollowDecision, FollowFacts, FollowRule } from '../types/index.js';

/**
 * The client's one rule. It follows only a record the group itself would follow: a `<host> <port>`
 * that is a live node of the group (registered by its server's ZooKeeper session). What cannot
 * be judged (ZooKeeper merely disconnected, a record being repaired) keeps what it follows; an
 * expired session is no evidence at all, and fails closed unless the application chose otherwise.
 * The connection itself then checks `INFO` role: a member that does not answer as master is not
 * used either (connector.ts).
 */
export function decideFollow(f: FollowFacts): FollowDecision {
  const keepOrStop = (rule: FollowRule, why: string): FollowDecision =>
    f.current === undefined ? { action: 'stop', rule, reason: `${why}; no master known yet` } : { action: 'keep', rule, reason: `${why}; keeping ${formatHostPort(f.current)}` };
  if (f.session === 'closed') return { action: 'stop', rule: 'session-closed', reason: 'the client was closed' };
  // The watcher serves only a master the authority rule backs (never a forged record): without a
  // session of our own, its answer is fresher evidence than our last read.
  if (f.session !== 'connected' && f.watcherMaster !== undefined) {
    const w = f.watcherMaster;
    if (f.current !== undefined && sameHostPort(f.current, w)) return { action: 'keep', rule: 'watcher-fallback', reason: `ZooKeeper is not connected; the watcher still names ${formatHostPort(w)}` };
    return { action: 'follow', addr: w, rule: 'watcher-fallback', reason: `ZooKeeper is not connected; the watcher names ${formatHostPort(w)}` };
  }
  if (f.session === 'expired') {
    if (f.keepOnExpiry) return keepOrStop('session-expired', 'the ZooKeeper session expired (onSessionExpired: keep-last)');
    return { action: 'stop', rule: 'session-expired', reason: 'the ZooKeeper session expired: a master can have changed unseen, so no command is sent until a new session reads the record' };
  }
  if (f.session !== 'connected') return keepOrStop('zk-disconnected', 'ZooKeeper is not connected');
  if (f.members === undefined) return keepOrStop('not-read-yet', 'the group\'s live nodes are not read yet');
  if (f.record.kind !== 'valid') return keepOrStop('record-unusable', `the record is ${f.record.kind} (the watcher repairs it)`);
  const addr = f.record.addr;
  if (!f.members.has(formatHostPort(addr))) return keepOrStop('not-a-member', `the record names ${formatHostPort(addr)}, which is not a live node of the group`);
  if (f.current !== undefined && sameHostPort(f.current, addr)) return { action: 'keep', rule: 'unchanged', reason: `the record still names ${formatHostPort(addr)}` };
  return { action: 'follow', addr, rule: 'record-moved', reason: `the record names ${formatHostPort(addr)}, a live node of the group` };
}

/** Replies that mean "this node is not (or not now) the master to write to": ask again, do not retry blindly. */
export const RE_RESOLVE_CODES = ['READONLY', 'NOREPLICAS', 'LOADING', 'MASTERDOWN'] as const;

export function reResolveCode(message: string): (typeof RE_RESOLVE_CODES)[number] | undefined {
  const code = /^([A-Z]+)\b/.exec(message)?.[1];
  return (RE_RESOLVE_CODES as readonly string[]).includes(code ?? '') ? (code as (typeof RE_RESOLVE_CODES)[number]) : undefined;
}
