import { METRICS_CONTENT_TYPE, serveHttp } from '@redis-zk/core';
import { decideSentinelHealth, type SentinelStatus } from './decide-health.js';
import type { SentinelMetrics } from './metrics.js';

/** Its endpoints (with HTTP_PORT set), as docs/reference/http-api.md documents them (a test checks it). */
export const SENTINEL_ROUTES = ['/health', '/metrics'] as const;

/**
 * The sentinel wrapper's HTTP port (HTTP_PORT, by default Marathon's PORT1): GET /health for
 * Marathon's health check (decide-health.ts) and GET /metrics for Prometheus.
 */
export function startSentinelHttp(o: { hosts: string[]; port: number; bindIp: string | undefined; status: () => Promise<SentinelStatus>; metrics: SentinelMetrics }): Promise<{ close(): Promise<void> }> {
  return serveHttp({
    hosts: o.hosts,
    port: o.port,
    bindIp: o.bindIp,
    variable: 'HTTP_PORT',
    routes: [...SENTINEL_ROUTES],
    observe: o.metrics.observeHttp,
    async handle(path) {
      if (path === '/metrics') return { status: 200, type: METRICS_CONTENT_TYPE, body: await o.metrics.registry.metrics() };
      const h = decideSentinelHealth(await o.status());
      return { status: h.status, type: 'application/json', body: JSON.stringify(h.body) };
    },
  });
}
