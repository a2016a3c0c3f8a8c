import { formatHostPort, sameHostPort, type HostPort, type LineageVerdict } from '@redis-zk/core';
import type { GroupObservation } from './decide-record.js';

/** `SENTINEL MASTER <name>` of the sentinel that announced a switch, reduced to what matters. */
export type AnnouncerAnswer =
  | { kind: 'none' }
  | { kind: 'failover-in-progress' }
  | { kind: 'unusable' }
  | { kind: 'master'; addr: HostPort; epoch: number };

export type SwitchRule = 'announcer-silent' | 'announcer-mid-failover' | 'announcer-unusable' | 'announcer-names-other' | 'epoch-not-above' | 'lineage-unconfirmed' | 'announcer-confirmed';

export type SwitchVerdict =
  | { action: 'decide'; rule: 'announcer-confirmed'; candidate: NonNullable<GroupObservation['candidate']>; reason: string }
  | { action: 'ask-all'; rule: Exclude<SwitchRule, 'announcer-confirmed'>; reason: string };

const fmt = formatHostPort;

/**
 * Whether the announcing sentinel's own answer is enough to decide a switch, without waiting on
 * the other sentinels (one of which may be unreachable for the whole probe timeout). It is when
 * the announcer names the announced address with an epoch above the one stored beside ZooKeeper's
 * record: a higher epoch is exactly what the all-sentinels reconcile would have acted on, and the
 * version-checked write still stops a stale decision — and when the new master's lineage
 * confirms it (authority rule A2: promoted from the recorded master, one of the group's live
 * nodes), so that one sentinel alone, rogue or confused, can never move the master. Anything less
 * clear-cut — no answer, a failover still running, a different address, an epoch not above
 * ZooKeeper's for another address (a restarted group, or a replayed event), an unconfirmed
 * lineage — is decided by asking every sentinel, where a majority is needed (rule A1).
 */
export function decideSwitch(o: {
  name: string;
  sentinel: HostPort;
  announced: HostPort;
  answer: AnnouncerAnswer;
  record: GroupObservation['record'];
  storedEpoch: number | undefined;
  /** confirmsLineage() of the announced address against the recorded master. */
  lineage: LineageVerdict;
}): SwitchVerdict {
  const s = fmt(o.sentinel);
  const a = o.answer;
  if (a.kind === 'none') return { action: 'ask-all', rule: 'announcer-silent', reason: `Sentinel ${s} announced ${o.name} moving to ${fmt(o.announced)} but did not answer SENTINEL MASTER; asking every sentinel.` };
  if (a.kind === 'failover-in-progress') return { action: 'ask-all', rule: 'announcer-mid-failover', reason: `Sentinel ${s} still reports a failover of ${o.name} in progress; asking every sentinel.` };
  if (a.kind === 'unusable') return { action: 'ask-all', rule: 'announcer-unusable', reason: `Sentinel ${s} gave an unusable SENTINEL MASTER answer for ${o.name}; asking every sentinel.` };
  if (!sameHostPort(a.addr, o.announced)) {
    return { action: 'ask-all', rule: 'announcer-names-other', reason: `Sentinel ${s} announced ${o.name} moving to ${fmt(o.announced)} but now names ${fmt(a.addr)} (epoch ${a.epoch}); asking every sentinel.` };
  }
  const recorded = o.record.kind === 'valid' ? o.record.addr : undefined;
  if (o.storedEpoch !== undefined && a.epoch <= o.storedEpoch && recorded !== undefined && !sameHostPort(recorded, a.addr)) {
    return {
      action: 'ask-all',
      rule: 'epoch-not-above',
      reason: `Sentinel ${s} names ${fmt(a.addr)} for ${o.name} at epoch ${a.epoch}, not above ZooKeeper's ${fmt(recorded)} at epoch ${o.storedEpoch}; asking every sentinel before moving it.`,
    };
  }
  if (!sameHostPort(recorded, a.addr) && !o.lineage.ok) {
    return { action: 'ask-all', rule: 'lineage-unconfirmed', reason: `Sentinel ${s} names ${fmt(a.addr)} for ${o.name} (epoch ${a.epoch}), but one sentinel is not enough unless the lineage confirms it: ${o.lineage.reason}; asking every sentinel.` };
  }
  return { action: 'decide', rule: 'announcer-confirmed', candidate: { addr: a.addr, epoch: a.epoch, sentinels: 1 }, reason: `Sentinel ${s} confirms ${o.name} at ${fmt(a.addr)} with epoch ${a.epoch}.` };
}
