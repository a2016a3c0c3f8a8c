import { METRICS_CONTENT_TYPE, probeRedis, serveHttp, type HostPort, type HttpAnswer, type RedisAuth } from '@redis-zk/core';
import type { ServerMetrics } from './metrics.js';
import { answerRoleCheck, type RoleCheck } from './decide-role-check.js';

export interface RoleHttpOptions {
  hosts: string[];
  port: number;
  bindIp: string | undefined;
  local: HostPort;
  auth: RedisAuth;
  /** Whether our redis-server is fenced now (always false with FENCING=off). */
  fenced: () => boolean;
  /** GET /metrics, and every request counted. */
  metrics?: ServerMetrics;
}

const CHECKS: Record<string, RoleCheck> = { '/primary': 'primary', '/master': 'primary', '/replica': 'replica', '/health': 'health' };

/** Its endpoints (with HTTP_PORT set), as docs/reference/http-api.md documents them (a test checks it). */
export const ROLE_ROUTES = [...Object.keys(CHECKS), '/metrics'] as const;

/**
 * The wrapper's HTTP port (HTTP_PORT, by default Marathon's PORT1): the role checks of
 * decide-role-check.ts, each answered from one INFO of our own redis-server (and of its master
 * for `/replica?lag=`), and GET /metrics. GET and HEAD only; anything else is a JSON 404 or 405.
 */
export async function startRoleHttp(o: RoleHttpOptions): Promise<{ close(): Promise<void> }> {
  const json = (status: number, body: unknown): HttpAnswer => ({ status, type: 'application/json', body: JSON.stringify(body) });
  return serveHttp({
    hosts: o.hosts,
    port: o.port,
    bindIp: o.bindIp,
    variable: 'HTTP_PORT',
    routes: ROLE_ROUTES.filter((r) => r !== '/metrics' || o.metrics !== undefined),
    observe: o.metrics?.observeHttp,
    async handle(path, query) {
      if (path === '/metrics') return { status: 200, type: METRICS_CONTENT_TYPE, body: await o.metrics!.registry.metrics() };
      const check = CHECKS[path]!;
      const lagParam = query.get('lag');
      const maxLagBytes = lagParam === null ? undefined : Number(lagParam);
      if (maxLagBytes !== undefined && (!Number.isInteger(maxLagBytes) || maxLagBytes < 0)) return json(400, { error: `lag=${JSON.stringify(lagParam)} is invalid: expected a number of bytes, 0 or more` });
      const own = await probeRedis(o.local, o.auth);
      let masterOffset: number | undefined;
      if (check === 'replica' && maxLagBytes !== undefined && own.reachable && own.role === 'slave' && own.masterHost !== undefined && own.masterPort !== undefined) {
        const master = await probeRedis({ host: own.masterHost, port: own.masterPort }, o.auth);
        masterOffset = master.reachable ? master.offset : undefined;
      }
      const a = answerRoleCheck({ check, own, fenced: o.fenced(), maxLagBytes, masterOffset });
      return json(a.status, a.body);
    },
  });
}
