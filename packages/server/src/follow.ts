import {
  classifyRecord,
  demoteTo,
  describeRecordValue,
  type Disposable,
  type GroupSnapshot,
  formatHostPort,
  type HostPort,
  probeRedis,
  readGroupSnapshot,
  type RecordValue,
  type SentinelVerdict,
  redisCommand,
  sameHostPort,
  SingleFlight,
  subscribeSentinels,
  watchData,
} from '@redis-zk/core';
import type { RunningServer } from './running.js';
import { decideFollow, decideRelink, RELINK_AFTER_MS, type FollowAuthority, needsTargetProbe } from './follow-decide.js';
import { askGroupSentinels } from './observe.js';
import { decideSelected } from './decide-selected.js';

export interface FollowOptions extends RunningServer {
  /** How long we wait for a newly recorded master to answer as master before refusing to follow it. */
  demoteWaitMs?: number;
  /** After a refusal, how often the same record is checked again (besides on every change). */
  recheckMs?: number;
  /**
   * The record the startup decision already took into account (it may have chosen the sentinels'
   * master over it): its first delivery by the watch is not applied again.
   */
  startupRecord?: RecordValue;
}

/** How often a replica checks its link to its master. */
const LINK_CHECK_MS = 1_000;

/** While our own redis-server does not answer, how often the record is tried again. */
const OWN_RETRY_MS = 250;

export interface Follower {
  close(): void;
}

/**
 * Watches the group's record (`/redis/master` for the default group) while redis-server runs and applies decideFollow to every value,
 * one at a time, always with the latest value (changes that arrive meanwhile collapse).
 */
export function follow(opts: FollowOptions): Follower {
  const { zk, self, local, auth, sentinelAuth, log } = opts;
  /** The group's snapshot and, when sentinels are registered, their verdict. */
  const askGroup = async (): Promise<{ snap: GroupSnapshot; verdict: SentinelVerdict | undefined }> => {
    const snap = await readGroupSnapshot(zk, opts.group.name, { isDefault: opts.group.isDefault });
    const verdict = snap.sentinels.length === 0 ? undefined : await askGroupSentinels(snap.sentinels.map((m) => m.addr), opts.group.name, sentinelAuth);
    return { snap, verdict };
  };
  const gatherAuthority = async (record: HostPort): Promise<FollowAuthority> => {
    const { snap, verdict } = await askGroup();
    return verdict === undefined ? { kind: 'record', recordIsMember: snap.nodes.some((n) => sameHostPort(n.addr, record)) } : { kind: 'sentinels', verdict };
  };
  const demoteWaitMs = opts.demoteWaitMs ?? 5_000;
  const recheckMs = opts.recheckMs ?? 10_000;
  let latest: string | undefined;
  let closed = false;
  // One value applied at a time, always the latest: changes that arrive meanwhile collapse.
  const applying = new SingleFlight<{ raw: string | undefined; periodic: boolean }>(
    async ({ raw, periodic }) => {
      if (!closed) await apply(raw, periodic);
    },
    (err) => log.warn({ event: 'FOLLOW_FAILED', err: err instanceof Error ? err.message : String(err) }, `Could not apply ${opts.group.published} to our redis-server; will retry on the next change.`),
  );
  let first = true;
  let lastRefused: string | undefined;
  let lastWaitingOwn: string | undefined;
  let recheckTimer: NodeJS.Timeout | undefined;

  /** `periodic`: a re-check of a refused record, one probe and no retry window. */
  const apply = async (raw: string | undefined, periodic: boolean): Promise<void> => {
    const record = classifyRecord(raw);
    const deadline = periodic ? 0 : Date.now() + demoteWaitMs;
    let said = false;
    for (;;) {
      const own = await probeRedis(local, auth);
      const moves = needsTargetProbe(self, record, own) && record.kind === 'valid';
      const [target, authority] = moves
        ? await Promise.all([sameHostPort(record.addr, self) ? Promise.resolve(undefined) : probeRedis(record.addr, auth), gatherAuthority(record.addr)])
        : [undefined, { kind: 'unchecked' } as const];
      const d = decideFollow({ self, record, own, target, authority, recordPath: opts.group.published });
      // A refusal is said once per value; anything applied or settled starts afresh.
      if (d.action !== 'recheck' && d.action !== 'refuse') lastRefused = undefined;
      if (d.action !== 'wait-own') lastWaitingOwn = undefined;
      switch (d.action) {
        case 'none':
          log.debug({ record: raw === undefined ? null : record.kind }, d.reason);
          return;
        case 'wait-own':
          // An old master stopped (SIGSTOP, a long fork) past a failover must be demoted the
          // moment it answers again, not when Sentinel gets round to it.
          if (raw !== lastWaitingOwn) log.warn({ event: 'FOLLOW_WAITING', rule: d.rule, record: describeRecordValue(record) }, d.reason);
          lastWaitingOwn = raw;
          scheduleRetry(OWN_RETRY_MS, false);
          return;
        case 'refuse':
          if (raw !== lastRefused) log.warn({ event: 'RECORD_REFUSED', rule: d.rule, record: record.kind === 'invalid' ? record.preview : undefined }, d.reason);
          lastRefused = raw;
          return;
        case 'promote':
          log.info({ event: 'PROMOTED', rule: d.rule }, d.reason);
          await redisCommand(local, auth, 'REPLICAOF', 'NO', 'ONE');
          return;
        case 'replicate':
          // A master demoted here loses its clients at once, as under Sentinel's own conversion.
          if (own.reachable && own.role === 'master') {
            log.info({ event: 'DEMOTED', rule: d.rule, master: formatHostPort(d.master) }, d.reason);
            await demoteTo(local, auth, d.master);
          } else {
            log.info({ event: 'REPLICA_REPOINTED', rule: d.rule, master: formatHostPort(d.master) }, d.reason);
            await redisCommand(local, auth, 'REPLICAOF', d.master.host, d.master.port);
          }
          return;
        case 'recheck':
          // A newer value supersedes this one; the loop picks it up.
          if (closed || applying.pending) return;
          if (Date.now() >= deadline) {
            const line = `${d.reason} ${d.refusal}: it did not answer as master${periodic ? '' : ` within ${demoteWaitMs} ms`}; checking again every ${recheckMs} ms and on the next change.`;
            // Said once per record value; the periodic re-checks stay quiet until something changes.
            if (raw !== lastRefused) log.warn({ event: 'FOLLOW_REFUSED', rule: d.rule, master: formatHostPort(d.master) }, line);
            else log.debug({ master: formatHostPort(d.master) }, line);
            lastRefused = raw;
            scheduleRetry(recheckMs, true);
            return;
          }
          if (!said) log.info({ event: 'FOLLOW_WAITING', rule: d.rule, master: formatHostPort(d.master) }, `${d.reason} Checking again shortly.`);
          said = true;
          await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  /** Applies the latest value again after `ms` (unless a newer one came): `periodic` is one probe, no retry window. */
  const scheduleRetry = (ms: number, periodic: boolean) => {
    clearTimeout(recheckTimer);
    recheckTimer = setTimeout(() => {
      if (closed || applying.pending) return;
      void applying.request({ raw: latest, periodic });
    }, ms);
    recheckTimer.unref();
  };

  // A replica whose link stays down looks for the master the sentinels name (decideRelink).
  let linkDownSince: number | undefined;
  let relinking = false;
  const checkLink = async (): Promise<void> => {
    if (closed || applying.busy || relinking) return;
    relinking = true;
    try {
      const own = await probeRedis(local, auth);
      if (!own.reachable || own.role !== 'slave' || own.linkUp) {
        linkDownSince = undefined;
        return;
      }
      linkDownSince ??= Date.now();
      const linkDownMs = Date.now() - linkDownSince;
      let verdict: SentinelVerdict | undefined;
      let target;
      if (linkDownMs >= RELINK_AFTER_MS) {
        ({ verdict } = await askGroup());
        if (verdict?.kind === 'agreed' && !sameHostPort(verdict.master, self)) target = await probeRedis(verdict.master, auth);
      }
      const d = decideRelink({ self, own, linkDownMs, verdict, target });
      if (d.action !== 'replicate' || closed || applying.busy) return;
      log.info({ event: 'REPLICA_REPOINTED', rule: d.rule, master: formatHostPort(d.master) }, d.reason);
      await redisCommand(local, auth, 'REPLICAOF', d.master.host, d.master.port);
      linkDownSince = undefined;
    } catch (err) {
      log.debug({ err: err instanceof Error ? err.message : String(err) }, 'Replica link check failed; next time.');
    } finally {
      relinking = false;
    }
  };
  const linkTimer = setInterval(() => void checkLink(), LINK_CHECK_MS);
  linkTimer.unref();

  // A failover of our master under way: replicate the replica the sentinels selected at once
  // (decideSelected), so the old master gets no acknowledgement the new one may lack.
  const selections = subscribeSentinels(zk, sentinelAuth, ['+selected-slave'], (event) => {
    void (async () => {
      const own = await probeRedis(local, auth);
      const d = decideSelected({
        self,
        group: opts.group.name,
        event,
        own: !own.reachable ? { role: 'unreachable', master: undefined } : { role: own.role === 'master' ? 'master' : 'slave', master: own.masterHost === undefined || own.masterPort === undefined ? undefined : { host: own.masterHost, port: own.masterPort } },
      });
      if (d.action !== 'replicate' || closed) return;
      await redisCommand(local, auth, 'REPLICAOF', d.master.host, d.master.port);
      log.info({ event: 'REPLICA_FOLLOWS_SELECTED', rule: d.rule, master: formatHostPort(d.master) }, d.reason);
    })().catch((err: unknown) => log.debug({ err: err instanceof Error ? err.message : String(err) }, 'Could not follow the selected replica; Sentinel re-points us after the promotion.'));
  });

  const watch: Disposable = watchData(zk, opts.group.published, (value) => {
    const wasFirst = first;
    first = false;
    if (wasFirst && opts.startupRecord !== undefined && describeRecordValue(classifyRecord(value)) === describeRecordValue(opts.startupRecord)) {
      // The startup decision just weighed this very record (and may have preferred the
      // sentinels' newer master): applying it again would undo that decision.
      log.debug({ record: describeRecordValue(opts.startupRecord) }, `${opts.group.published} is unchanged since the startup decision; nothing to apply.`);
      latest = value;
      return;
    }
    clearTimeout(recheckTimer);
    latest = value;
    void applying.request({ raw: value, periodic: false });
  });

  return {
    close() {
      closed = true;
      clearTimeout(recheckTimer);
      clearInterval(linkTimer);
      selections.close();
      watch.close();
    },
  };
}
