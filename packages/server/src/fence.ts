import {
  askOnce,
  askSentinels,
  FENCED_MIN_REPLICAS,
  formatHostPort,
  keptConnection,
  majorityOf,
  type Member,
  parseMembers,
  probeRedis,
  type RedisAuth,
  sameHostPort,
  SingleFlight,
  watchChildren,
  watchData,
  within,
  zkPaths,
} from '@redis-zk/core';
import type { RunningServer } from './running.js';
import { decideFence, fenceAfterGap, initialFenceState, type FenceDecision, type FenceObservation, type FenceState } from './decide-fence.js';

export interface FenceOptions extends RunningServer {
  fenceAfterMs: number;
  /** FAILOVER_MODE=zookeeper: a fence is lifted only on our own leadership (rule 9). */
  zookeeperMode?: boolean;
}

export interface Fencer {
  /** True while our redis-server refuses writes. */
  readonly fenced: boolean;
  /** How many times the fence went up (for the metrics). */
  readonly raised: number;
  /** Stops checking; a fence that is up stays up (we are stopping, and must not take writes meanwhile). */
  close(): void;
}

/**
 * The fence is `min-replicas-to-write` set beyond any group's size: Redis then answers every
 * write (commands, MULTI, scripts) with `-NOREPLICAS` at once, so a client sees an error — never
 * an OK that is thrown away later, and never a hang (CLIENT PAUSE WRITE would hold the client
 * until its own timeout, and lapse by itself if we could not renew it). Reads keep working.
 */
const FENCE_VALUE = FENCED_MIN_REPLICAS;
const FENCE_SETTING = 'min-replicas-to-write';

/** How often the fence checks that it has not been asleep. */
const WATCHDOG_MS = 50;

/**
 * Runs decideFence every FENCE_AFTER_MS/4 (at most every 500 ms) while redis-server runs. The
 * registries it counts from are the ones last read, so an outage does not shrink the majority.
 */
export function startFencing(opts: FenceOptions): Fencer {
  const { zk, self, local, group, log, fenceAfterMs } = opts;
  const intervalMs = Math.max(50, Math.min(500, Math.floor(fenceAfterMs / 4)));
  // Every question is bounded by one check period.
  const auth: RedisAuth = { ...opts.auth, timeoutMs: Math.min(opts.auth.timeoutMs, intervalMs) };
  const sentinelAuth: RedisAuth = { ...opts.sentinelAuth, timeoutMs: Math.min(opts.sentinelAuth.timeoutMs, intervalMs) };
  // Kept current by watches; during an outage the last lists stand (a majority never shrinks).
  let sentinels: Member[] = [];
  let nodes: Member[] = [];
  const watches = [
    watchChildren(zk, zkPaths.SENTINELS, (entries) => {
      sentinels = parseMembers(zkPaths.SENTINELS, entries);
    }),
    watchChildren(zk, group.nodes, (entries) => {
      nodes = parseMembers(group.nodes, entries);
    }),
  ];
  let state: FenceState = initialFenceState(Date.now());
  let raised = 0;
  let saved: string | undefined;
  let closed = false;
  let lastReason: string | undefined;

  const askZk = async (): Promise<FenceObservation['zk']> => {
    if (zk.state !== 'connected') return 'unreachable';
    // A request to a ZooKeeper that stopped answering waits for its own long deadline.
    const answer = await within(zk.get(group.published), intervalMs);
    if (answer.outcome !== 'done') return 'unreachable';
    return answer.value?.data.toString('utf8') === formatHostPort(self) ? 'names-us' : 'names-other';
  };

  /** Sentinels naming us and not thinking us down, and whether any reports a failover in progress. */
  const askTheSentinels = async (): Promise<{ namingUs: number; failoverSeen: boolean }> => {
    const answers = await askSentinels(sentinels.map((s) => s.addr), group.name, askOnce(sentinelAuth), { graceMs: intervalMs, deadlineMs: intervalMs });
    return {
      namingUs: answers.filter((a) => a.kind === 'master' && sameHostPort(a.master, self) && !a.flags.includes('s_down') && !a.flags.includes('o_down')).length,
      failoverSeen: answers.some((a) => a.kind === 'failover-in-progress'),
    };
  };

  /** FAILOVER_MODE=zookeeper: who holds the group's leadership, by its node's owner. */
  const askLeadership = async (): Promise<NonNullable<FenceObservation['leadership']>> => {
    if (zk.state !== 'connected') return 'unreachable';
    const answer = await within(zk.get(group.leader), intervalMs);
    if (answer.outcome !== 'done') return 'unreachable';
    if (answer.value === undefined) return 'none';
    return answer.value.stat.ephemeralOwner === zk.sessionId ? 'ours' : 'other';
  };

  /** probeRedis is bounded by `auth.timeoutMs` (at most one check period) and never throws. */
  const attachedReplicas = async (others: Member[]): Promise<number> => {
    const answers = await Promise.all(others.map((m) => probeRedis(m.addr, auth)));
    return answers.filter((p) => p.reachable && p.role === 'slave' && p.linkUp && p.masterHost !== undefined && p.masterPort !== undefined && sameHostPort({ host: p.masterHost, port: p.masterPort }, self)).length;
  };

  // One connection kept open to our own redis-server: raising the fence is then one round trip,
  // which matters in the first milliseconds after we wake from a stop.
  const ownConnection = keptConnection(local, opts.auth);
  const setFence = async (on: boolean): Promise<void> => {
    if (on) {
      saved ??= await readSetting();
      await ownConnection.command('CONFIG', 'SET', FENCE_SETTING, FENCE_VALUE);
    } else {
      await ownConnection.command('CONFIG', 'SET', FENCE_SETTING, saved ?? '0');
    }
  };
  /**
   * Applies a decision: the state at once (a check or the watchdog deciding meanwhile sees it),
   * then the setting — sent in order on one connection, so redis-server ends with the last state
   * — then the line that says why.
   */
  const apply = async (d: FenceDecision): Promise<void> => {
    if (d.action === 'fence' && !state.fenced) raised += 1;
    state = d.next;
    if (d.action === 'none') {
      if (d.reason !== lastReason) log.debug({ rule: d.rule }, d.reason);
      return;
    }
    await setFence(d.action === 'fence');
    if (d.action === 'fence') log.warn({ event: 'FENCE_UP', fence: 'up', rule: d.rule }, d.reason);
    else log.info({ event: 'FENCE_LIFTED', fence: 'lifted', rule: d.rule }, d.reason);
  };
  /** The operator's min-replicas-to-write, restored when the fence is lifted (never our own fence value). */
  const readSetting = async (): Promise<string> => {
    const current = ((await ownConnection.command('CONFIG', 'GET', FENCE_SETTING)) as string[])[1] ?? '0';
    return current === FENCE_VALUE ? '0' : current;
  };
  void readSetting().then((v) => (saved ??= v), () => undefined);

  const cycle = async (): Promise<void> => {
    const askedAt = Date.now();
    const own = await probeRedis(local, auth);
    const role = !own.reachable ? 'unreachable' : own.role === 'master' ? 'master' : 'replica';
    let zkAnswer: FenceObservation['zk'] = 'unreachable';
    let leadership: FenceObservation['leadership'];
    let asked = { namingUs: 0, failoverSeen: false };
    let attached = 0;
    const others = nodes.filter((n) => !sameHostPort(n.addr, self));
    if (role === 'master' && state.fenced) {
      // Lifting needs the whole picture, asked now: every source at once.
      [zkAnswer, leadership, asked, attached] = await Promise.all([
        askZk(),
        opts.zookeeperMode === true ? askLeadership() : Promise.resolve(undefined),
        askTheSentinels(),
        attachedReplicas(others),
      ]);
    } else if (role === 'master') {
      // Keeping writes: cheapest first; each later source only when the earlier ones did not confirm.
      zkAnswer = await askZk();
      if (zkAnswer !== 'names-us') asked = await askTheSentinels();
      if (zkAnswer !== 'names-us' && asked.namingUs < majorityOf(sentinels.length)) attached = await attachedReplicas(others);
    }
    if (closed) return;
    const d = decideFence(state, {
      role,
      zk: zkAnswer,
      leadership,
      sentinels: { registered: sentinels.length, ...asked },
      replicas: { registered: others.length, attached },
      askedAt,
      now: Date.now(),
      fenceAfterMs,
      paused: opts.paused(),
    });
    await apply(d);
    lastReason = d.reason;
  };

  // One check at a time; one asked for meanwhile (a watch, the watchdog) runs right after it.
  let timer: NodeJS.Timeout | undefined;
  const checks = new SingleFlight<void>(cycle, (err) => log.debug({ err: err instanceof Error ? err.message : String(err) }, 'Fence check failed; next time.'));
  const loop = () => {
    if (closed) return;
    clearTimeout(timer);
    void checks.request().then(() => {
      if (closed || checks.busy) return;
      clearTimeout(timer);
      timer = setTimeout(loop, intervalMs);
    });
  };
  // We were stopped (SIGSTOP of the whole task, a VM pause) or blocked for longer than
  // FENCE_AFTER_MS: our lease is unknown and someone may have replaced us meanwhile. Fence first,
  // in the first tick after waking, before asking anyone — every millisecond spent asking is
  // writes a replaced master would take and lose; the next cycle lifts it if we are confirmed.
  let lastTick = Date.now();
  const watchdog = setInterval(() => {
    const now = Date.now();
    const slept = now - lastTick;
    lastTick = now;
    if (closed) return;
    const d = fenceAfterGap(state, now, slept, fenceAfterMs, opts.paused());
    if (d === undefined) return;
    // apply marks it at once: a check under way when we stopped can no longer lift it.
    void apply(d)
      .catch(() => undefined)
      .finally(() => loop());
  }, WATCHDOG_MS);
  watchdog.unref();

  // A record that moves to us (a promotion, recorded) is checked at once: a fence left from the
  // moment between our promotion and its record must not outlive the record by a check period.
  watches.push(watchData(zk, group.published, () => loop()));
  loop();

  return {
    get fenced() {
      return state.fenced;
    },
    get raised() {
      return raised;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      ownConnection.close();
      for (const w of watches) w.close();
    },
  };
}
