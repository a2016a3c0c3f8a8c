import { formatHostPort, type HostPort, type RedisProbe, sameHostPort, type SentinelVerdict, type RecordValue, zkPaths } from '@redis-zk/core';

export interface FollowInput {
  self: HostPort;
  record: RecordValue;
  /** The record's path, for the reasons: `/redis/master`, or `/redis/masters/<name>` of another group. */
  recordPath?: string;
  /** INFO of our own redis-server: its role now (sentinels may already have moved it). */
  own: RedisProbe;
  /** INFO of the recorded address, when the record names another node than the one we follow (needsTargetProbe). */
  target: RedisProbe | undefined;
  /** What backs acting on the record, gathered when acting would move us (needsTargetProbe). */
  authority: FollowAuthority;
}

/**
 * The authority rule applied to the record: with sentinels registered, a record alone moves
 * nobody — a majority of them must name the recorded address (the watcher repairs a record they
 * contradict). With none registered (hand-over mode) the record is the authority, but only for an
 * address that is one of the group's live nodes.
 */
export type FollowAuthority =
  | { kind: 'sentinels'; verdict: SentinelVerdict }
  | { kind: 'record'; recordIsMember: boolean }
  /** Not gathered: acting on the record would not move us. */
  | { kind: 'unchecked' };

/** The rules of decideFollow and decideRelink; logged with the action's event. */
export type FollowRule =
  | 'record-invalid'
  | 'record-absent'
  | 'own-unreachable'
  | 'already-master'
  | 'self-named'
  | 'already-following'
  | 'repoint'
  | 'target-not-master'
  | 'sentinels-not-asked'
  | 'not-a-member'
  | 'sentinels-undecided'
  | 'sentinels-name-other'
  | 'demote'
  | 'linked'
  | 'link-settling'
  | 'no-sentinel-master'
  | 'same-master'
  | 'sentinel-master-unconfirmed'
  | 'relink';

export type FollowDecision = (
  | { action: 'none'; reason: string }
  | { action: 'refuse'; reason: string }
  /** Our own redis-server does not answer: apply the record as soon as it does. */
  | { action: 'wait-own'; reason: string }
  | { action: 'promote'; reason: string }
  | { action: 'replicate'; master: HostPort; reason: string }
  /**
   * The recorded address does not (yet) answer as master: check again shortly (in a handover it
   * promotes itself within milliseconds), and if it never does, `refusal` says what we refuse.
   */
  | { action: 'recheck'; master: HostPort; reason: string; refusal: string }
) & { rule: FollowRule };

function currentMaster(own: RedisProbe): HostPort | undefined {
  return own.reachable && own.masterHost !== undefined && own.masterPort !== undefined ? { host: own.masterHost, port: own.masterPort } : undefined;
}

/**
 * True when deciding needs the recorded address probed first: whenever acting on the record would
 * move us (demote a master, re-point a replica). A record can be stale (the watcher down, a
 * ZooKeeper session just back) while the sentinels already moved everyone to a newer master:
 * following a recorded address that does not answer as master would undo their decision.
 */
export function needsTargetProbe(self: HostPort, record: RecordValue, own: RedisProbe): boolean {
  if (record.kind !== 'valid' || !own.reachable) return false;
  // A replica named by the record would promote itself: that moves the master too.
  if (sameHostPort(record.addr, self)) return own.role !== 'master';
  if (own.role === 'master') return true;
  return own.role === 'slave' && !sameHostPort(currentMaster(own), record.addr);
}

function describeTarget(target: RedisProbe | undefined): string {
  if (target === undefined || !target.reachable) return `does not answer${target === undefined ? '' : ` (${target.error})`}`;
  return `answers as ${target.role}`;
}

type Unbacked = { rule: 'target-not-master' | 'sentinels-not-asked' | 'not-a-member' | 'sentinels-undecided' | 'sentinels-name-other'; why: string };

/** Why the authority does not back moving to `rec`, or undefined when it does. */
function unbacked(a: FollowAuthority, rec: HostPort): Unbacked | undefined {
  if (a.kind === 'unchecked') return { rule: 'sentinels-not-asked', why: 'the sentinels were not asked' };
  if (a.kind === 'record') return a.recordIsMember ? undefined : { rule: 'not-a-member', why: `${formatHostPort(rec)} is not one of the group's live nodes in /redis/nodes` };
  const v = a.verdict;
  if (v.kind === 'none') return { rule: 'sentinels-undecided', why: `the sentinels do not back it: ${v.reason}` };
  if (sameHostPort(v.master, rec)) return undefined;
  return { rule: 'sentinels-name-other', why: `the sentinels name ${formatHostPort(v.master)} (${v.votes} of ${v.registered}), not the record, so the watcher repairs the record` };
}

export function decideFollow({ self, record, own, target, authority, recordPath = zkPaths.MASTER }: FollowInput): FollowDecision {
  if (record.kind === 'invalid') {
    return { action: 'refuse', rule: 'record-invalid', reason: `Refusing ${recordPath} ${JSON.stringify(record.preview)}: ${record.reason}; keeping the current role.` };
  }
  if (record.kind !== 'valid') {
    return { action: 'none', rule: 'record-absent', reason: `${recordPath} is ${record.kind}; keeping the current role.` };
  }
  if (!own.reachable) {
    return { action: 'wait-own', rule: 'own-unreachable', reason: `Our redis-server does not answer (${own.error}); applying ${recordPath} ${formatHostPort(record.addr)} as soon as it does.` };
  }
  const rec = record.addr;
  if (sameHostPort(rec, self)) {
    if (own.role === 'master') return { action: 'none', rule: 'already-master', reason: 'The record names us and we are already the master.' };
    const no = unbacked(authority, rec);
    if (no !== undefined) {
      return { action: 'recheck', rule: no.rule, master: rec, reason: `${recordPath} names this node ${formatHostPort(self)}, but ${no.why}; staying a replica.`, refusal: 'Refusing to promote this replica' };
    }
    return { action: 'promote', rule: 'self-named', reason: `${recordPath} names this node ${formatHostPort(self)}; promoting it to master.` };
  }
  const targetIsMaster = target !== undefined && target.reachable && target.role === 'master';
  const no = unbacked(authority, rec);
  const answersAsMaster = targetIsMaster && no === undefined;
  // Why the record is not followed: the target is not a master, or the authority does not back it.
  const because: Unbacked = !targetIsMaster ? { rule: 'target-not-master', why: `it ${describeTarget(target)}` } : (no ?? { rule: 'sentinels-not-asked', why: 'unreachable' });
  if (own.role === 'slave') {
    const current = currentMaster(own);
    if (sameHostPort(current, rec)) return { action: 'none', rule: 'already-following', reason: `Already a replica of the recorded master ${formatHostPort(rec)}.` };
    const was = current ? formatHostPort(current) : 'nothing';
    if (answersAsMaster) {
      return {
        action: 'replicate',
        rule: 'repoint',
        master: rec,
        reason: `${recordPath} changed to ${formatHostPort(rec)}, which answers as master; re-pointing this replica (was replicating ${was}).`,
      };
    }
    return {
      action: 'recheck',
      rule: because.rule,
      master: rec,
      reason: `${recordPath} names ${formatHostPort(rec)} but ${because.why}; this replica keeps replicating ${was}.`,
      refusal: `Refusing to re-point this replica to ${formatHostPort(rec)}`,
    };
  }
  if (answersAsMaster) {
    return {
      action: 'replicate',
      rule: 'demote',
      master: rec,
      reason: `${recordPath} names ${formatHostPort(rec)}, which answers as master; demoting this master to its replica.`,
    };
  }
  return {
    action: 'recheck',
    rule: because.rule,
    master: rec,
    reason: `${recordPath} names ${formatHostPort(rec)} but ${because.why}; staying master for now.`,
    refusal: `Refusing to demote this master to a replica of ${formatHostPort(rec)}`,
  };
}

export interface RelinkInput {
  self: HostPort;
  own: RedisProbe;
  /** How long our replica's link has been down, as we observed it. */
  linkDownMs: number;
  verdict: SentinelVerdict | undefined;
  /** INFO of the sentinels' master, when they agree on one other than ours. */
  target: RedisProbe | undefined;
}

/** A replica's link must be down this long before it looks for its master elsewhere. */
export const RELINK_AFTER_MS = 2_000;

/**
 * A replica whose master is gone is re-pointed by the failover leader only if the sentinels knew
 * it (they learn replicas from the master's INFO every 10 s: one that joined just before the
 * master died is not known), and by us only on a record change (the watcher may be down). So a
 * replica whose link stays down follows the master a majority of the registered sentinels name,
 * once it answers as master: rule A1, the same evidence that moved the master.
 */
export function decideRelink({ self, own, linkDownMs, verdict, target }: RelinkInput): FollowDecision {
  if (!own.reachable || own.role !== 'slave' || own.linkUp) return { action: 'none', rule: 'linked', reason: 'Our replica is linked (or not a replica).' };
  if (linkDownMs < RELINK_AFTER_MS) return { action: 'none', rule: 'link-settling', reason: `Our replica's link has been down for ${linkDownMs} ms; giving it time.` };
  if (verdict === undefined || verdict.kind !== 'agreed') return { action: 'none', rule: 'no-sentinel-master', reason: `Our replica's link is down and the sentinels name no master${verdict ? ` (${verdict.reason})` : ''}.` };
  const current = currentMaster(own);
  if (sameHostPort(verdict.master, current) || sameHostPort(verdict.master, self)) return { action: 'none', rule: 'same-master', reason: `Our replica's link is down, but the sentinels name the same master ${formatHostPort(verdict.master)}.` };
  if (!(target !== undefined && target.reachable && target.role === 'master')) {
    return { action: 'none', rule: 'sentinel-master-unconfirmed', reason: `The sentinels name ${formatHostPort(verdict.master)}, but it ${describeTarget(target)}; waiting.` };
  }
  return {
    action: 'replicate',
    rule: 'relink',
    master: verdict.master,
    reason: `Our replica's link to ${current ? formatHostPort(current) : 'its master'} has been down for ${linkDownMs} ms and ${verdict.reason}, which answers as master; re-pointing this replica to it.`,
  };
}
