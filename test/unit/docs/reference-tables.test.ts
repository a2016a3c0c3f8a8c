// The reference tables that mirror code: every endpoint (docs/reference/http-api.md) and every
// metric (docs/reference/metrics.md) is the code's, and the code has none the tables leave out.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpServer, type WatcherView } from '../../../packages/watcher/src/http/server.js';
import { WATCHER_ENDPOINTS } from '../../../packages/watcher/src/http/operations.js';
import { ROLE_ROUTES } from '../../../packages/server/src/http.js';
import { SENTINEL_ROUTES } from '../../../packages/sentinel/src/http.js';
import { EventLog } from '../../../packages/watcher/src/behaviours/event-log.js';
import { watcherMetrics } from '../../../packages/watcher/src/metrics.js';
import { serverMetrics } from '../../../packages/server/src/metrics.js';
import { sentinelMetrics } from '../../../packages/sentinel/src/metrics.js';
import { Counter, Gauge, Histogram, type Registry, type Zk } from '@redis-zk/core';

const root = resolve(new URL('../../..', import.meta.url).pathname);
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** The tables of a page after its marker, by the heading above each: first cell of every row. */
function tables(page: string, marker: string): Map<string, string[][]> {
  const text = read(page);
  const lines = text.slice(text.indexOf(marker)).split('\n');
  const out = new Map<string, string[][]>();
  let heading = '';
  for (const line of lines) {
    if (line.startsWith('#')) heading = line.replace(/^#+ /, '');
    if (!line.startsWith('|') || line.startsWith('|---')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const key = cells[0]!.startsWith('metric') || cells[0] === 'endpoint' ? cells[0]! : undefined;
    if (key !== undefined) {
      heading = key.startsWith('metric') ? key : heading;
      out.set(heading, []);
      continue;
    }
    out.get(heading)!.push(cells);
  }
  return out;
}
const code = (cell: string) => cell.replace(/^`([^`]*)`.*$/, '$1');

describe('docs/reference/http-api.md', () => {
  const t = tables('docs/reference/http-api.md', '<!-- endpoint-tables');
  const endpoints = (heading: string) => t.get([...t.keys()].find((k) => k.startsWith(heading))!)!.map((row) => code(row[0]!));

  it('lists exactly the wrappers\' routes', () => {
    expect(endpoints('redis-zk-server').sort()).toEqual([...ROLE_ROUTES].sort());
    expect(endpoints('redis-zk-sentinel').sort()).toEqual([...SENTINEL_ROUTES].sort());
  });

  let app: ReturnType<typeof createHttpServer> | undefined;
  afterAll(async () => app?.close());

  it('lists exactly the watcher\'s endpoints, and each of them is served', async () => {
    expect(endpoints('redis-zk-watcher').sort()).toEqual([...WATCHER_ENDPOINTS].sort());
    const group = { host: '10.0.0.9', port: 6379 };
    const view: WatcherView = {
      name: 'mymaster',
      sentinels: () => [],
      master: () => group,
      knows: (n) => n === 'mymaster',
      masters: () => new Map([['mymaster', group]]),
      history: () => [],
      health: () => ({ ok: true, reason: 'fine', zookeeper: 'connected', subscription: null, unhealthyGroups: [] }),
      groupHealth: (name) => ({ name, ok: true, reason: 'fine' }),
      status: (name = 'mymaster') => ({ name, sentinels: [], events: [], zookeeper: { state: 'connected' } }),
    };
    app = createHttpServer(view, {
      operations: { metrics: async () => '', events: new EventLog(10), switchover: async () => ({ ok: false, status: 409, code: 'SWITCHOVER_REFUSED', reason: 'test' }), apiToken: undefined, defaultName: 'mymaster', knows: () => true },
    });
    for (const e of WATCHER_ENDPOINTS) {
      if (e === '/events') continue; // a stream: its route is checked by the 405 below
      const [method, path] = e.startsWith('POST ') ? ['POST' as const, e.slice(5)] : ['GET' as const, e];
      const r = await app.inject({ method, url: path.replace('<name>', 'mymaster') });
      expect(r.statusCode, e).not.toBe(404);
    }
    expect((await app.inject({ method: 'DELETE', url: '/events' })).statusCode).toBe(405);
    const index = await app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    expect(index.json().endpoints).toEqual(WATCHER_ENDPOINTS.filter((e) => e !== '/'));
  });
});

describe('docs/reference/metrics.md', () => {
  // The real registries of the three programs, built on inert inputs: nothing is collected, only
  // the declared series are read (name, type, labels).
  const zk = Object.assign(new EventEmitter(), { state: 'connected' }) as unknown as Zk;
  const registries: Record<string, Registry> = {
    watcher: watcherMetrics({ zk, state: {} as never, facts: {} as never, events: new EventLog(10), view: {} as never, subscription: undefined }).registry,
    '`redis-zk-server`': serverMetrics({ zk, group: { name: 'mymaster' } as never, local: { host: '127.0.0.1', port: 1 }, auth: { password: undefined, timeoutMs: 100 }, failoverMode: 'zookeeper', fencer: { fenced: false, raised: 0 } }).registry,
    '`redis-zk-sentinel`': sentinelMetrics({ zk, status: async () => ({}) as never, forgets: () => 0 }).registry,
  };
  const typeOf = (m: unknown) => (m instanceof Counter ? 'counter' : m instanceof Gauge ? 'gauge' : m instanceof Histogram ? 'histogram' : 'other');
  const declared = new Map<string, { program: string; type: string; labels: string[] }>();
  for (const [program, registry] of Object.entries(registries)) {
    for (const m of registry.getMetricsAsArray() as unknown as { name: string; labelNames: string[] }[]) {
      if (!m.name.startsWith('redis_zk_')) continue;
      const seen = declared.get(m.name);
      declared.set(m.name, { program: seen === undefined ? program : 'all three', type: typeOf(m), labels: [...m.labelNames].sort() });
    }
  }

  it('documents every declared metric with its program, type and labels, and no other', () => {
    expect(declared.size).toBeGreaterThan(30);
    const documented = new Map<string, { program: string; type: string; labels: string[] }>();
    for (const [heading, rows] of tables('docs/reference/metrics.md', '<!-- metric-table')) {
      const program = /^metric \((.*)\)$/.exec(heading)![1]!;
      for (const row of rows) {
        const labels = [...row[2]!.replace(/\([^)]*\)/g, '').matchAll(/`(\w+)`/g)].map((l) => l[1]!).sort();
        documented.set(code(row[0]!), { program, type: row[1]!, labels });
      }
    }
    expect([...documented.keys()].sort()).toEqual([...declared.keys()].sort());
    for (const [name, d] of declared) expect(documented.get(name), name).toEqual(d);
  });
});
