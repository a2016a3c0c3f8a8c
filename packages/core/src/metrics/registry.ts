import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Zk, ZkState } from '../zk/client.js';

export { Counter, Gauge, Histogram, Registry };

/** The content type Prometheus expects for the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * One registry per program, with Node's process metrics (`process_*`, `nodejs_*`) under their
 * conventional names, and `program` as a label on every series so a dashboard can tell the
 * watcher's ZooKeeper session from a wrapper's.
 */
export function createRegistry(program: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const STATES: readonly ZkState[] = ['connecting', 'connected', 'disconnected', 'expired', 'closed'];

/**
 * The ZooKeeper session as Prometheus sees it: the state as a one-hot gauge (alert on
 * `redis_zk_zookeeper_session_state{state="connected"} == 0`), and counters of reconnections
 * and of sessions lost, which a state sampled every scrape would miss.
 */
export function zookeeperMetrics(registry: Registry, zk: Zk): void {
  new Gauge({
    name: 'redis_zk_zookeeper_session_state',
    help: 'The ZooKeeper session state: 1 for the current state, 0 for the others.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const s of STATES) this.set({ state: s }, zk.state === s ? 1 : 0);
    },
  });
  const reconnects = new Counter({ name: 'redis_zk_zookeeper_reconnects_total', help: 'Connections to ZooKeeper made again after one was lost.', registers: [registry] });
  const expirations = new Counter({ name: 'redis_zk_zookeeper_session_expirations_total', help: 'ZooKeeper sessions that expired (ephemeral nodes were lost and re-created).', registers: [registry] });
  let lost = false;
  zk.on('state', (s: ZkState) => {
    if (s === 'disconnected' || s === 'expired') lost = true;
    if (s === 'expired') expirations.inc();
    if (s === 'connected' && lost) {
      lost = false;
      reconnects.inc();
    }
  });
}

/** Every HTTP answer by route (the matched pattern, never the raw URL: bounded cardinality) and status code. */
export function httpMetrics(registry: Registry): { observe(method: string, route: string, status: number, seconds: number): void } {
  const requests = new Counter({ name: 'redis_zk_http_requests_total', help: 'HTTP requests answered, by method, route and status code.', labelNames: ['method', 'route', 'code'], registers: [registry] });
  const duration = new Histogram({
    name: 'redis_zk_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return {
    observe(method, route, status, seconds) {
      requests.inc({ method, route, code: String(status) });
      duration.observe({ route }, seconds);
    },
  };
}
