import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type WatcherView } from '../../../packages/watcher/src/http/server.js';

const S1 = { host: '10.0.0.1', port: 26379 };
const S2 = { host: '10.0.0.2', port: 26380 };
const GROUPS = new Map([
  ['mymaster', { host: '10.0.0.9', port: 6379 }],
  ['cache', { host: '10.0.0.8', port: 6380 }],
]);

function view(over: Partial<WatcherView> = {}): WatcherView {
  return {
    name: 'mymaster',
    sentinels: () => [S1, S2],
    master: (name = 'mymaster') => GROUPS.get(name),
    knows: (name) => GROUPS.has(name),
    masters: () => GROUPS,
    history: () => [],
    health: () => ({ ok: true, reason: 'fine', zookeeper: 'connected', subscription: { sentinel: '10.0.0.1:26379', since: new Date(0).toISOString() }, unhealthyGroups: [] }),
    groupHealth: (name) => ({ name, ok: name === 'mymaster', reason: name === 'mymaster' ? 'fine' : `the sentinels cannot monitor the master of ${name}` }),
    status: (name = 'mymaster') => ({ name, sentinels: [S1], events: [], zookeeper: { state: 'connected' } }),
    ...over,
  };
}

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function get(v: WatcherView, url: string, accept?: string) {
  app = createHttpServer(v);
  return app.inject({ method: 'GET', url, headers: accept === undefined ? {} : { accept } });
}

describe('HTTP API (in-process, fake view)', () => {
  it('/status and /health follow the Accept rules of the other endpoints: 406 when JSON is not acceptable', async () => {
    for (const url of ['/status', '/health']) {
      const refused = await get(view(), url, 'text/plain');
      expect(refused.statusCode, url).toBe(406);
      expect(refused.json()).toMatchObject({ error: 'not acceptable', message: expect.stringContaining('application/json') });
      await app?.close();
      for (const accept of [undefined, '*/*', 'application/*', 'text/plain;q=0.5, application/json']) {
        expect((await get(view(), url, accept)).statusCode, `${url} ${accept}`).toBe(200);
        await app?.close();
      }
    }
  });

  it('a method other than GET on an endpoint is 405 with Allow; an unknown path stays 404', async () => {
    app = createHttpServer(view());
    for (const url of ['/master', '/sentinels', '/status', '/health']) {
      for (const method of ['POST', 'DELETE', 'PUT'] as const) {
        const r = await app.inject({ method, url });
        expect(r.statusCode, `${method} ${url}`).toBe(405);
        expect(r.headers.allow).toBe('GET, HEAD');
        expect(r.json()).toMatchObject({ error: 'method not allowed' });
      }
    }
    expect((await app.inject({ method: 'POST', url: '/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', url: '/master' })).statusCode).toBe(200);
  });

  it('GET /sentinels: the original comma-separated text by default, JSON when asked', async () => {
    const text = await get(view(), '/sentinels');
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toBe('10.0.0.1:26379,10.0.0.2:26380');
    await app?.close();
    const json = await get(view(), '/sentinels', 'application/json');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json()).toEqual([S1, S2]);
  });

  it('GET /sentinel: one of them; 503 JSON when none', async () => {
    const one = await get(view(), '/sentinel');
    expect(['10.0.0.1:26379', '10.0.0.2:26380']).toContain(one.body);
    await app?.close();
    const none = await get(view({ sentinels: () => [] }), '/sentinel', 'application/json');
    expect(none.statusCode).toBe(503);
    expect(none.json()).toMatchObject({ error: 'unavailable' });
  });

  it('GET /master: text and JSON; 503 when unknown', async () => {
    expect((await get(view(), '/master')).body).toBe('10.0.0.9:6379');
    await app?.close();
    expect((await get(view(), '/master', 'application/json')).json()).toEqual({ name: 'mymaster', host: '10.0.0.9', port: 6379 });
    await app?.close();
    const unknown = await get(view({ master: () => undefined }), '/master');
    expect(unknown.statusCode).toBe(503);
    expect(unknown.headers['content-type']).toMatch(/json/);
  });

  it('406 when neither representation is acceptable', async () => {
    const r = await get(view(), '/sentinels', 'image/png');
    expect(r.statusCode).toBe(406);
    expect(r.json()).toMatchObject({ error: 'not acceptable' });
  });

  it('GET /health: 200 ok, 503 with a reason', async () => {
    const ok = await get(view(), '/health');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok', zookeeper: 'connected' });
    await app?.close();
    const bad = await get(view({ health: () => ({ ok: false, reason: 'not connected to ZooKeeper (state disconnected)', zookeeper: 'disconnected', subscription: null, unhealthyGroups: [] }) }), '/health');
    expect(bad.statusCode).toBe(503);
    expect(bad.json()).toMatchObject({ status: 'unavailable', reason: /ZooKeeper/ });
  });

  it('GET /masters: every group, as a JSON map or one "<name> <host>:<port>" line each', async () => {
    const json = await get(view(), '/masters', 'application/json');
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ cache: { host: '10.0.0.8', port: 6380 }, mymaster: { host: '10.0.0.9', port: 6379 } });
    await app?.close();
    const text = await get(view(), '/masters');
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toBe('cache 10.0.0.8:6380\nmymaster 10.0.0.9:6379\n');
  });

  it('GET /master/<name>, /status/<name>, /health/<name>: that group; 404 for a group with no record', async () => {
    const m = await get(view(), '/master/cache', 'application/json');
    expect(m.json()).toEqual({ name: 'cache', host: '10.0.0.8', port: 6380 });
    await app?.close();
    expect((await get(view(), '/master/cache')).body).toBe('10.0.0.8:6380');
    await app?.close();
    expect((await get(view(), '/status/cache')).json()).toMatchObject({ name: 'cache' });
    await app?.close();
    const h = await get(view(), '/health/cache');
    expect(h.statusCode).toBe(503);
    expect(h.json()).toMatchObject({ status: 'unavailable', group: 'cache', reason: /cannot monitor/ });
    await app?.close();
    expect((await get(view(), '/health/mymaster')).statusCode).toBe(200);
    for (const url of ['/master/nope', '/status/nope', '/health/nope']) {
      await app?.close();
      const r = await get(view(), url);
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ error: 'unknown group' });
    }
    await app?.close();
    expect((await get(view(), '/master/cache', 'text/html')).statusCode).toBe(406);
  });

  it('unknown paths get a JSON 404, whatever the method', async () => {
    const r = await get(view(), '/nope');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: 'not found' });
    const post = await app!.inject({ method: 'POST', url: '/nope' });
    expect(post.statusCode).toBe(404);
    expect(post.headers['content-type']).toMatch(/json/);
  });

  it('GET /status is JSON through its schema', async () => {
    const r = await get(view(), '/status');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ name: 'mymaster', zookeeper: { state: 'connected' } });
  });
});
