// The watcher's operator endpoints against a real group (redis-server, redis-sentinel,
// ZooKeeper): POST /switchover (token, refusals, no acknowledged write lost, the outage), the
// event stream with Last-Event-ID, and /metrics in Prometheus's text format.
import { beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisClient, sharedZkHosts, startProcess, waitFor } from '../../harness/index.js';
import { openEventStream } from '../../harness/sse.js';
import { missingKeys, startWriter } from '../../harness/writer.js';
import { flat, startGroup, startHealthyWatcher, type Group } from './group.js';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let group: Group;
beforeAll(async () => {
  group = await startGroup({ zkHosts: sharedZkHosts() });
  // As redis-zk-sentinel does (SENTINEL_INFO_PERIOD_MS): a replica-priority change is seen within 1 s.
  for (const s of group.sentinels) {
    const c = redisClient(s.port);
    await c.call('SENTINEL', 'DEBUG', 'INFO-PERIOD', '1000');
    c.disconnect();
  }
});

const startWatcher = (extra: Record<string, string> = {}) => startHealthyWatcher(group.zkHosts, extra);

const post = (base: string, body: unknown, headers: Record<string, string> = AUTH) =>
  fetch(`${base}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** The group's master as ZooKeeper records it (`host port`). */
const recorded = () => group.zk.get('/redis/master');

/** Every sentinel done with any failover, naming one master: a steady group to switch over. */
async function steady(): Promise<string> {
  return waitFor(
    async () => {
      const views = await group.sentinelViews();
      const rec = await recorded();
      if (views.some((v) => v !== rec)) return false;
      for (const s of group.live()) {
        const c = redisClient(s.port);
        const flags = flat(await c.call('SENTINEL', 'MASTER', group.name)).flags ?? '';
        c.disconnect();
        if (flags.includes('failover')) return false;
      }
      return rec;
    },
    { what: 'every sentinel to name the recorded master, no failover running', timeoutMs: 30_000 },
  );
}

describe('POST /switchover', () => {
  it('is refused without API_TOKEN (403), without or with a wrong bearer (401), with a bad body (400) or an unknown group (404); reads stay open', async () => {
    const { base: closed } = await startWatcher();
    const r403 = await post(closed, {});
    expect(r403.status).toBe(403);
    expect(await r403.json()).toMatchObject({ code: 'SWITCHOVER_REFUSED', message: expect.stringMatching(/no API_TOKEN/) });

    const { w, base } = await startWatcher({ API_TOKEN: TOKEN });
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }] as Record<string, string>[]) {
      const r = await post(base, {}, headers);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await post(base, [])).status).toBe(400);
    expect(await (await post(base, { candidate: 'nonsense' })).json()).toMatchObject({ message: expect.stringMatching(/"candidate" must be "host:port"/) });
    expect((await post(base, { group: 'nosuchgroup' })).status).toBe(404);
    expect((await post(base, { typo: 1 })).status).toBe(400);
    expect((await fetch(`${base}/switchover`)).status).toBe(405);
    // Read-only endpoints need no token.
    expect((await fetch(`${base}/master`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);

    // A candidate that is not one of the master's replicas: refused with the reason, nothing moves.
    const before = await steady();
    const r = await post(base, { candidate: '127.0.0.1:1' });
    expect(r.status).toBe(409);
    expect(await r.json()).toMatchObject({ code: 'SWITCHOVER_REFUSED', message: expect.stringMatching(/127\.0\.0\.1 1 is not a replica of the master/) });
    expect(await recorded()).toBe(before);
    // The token never reaches the log.
    expect(w.logs().some((l) => JSON.stringify(l).includes(TOKEN))).toBe(false);
  });

  it('moves the master to the named candidate: writes paused, not one acknowledged write lost, the record at the next epoch; a second one at once is refused (failover in progress)', async () => {
    const { base } = await startWatcher({ API_TOKEN: TOKEN });
    const before = await steady();
    const epochBefore = Number(await group.zk.get('/redis/epochs/mymaster'));
    const candidate = group.servers.map((s) => `127.0.0.1 ${s.port}`).find((a) => a !== before)!;
    const stream = await openEventStream(`${base}/events`);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    // A client that follows /redis/master: after a failed write it connects to what is recorded.
    const options = { maxRetriesPerRequest: 1, commandTimeout: 1_000, enableReadyCheck: false, retryStrategy: () => 20 };
    const connect = (addr: string) => new Redis({ host: '127.0.0.1', port: Number(addr.split(' ')[1]), ...options }).on('error', () => undefined);
    let client = connect(before);
    const writes = startWriter(() => client, 'so:', () => {
      void recorded().then((m) => {
        if (m === undefined) return;
        client.disconnect();
        client = connect(m);
      });
    }, 1_500);
    try {
      await waitFor(() => writes.oks.length > 20, { what: 'the client writing', timeoutMs: 10_000 });
      const t0 = Date.now();
      const r = await post(base, { candidate: candidate.replace(' ', ':') });
      const body = (await r.json()) as { ok: boolean; from: string; to: string; outageMs: number; steps: string[] };
      expect(r.status, JSON.stringify(body)).toBe(200);
      // Paused when the sentinel named the replica, and the promoted replica held the paused offset.
      expect(body).toMatchObject({ ok: true, group: 'mymaster', from: before, to: candidate, pause: 'selected', atRiskBytes: 0 });
      expect(await recorded()).toBe(candidate);
      expect(Number(await group.zk.get('/redis/epochs/mymaster'))).toBe(epochBefore + 1);

      // At once again: the sentinels are still finishing the failover.
      const again = await post(base, {});
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ code: 'SWITCHOVER_REFUSED', message: expect.stringMatching(/in progress|already running/) });

      const returned = Date.now();
      await waitFor(() => writes.oks.some((o) => o.at > returned), { what: 'the client writing to the new master', timeoutMs: 15_000 });
      const gap = writes.longestGap(t0 - 1);
      console.log(`switchover: writes paused ${body.outageMs} ms (watcher's measure); the client's longest gap between acknowledged writes ${gap} ms; steps: ${body.steps.join(' | ')}`);
    } finally {
      await writes.stop();
    }
    // Not one acknowledged write lost: every key the client was told OK is on the new master.
    const nm = redisClient(Number(candidate.split(' ')[1]));
    const missing = await missingKeys(nm, writes.oks);
    nm.disconnect();
    expect(missing, `${missing.length} of ${writes.oks.length} acknowledged writes are missing`).toEqual([]);

    // The stream told the story, in order: started, the sentinel's own events, done, the switch.
    await waitFor(() => stream.events.some((e) => JSON.parse(e.data).kind === 'switch-master'), { what: 'the +switch-master on /events', timeoutMs: 15_000 });
    const kinds = stream.events.map((e) => JSON.parse(e.data) as { id: number; kind: string; outcome?: string; event?: string });
    expect(kinds.map((k) => Number(k.id))).toEqual([...kinds.map((k) => Number(k.id))].sort((a, b) => a - b));
    expect(stream.events.every((e) => e.id === String(JSON.parse(e.data).id))).toBe(true);
    const started = kinds.findIndex((k) => k.kind === 'switchover' && k.outcome === 'started');
    const done = kinds.findIndex((k) => k.kind === 'switchover' && k.outcome === 'done');
    expect(started).toBeGreaterThanOrEqual(0);
    expect(done).toBeGreaterThan(started);
    expect(kinds.some((k) => k.kind === 'sentinel' && k.event === '+elected-leader')).toBe(true);
    stream.close();

    // Resuming from an id gives exactly the events after it.
    const resumeFrom = Number(kinds[started]!.id);
    const resumed = await openEventStream(`${base}/events`, { 'last-event-id': String(resumeFrom) });
    await waitFor(() => resumed.events.length >= kinds.length - started - 1, { what: 'the resumed stream to replay the history', timeoutMs: 5_000 });
    expect(Number(resumed.events[0]!.id)).toBe(resumeFrom + 1);
    resumed.close();
    expect((await fetch(`${base}/events`, { headers: { 'last-event-id': 'yesterday' } })).status).toBe(400);

    // The same events in the metrics, and the master as recorded.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE redis_zk_switchovers_total counter$/m);
    expect(metrics).toMatch(/^redis_zk_switchovers_total\{group="mymaster",outcome="done",program="redis-zk-watcher"\} 1$/m);
    expect(metrics).toMatch(new RegExp(`^redis_zk_group_master_info\\{group="mymaster",master="127\\.0\\.0\\.1:${candidate.split(' ')[1]}",program="redis-zk-watcher"\\} 1$`, 'm'));
    expect(metrics).toMatch(/^redis_zk_zookeeper_session_state\{state="connected",program="redis-zk-watcher"\} 1$/m);
    expect(metrics).toMatch(/^redis_zk_sentinel_events_total\{group="mymaster",event="\+elected-leader",program="redis-zk-watcher"\} [1-9]/m);
    expect(metrics).toMatch(/^redis_zk_http_requests_total\{method="POST",route="\/switchover",code="200",program="redis-zk-watcher"\} 1$/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total\{program="redis-zk-watcher"\} /m);
  }, 90_000);
  it('closes the demoted master\'s clients: ioredis and redis-py Sentinel clients, given GET /sentinels, write to the new master at once, losing nothing', async () => {
    const { base } = await startWatcher({ API_TOKEN: TOKEN });
    await steady();
    const sentinels = (await (await fetch(`${base}/sentinels`, { headers: { accept: 'application/json' } })).json()) as { host: string; port: number }[];
    expect(sentinels.length).toBe(3);
    // As the clients' own documentation configures them; nothing of redis-zk in between.
    const io = new Redis({ sentinels, name: group.name, maxRetriesPerRequest: 1, commandTimeout: 500 }).on('error', () => undefined);
    const ioWrites = startWriter(() => io, 'io:', () => undefined, 1_000);
    const py = startProcess('redis-py', '/usr/bin/python3', ['test/clients/sentinel_writer.py', group.name, sentinels.map((s) => `${s.host}:${s.port}`).join(','), 'py:', '60']);
    const pyAcks = () => py.logs().filter((l) => l.event === 'ack') as { key: string; at: number }[];
    let to: string;
    let returned: number;
    try {
      await waitFor(() => ioWrites.oks.length > 10 && pyAcks().length > 10, { what: 'both Sentinel clients writing', timeoutMs: 15_000 });
      const r = await post(base, {});
      const body = (await r.json()) as { ok: boolean; to: string };
      expect(r.status, JSON.stringify(body)).toBe(200);
      to = body.to;
      returned = Date.now();
      // Left on the demoted master they would get -READONLY until something broke the connection.
      const ioAt = await waitFor(() => ioWrites.oks.find((o) => o.at > returned)?.at, { what: 'ioredis writing after the switchover', timeoutMs: 5_000 });
      const pyAt = await waitFor(() => pyAcks().find((a) => a.at > returned)?.at, { what: 'redis-py writing after the switchover', timeoutMs: 5_000 });
      console.log(`switchover with Sentinel clients: ioredis wrote again ${ioAt - returned} ms after the switchover returned (longest gap ${ioWrites.longestGap(returned - 5_000)} ms), redis-py ${Math.round(pyAt - returned)} ms`);
    } finally {
      await ioWrites.stop();
      py.killGroup();
    }
    // What each was told OK, before and after, is on the new master; and no write after the
    // switchover was answered by the old master (it is a replica: it refuses writes).
    const nm = redisClient(Number(to.split(' ')[1]));
    expect(await missingKeys(nm, ioWrites.oks)).toEqual([]);
    expect(await missingKeys(nm, pyAcks())).toEqual([]);
    nm.disconnect();
  }, 90_000);
});
