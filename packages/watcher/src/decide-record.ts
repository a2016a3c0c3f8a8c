import { formatHostPort, sameHostPort, type HostPort, type RecordValue } from '@redis-zk/core';

/** What the watcher observed about one group, gathered by reconcile.ts. */
export interface GroupObservation {
  name: string;
  /** Parsed `/redis/masters/<name>`: absent, unparsable, or an address. */
  record: RecordValue;
  /** `/redis/epochs/<name>`: undefined when absent or not a decimal number. */
  storedEpoch: number | undefined;
  /** The master a majority of the registered sentinels name (or the confirmed announcer), undefined when none. */
  candidate: { addr: HostPort; epoch: number; sentinels: number } | undefined;
  /** ROLE on the candidate said master. */
  candidateIsMaster: boolean;
  /** For the default group: `/redis/masters/<name>` equals `/redis/master`. */
  inSync: boolean;
  /** ROLE on the recorded address said master; undefined when there is no valid record or it was not needed. */
  recordedIsLiveMaster: boolean | undefined;
}

export type RecordRule =
  | 'no-candidate'
  | 'candidate-not-master'
  | 'already-recorded'
  | 'sync-epoch'
  | 'no-record'
  | 'unusable-record'
  | 'no-stored-epoch'
  | 'newer-epoch'
  | 'record-not-from-sentinels'
  | 'recorded-master-dead'
  | 'refuse-older-master';

export type RecordDecision =
  | { action: 'write'; rule: RecordRule; master: HostPort; epoch: number; changed: boolean; reason: string }
  | { action: 'none'; rule: RecordRule; reason: string };

const fmt = formatHostPort;

/**
 * Whether ZooKeeper's record of a group should be replaced by what the sentinels say.
 * ZooKeeper never goes back to an older master: a higher config epoch wins, an equal one repairs a
 * record the sentinels never wrote, a lower one wins only when the recorded master is no longer a live master (a full group restart
 * starts the sentinels' epochs again at 0, and refusing then would refuse for ever).
 */
export function decideRecord(o: GroupObservation): RecordDecision {
  const c = o.candidate;
  if (c === undefined) return { action: 'none', rule: 'no-candidate', reason: `No live sentinel knows group ${o.name}; leaving ZooKeeper as it is.` };
  if (!o.candidateIsMaster) {
    return { action: 'none', rule: 'candidate-not-master', reason: `The sentinels name ${fmt(c.addr)} (epoch ${c.epoch}) for ${o.name}, but it does not answer ROLE as master yet; waiting.` };
  }
  const rec = o.record;
  if (rec.kind === 'valid' && sameHostPort(rec.addr, c.addr)) {
    if (o.storedEpoch === c.epoch && o.inSync) return { action: 'none', rule: 'already-recorded', reason: `ZooKeeper already records ${fmt(c.addr)} at epoch ${c.epoch} for ${o.name}.` };
    return {
      action: 'write',
      rule: 'sync-epoch',
      master: c.addr,
      epoch: c.epoch,
      changed: false,
      reason: o.inSync
        ? `ZooKeeper records the right master ${fmt(c.addr)} for ${o.name} but epoch ${o.storedEpoch ?? 'none'}; storing the sentinels' epoch ${c.epoch}.`
        : `/redis/master says ${fmt(c.addr)} but /redis/masters/${o.name} differs; writing both in one transaction.`,
    };
  }
  const write = (rule: RecordRule, why: string): RecordDecision => ({ action: 'write', rule, master: c.addr, epoch: c.epoch, changed: true, reason: why });
  if (rec.kind === 'absent' || rec.kind === 'empty') return write('no-record', `ZooKeeper has no master for ${o.name}; recording ${fmt(c.addr)} (epoch ${c.epoch}) as the sentinels report.`);
  if (rec.kind === 'invalid') return write('unusable-record', `ZooKeeper's record for ${o.name} is unusable (${rec.reason}); replacing it with ${fmt(c.addr)} (epoch ${c.epoch}).`);
  const recorded = fmt(rec.addr);
  if (o.storedEpoch === undefined) return write('no-stored-epoch', `ZooKeeper records ${recorded} for ${o.name} with no epoch; the sentinels say ${fmt(c.addr)} (epoch ${c.epoch}), confirmed master.`);
  if (c.epoch > o.storedEpoch) return write('newer-epoch', `The sentinels moved ${o.name} from ${recorded} to ${fmt(c.addr)} (epoch ${c.epoch} > ${o.storedEpoch}); recording it.`);
  // Every failover has an epoch of its own: at the stored epoch the sentinels' master is the one
  // recorded then, so another address in the record was not written from them (by hand, or
  // forged). The record is repaired; it never moves the master.
  if (c.epoch === o.storedEpoch) {
    return write('record-not-from-sentinels', `/redis/masters/${o.name} names ${recorded}, but the sentinels name ${fmt(c.addr)} at the stored epoch ${c.epoch}: the record was not written from their failover; repairing it.`);
  }
  if (o.recordedIsLiveMaster === false) {
    return write('recorded-master-dead', `The recorded master ${recorded} of ${o.name} is no longer a live master and the sentinels say ${fmt(c.addr)} at epoch ${c.epoch} (stored ${o.storedEpoch}, e.g. after a full group restart); recording it.`);
  }
  return {
    action: 'none',
    rule: 'refuse-older-master',
    reason: `Refusing to move ${o.name} from ${recorded} (epoch ${o.storedEpoch}, still a live master) to ${fmt(c.addr)} at epoch ${c.epoch}: that would go back to an older master.`,
  };
}
