import type { ZkState } from '@redis-zk/core';

/** What GET /health looks at: our redis-sentinel's answers for every group the wrapper follows. */
export interface SentinelStatus {
  /** `host:port` we announce. */
  self: string;
  /** redis-sentinel is not running yet (waiting for the master record or the membership lock), or no longer. */
  starting: boolean;
  /** Set when redis-sentinel did not answer (or refused us). */
  error: string | undefined;
  /** Each followed group and `SENTINEL MASTER <name>`'s fields; undefined when it does not monitor it. */
  groups: { name: string; master: Record<string, string> | undefined }[];
  zookeeper: ZkState;
}

export interface SentinelHealth {
  status: 200 | 503;
  body: {
    status: 'ok' | 'failing';
    reason: string;
    sentinel: string;
    zookeeper: ZkState;
    groups: { name: string; master: string | null; flags: string[]; knownReplicas: number | null; otherSentinels: number | null; configEpoch: number | null }[];
  };
}

const num = (v: string | undefined): number | null => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : null);

/**
 * The sentinel wrapper's /health, for Marathon (which restarts a task that fails it):
 *   (0) redis-sentinel is not running (yet: the master record, the membership lock) → 503;
 *   (1) redis-sentinel does not answer → 503: this task cannot vote or fail anything over;
 *   (2) it answers but does not monitor a group the wrapper follows → 503, naming the groups;
 *   (3) otherwise 200 — whatever ZooKeeper's state: the registration lives with the session,
 *       and restarting sentinels because ZooKeeper is away would only take votes away.
 * A master that is down is the sentinels' job to fail over, not a reason to restart one.
 */
export function decideSentinelHealth(s: SentinelStatus): SentinelHealth {
  const groups = s.groups.map(({ name, master: m }) => ({
    name,
    master: m === undefined ? null : `${m.ip}:${m.port}`,
    flags: m === undefined ? [] : (m.flags ?? '').split(',').filter((f) => f !== ''),
    knownReplicas: num(m?.['num-slaves']),
    otherSentinels: num(m?.['num-other-sentinels']),
    configEpoch: num(m?.['config-epoch']),
  }));
  const body = (status: 'ok' | 'failing', reason: string) => ({ status, reason, sentinel: s.self, zookeeper: s.zookeeper, groups });
  if (s.starting) return { status: 503, body: body('failing', 'redis-sentinel is not running: waiting for the master record in ZooKeeper and the sentinel membership lock, or stopping') };
  if (s.error !== undefined) return { status: 503, body: body('failing', `redis-sentinel does not answer: ${s.error}`) };
  const missing = s.groups.filter((g) => g.master === undefined).map((g) => g.name);
  if (missing.length > 0) return { status: 503, body: body('failing', `redis-sentinel does not monitor ${missing.join(', ')}, which this wrapper follows`) };
  const zk = s.zookeeper === 'connected' ? '' : `; ZooKeeper is ${s.zookeeper} (not a reason to restart a sentinel)`;
  return { status: 200, body: body('ok', `redis-sentinel answers and monitors ${s.groups.map((g) => g.name).join(', ')}${zk}`) };
}
