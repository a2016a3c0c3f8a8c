// The wrapper's HTTP port (HTTP_PORT) against real servers: the role checks a load balancer and
// Marathon use, and /metrics in Prometheus's text format.
import { describe, expect, it } from 'vitest';
import { freePort, sharedZkHosts, waitFor } from '../../harness/index.js';
import { startLinkedPair } from './helpers.js';

const get = async (url: string, init?: RequestInit) => {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
};

/** A sample's value by metric name and labels, from the text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('redis-zk-server HTTP_PORT', () => {
  it('answers the role checks by role and serves /metrics: role, offset, lag, link, fencing, ZooKeeper session, requests', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const { a } = await startLinkedPair(sharedZkHosts(), { a: { HTTP_PORT: String(pa) }, b: { HTTP_PORT: String(pb) } });
    const A = `http://127.0.0.1:${pa}`;
    const B = `http://127.0.0.1:${pb}`;
    await waitFor(async () => (await get(`${A}/primary`)).status === 200, { what: '/primary 200 on the master' });
    expect((await get(`${B}/primary`)).status).toBe(503);
    expect((await get(`${A}/replica`)).status).toBe(503);
    expect((await get(`${B}/replica`)).status).toBe(200);
    expect((await get(`${B}/replica?lag=-1`)).status).toBe(400);
    expect((await get(`${A}/health`)).status).toBe(200);
    expect((await get(`${B}/health`)).status).toBe(200);
    expect(JSON.parse((await get(`${A}/nope`)).text)).toMatchObject({ error: 'not found', paths: expect.arrayContaining(['/primary', '/metrics']) });
    expect((await get(`${A}/metrics`, { method: 'POST' })).status).toBe(405);

    await a.redis.set('some', 'data');
    const ma = await get(`${A}/metrics`);
    expect(ma.status).toBe(200);
    expect(ma.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const group = { group: 'mymaster', program: 'redis-zk-server' };
    expect(sample(ma.text, 'redis_zk_server_role', { ...group, role: 'master' })).toBe(1);
    expect(sample(ma.text, 'redis_zk_server_role', { ...group, role: 'replica' })).toBe(0);
    expect(sample(ma.text, 'redis_zk_server_connected_replicas', group)).toBe(1);
    expect(sample(ma.text, 'redis_zk_server_replication_offset_bytes', group)).toBeGreaterThan(0);
    expect(sample(ma.text, 'redis_zk_server_fenced', group)).toBe(0);
    expect(sample(ma.text, 'redis_zk_zookeeper_session_state', { state: 'connected', program: 'redis-zk-server' })).toBe(1);
    expect(sample(ma.text, 'redis_zk_http_requests_total', { route: '/primary', code: '200', program: 'redis-zk-server' })).toBeGreaterThanOrEqual(1);
    expect(ma.text).toMatch(/^# TYPE redis_zk_server_role gauge$/m);

    const mb = await waitFor(async () => {
      const m = await get(`${B}/metrics`);
      return sample(m.text, 'redis_zk_server_replication_lag_bytes', group) === 0 ? m : false;
    }, { what: 'the replica to report lag 0 once caught up' });
    expect(sample(mb.text, 'redis_zk_server_role', { ...group, role: 'replica' })).toBe(1);
    expect(sample(mb.text, 'redis_zk_server_link_up', group)).toBe(1);
    expect(sample(mb.text, 'redis_zk_server_link_last_io_seconds', group)).toBeLessThan(5);
  }, 60_000);
});
