import { formatHostPort, probeRedis, sameHostPort, type HostPort, type Logger, type RedisAuth } from '@redis-zk/core';
import { decideRepoint } from './decide-repoint.js';
import type { GroupTimings } from './sentinel-conf.js';
import type { SentinelControl } from './sentinel-control.js';

export type Role = 'master' | 'slave' | 'unreachable';

export async function roleOf(addr: HostPort, auth: RedisAuth): Promise<Role> {
  const p = await probeRedis(addr, auth);
  return p.reachable ? p.role : 'unreachable';
}

/** On a record change: follow ZooKeeper only when our sentinel's master is down and the record is a live master. */
export async function maybeRepoint(
  group: string,
  record: HostPort,
  deps: { control: SentinelControl; log: Logger; redisAuth: RedisAuth; timings: GroupTimings },
  /** A periodic re-check logs its "no" at debug; a record change at info. */
  periodic = false,
): Promise<void> {
  const m = await deps.control.master(group);
  const monitored = m?.ip !== undefined && m.port !== undefined ? { host: m.ip, port: Number(m.port) } : undefined;
  if (periodic && sameHostPort(monitored, record)) return;
  const [recordRole, monitoredRole, replicas] = await Promise.all([
    roleOf(record, deps.redisAuth),
    monitored ? roleOf(monitored, deps.redisAuth) : Promise.resolve<Role>('unreachable'),
    deps.control.replicas(group).catch(() => []),
  ]);
  const d = decideRepoint({
    group,
    record,
    recordRole,
    monitored,
    monitoredFlags: m?.flags ?? '',
    monitoredReachable: monitoredRole !== 'unreachable',
    recordIsKnownReplica: replicas.some((r) => r.addr === formatHostPort(record)),
    monitoredDownForMs: m?.['s-down-time'] === undefined ? undefined : Number(m['s-down-time']) || 0,
    failoverTimeoutMs: Number(m?.['failover-timeout']) || deps.timings.failoverTimeoutMs,
  });
  if (d.action === 'none') {
    if (periodic) deps.log.debug({ group, rule: d.rule }, d.reason);
    else deps.log.info({ event: 'SENTINEL_KEPT', rule: d.rule, group }, d.reason);
    return;
  }
  deps.log.warn({ event: 'SENTINEL_REPOINTED', rule: d.rule, group, record, monitored }, d.reason);
  await deps.control.remove(group);
  await deps.control.monitor(group, record, deps.timings);
}
