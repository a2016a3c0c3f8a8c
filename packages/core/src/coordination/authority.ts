import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import { refusalOf } from '../redis/refusal.js';

/**
 * The one rule for "who is the master", used by every program (docs/concepts/authority.md): the
 * master moves only on evidence no single input can forge.
 *
 *   (A1) A strict majority of the live *registered* sentinels (not of those that happened to
 *        answer) name the same address. One rogue, dead or lagging sentinel is one vote.
 *   (A2) Or the failover leader's announcement, confirmed by the new master's own lineage (a
 *        promoted replica keeps its old master's replication ID as `master_replid2`) and by its
 *        membership in the group's live nodes (`/redis/nodes`).
 *
 * The config epoch orders answers that pass one of these tests; it never overrides them.
 */

/** What one registered sentinel said about a group (`SENTINEL MASTER <name>`). */
export type SentinelAnswer =
  | {
      kind: 'master';
      sentinel: HostPort;
      master: HostPort;
      epoch: number;
      flags: readonly string[];
      /** How long since the master last answered this sentinel's PING validly, and the group's down-after. */
      lastOkPingMs?: number;
      downAfterMs?: number;
    }
  /** It answered but does not monitor the group. */
  | { kind: 'unknown-group'; sentinel: HostPort }
  /** Mid-failover the leader reports (old address, new epoch): no vote until it switches. */
  | { kind: 'failover-in-progress'; sentinel: HostPort }
  /** It answered SENTINEL MASTER with something that is not an address and an epoch. */
  | { kind: 'unusable'; sentinel: HostPort }
  | { kind: 'unreachable'; sentinel: HostPort; error: string };

export type SentinelVerdict =
  | {
      kind: 'agreed';
      master: HostPort;
      /** The highest config epoch among the sentinels that name it. */
      epoch: number;
      votes: number;
      registered: number;
      /** Sentinels that answered and named another master or did not monitor the group. */
      dissenters: HostPort[];
      reason: string;
    }
  | {
      kind: 'none';
      registered: number;
      votes: number;
      /** `<addr>: <error>` of each sentinel that refused our password or our TLS: a setting to fix. */
      refused: string[];
      reason: string;
    };

export function majorityOf(registered: number): number {
  return Math.floor(registered / 2) + 1;
}

/**
 * (A1): the address a strict majority of the `registered` sentinels name. `registered` counts the
 * distinct live registered sentinels; answers from sentinels not registered must not be passed.
 */
export function sentinelVerdict(registered: number, answers: readonly SentinelAnswer[]): SentinelVerdict {
  const need = majorityOf(registered);
  const named = answers.filter((a): a is Extract<SentinelAnswer, { kind: 'master' }> => a.kind === 'master');
  let best: { master: HostPort; votes: number; epoch: number } | undefined;
  for (const a of named) {
    const same = named.filter((b) => sameHostPort(a.master, b.master));
    if (best === undefined || same.length > best.votes) best = { master: a.master, votes: same.length, epoch: Math.max(...same.map((b) => b.epoch)) };
  }
  if (registered === 0) return { kind: 'none', registered, votes: 0, refused: [], reason: 'no sentinel is registered' };
  if (best === undefined || best.votes < need) {
    const counted = best === undefined ? 'no sentinel names a master' : `at most ${best.votes} name the same master (${formatHostPort(best.master)})`;
    const refused = answers.flatMap((a) => (a.kind === 'unreachable' && refusalOf(a.error) !== undefined ? [`${formatHostPort(a.sentinel)}: ${a.error}`] : []));
    const why = refused.length === 0 ? '' : `; ${refused.length} refused us (${refused[0]})`;
    return { kind: 'none', registered, votes: best?.votes ?? 0, refused, reason: `no majority of the ${registered} registered sentinel(s): ${counted}, ${need} needed${why}` };
  }
  const winner = best;
  const dissenters = answers
    .filter((a) => a.kind === 'unknown-group' || (a.kind === 'master' && !sameHostPort(a.master, winner.master)))
    .map((a) => a.sentinel);
  return {
    kind: 'agreed',
    master: winner.master,
    epoch: winner.epoch,
    votes: winner.votes,
    registered,
    dissenters,
    reason: `${winner.votes} of the ${registered} registered sentinel(s) name ${formatHostPort(winner.master)} (epoch ${winner.epoch})`,
  };
}

/** What (A2) looks at: the announced master's replication facts and the group's live nodes. */
export interface LineageEvidence {
  announced: HostPort;
  /** `master_replid2` of the announced address (INFO replication), when it answered as master. */
  announcedReplid2: string | undefined;
  /** The replication ID last seen on the master being replaced; undefined when never seen. */
  previousReplid: string | undefined;
  /** `<host> <port>` of the group's live nodes. */
  members: readonly HostPort[];
}

export type LineageVerdict = { ok: true; reason: string } | { ok: false; reason: string };

const NO_REPLID = /^0+$/;

/** (A2): the announced master descends from the master it replaces and is one of the group's nodes. */
export function confirmsLineage(e: LineageEvidence): LineageVerdict {
  const who = formatHostPort(e.announced);
  if (!e.members.some((m) => sameHostPort(m, e.announced))) return { ok: false, reason: `${who} is not one of the group's live nodes in /redis/nodes` };
  if (e.previousReplid === undefined || NO_REPLID.test(e.previousReplid)) return { ok: false, reason: `the replication ID of the previous master is not known` };
  if (e.announcedReplid2 === undefined || e.announcedReplid2 !== e.previousReplid) {
    return { ok: false, reason: `${who} does not carry the previous master's replication ID (master_replid2 ${e.announcedReplid2 ?? 'unknown'})` };
  }
  return { ok: true, reason: `${who} is a live node of the group and was promoted from the previous master (master_replid2 matches)` };
}

export type MonitoringHealth = { ok: true } | { ok: false; reason: string };

const DOWN = ['s_down', 'o_down', 'disconnected'];

/**
 * After down-after, how long the sentinels get to start a failover before a master they cannot
 * reach counts as one they cannot monitor: a failover is flagged within about two of Sentinel's
 * 1 s rounds (is-master-down votes, then the leader's election), so an ordinary failover never
 * raises the alarm, while a password they lack still does within seconds.
 */
export const FAILOVER_START_GRACE_MS = 5_000;

/**
 * Whether the sentinels can monitor the group's master at all: not when a majority of those that
 * answered have had no valid reply from it for longer than down-after plus the time a failover
 * takes to start (a password they do not have, a master down that nobody fails over). A failover
 * in progress, or one about to start, is not a failure.
 */
export function monitoringHealth(name: string, answers: readonly SentinelAnswer[]): MonitoringHealth {
  const named = answers.filter((a): a is Extract<SentinelAnswer, { kind: 'master' }> => a.kind === 'master');
  if (named.length === 0 || answers.some((a) => a.kind === 'failover-in-progress')) return { ok: true };
  const blind = named.filter((a) => a.flags.some((f) => DOWN.includes(f)) && (a.lastOkPingMs ?? 0) > (a.downAfterMs ?? Number.POSITIVE_INFINITY) + FAILOVER_START_GRACE_MS);
  if (blind.length * 2 <= named.length) return { ok: true };
  const a = blind[0]!;
  return {
    ok: false,
    reason:
      `the sentinels cannot monitor the master ${formatHostPort(a.master)} of ${name}: ${blind.length} of ${named.length} report it ${a.flags.join(',')} ` +
      `with no valid reply for ${a.lastOkPingMs} ms (down-after ${a.downAfterMs} ms) — a REDIS_PASSWORD on the sentinels that the servers do not accept, or a master down that is not failed over`,
  };
}
