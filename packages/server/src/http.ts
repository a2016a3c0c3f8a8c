import { createServer, type Server } from 'node:http';
import { listenFailure, METRICS_CONTENT_TYPE, probeRedis, type HostPort, type RedisAuth } from '@redis-zk/core';
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

/**
 * The wrapper's HTTP port (HTTP_PORT, by default Marathon's PORT1): the role checks of
 * decide-role-check.ts, each answered from one INFO of our own redis-server (and of its master
 * for `/replica?lag=`), and GET /metrics. GET and HEAD only; anything else is a JSON 404 or 405.
 */
export async function startRoleHttp(o: RoleHttpOptions): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = o.hosts.map(() =>
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const started = performance.now();
      const route = url.pathname in CHECKS || url.pathname === '/metrics' ? url.pathname : 'unmatched';
      const answer = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        o.metrics?.observeHttp(req.method ?? 'GET', route, status, (performance.now() - started) / 1000);
      };
      const send = (status: number, body: unknown) => answer(status, 'application/json', JSON.stringify(body));
      if (req.method !== 'GET' && req.method !== 'HEAD' && route !== 'unmatched') return send(405, { error: 'only GET and HEAD' });
      if (url.pathname === '/metrics' && o.metrics !== undefined) {
        void o.metrics.registry.metrics().then((text) => answer(200, METRICS_CONTENT_TYPE, text), (err: unknown) => send(500, { error: err instanceof Error ? err.message : String(err) }));
        return;
      }
      const check = CHECKS[url.pathname];
      if (check === undefined) return send(404, { error: 'not found', paths: [...Object.keys(CHECKS), '/metrics'] });
      const lagParam = url.searchParams.get('lag');
      const maxLagBytes = lagParam === null ? undefined : Number(lagParam);
      if (maxLagBytes !== undefined && (!Number.isInteger(maxLagBytes) || maxLagBytes < 0)) return send(400, { error: `lag=${JSON.stringify(lagParam)} is invalid: expected a number of bytes, 0 or more` });
      void (async () => {
        const own = await probeRedis(o.local, o.auth);
        let masterOffset: number | undefined;
        if (check === 'replica' && maxLagBytes !== undefined && own.reachable && own.role === 'slave' && own.masterHost !== undefined && own.masterPort !== undefined) {
          const master = await probeRedis({ host: own.masterHost, port: own.masterPort }, o.auth);
          masterOffset = master.reachable ? master.offset : undefined;
        }
        const a = answerRoleCheck({ check, own, fenced: o.fenced(), maxLagBytes, masterOffset });
        send(a.status, a.body);
      })().catch((err: unknown) => send(500, { error: err instanceof Error ? err.message : String(err) }));
    }),
  );
  await Promise.all(
    servers.map(
      (s, i) =>
        new Promise<void>((resolve, reject) => {
          s.once('error', (err) => reject(listenFailure(err, o.hosts[i]!, o.port, o.bindIp, 'HTTP_PORT')));
          s.listen(o.port, o.hosts[i], () => resolve());
        }),
    ),
  );
  return {
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}
