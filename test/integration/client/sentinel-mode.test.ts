// @redis-zk/client against a real group in Sentinel mode: an application's writer (SET + WAIT 1)
// through the client across a crash failover and a POST /switchover, with a subscriber and a
// blocked BLPOP on the same master, and a forged record that must never be followed.
import { afterEach, describe, expect, it } from 'vitest';
import { RedisZk, type MasterChanged } from '../../../packages/client/src/index.js';
import { redisClient, sharedZkHosts, startRedisServer, waitFor } from '../../harness/index.js';
import { killRedisServer, linkedTo, recordMovedFrom, startFullGroup } from '../../harness/full-group.js';
import { startClientWriter } from '../../harness/client-writer.js';
import { recordHistory } from '../../harness/zk-history.js';
import { missingKeys } from '../../harness/writer.js';

let rz: RedisZk | undefined;
afterEach(async () => {
  await rz?.close();
  rz = undefined;
});

describe('@redis-zk/client, Sentinel mode', () => {
  it('follows a crash failover, a switchover and a hand-off: nothing acknowledged lost, the planned moves without a failed write, pub/sub and BLPOP carried over', async () => {
    const token = 'client-test-token';
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, env: { SENTINEL_DOWN_AFTER_MS: '5000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000', API_TOKEN: token } });
    const first = await g.steady('the group to form');
    rz = await RedisZk.connect({ zkHosts, logLevel: process.env.CLIENT_DEBUG ? 'debug' : 'silent' });
    const changes: MasterChanged[] = [];
    rz.on('master-changed', (e) => changes.push(e));
    const app = rz.client();
    app.on('error', () => undefined);
    await waitFor(() => rz!.master() === `127.0.0.1 ${first}`, { what: 'the client to follow the recorded master', timeoutMs: 10_000 });

    // A subscriber and a blocked BLPOP: both must come out on the new master.
    const sub = rz.client();
    sub.on('error', () => undefined);
    const messages: string[] = [];
    await sub.subscribe('news');
    sub.on('message', (_c, m) => messages.push(m));
    const blocked = rz.client();
    blocked.on('error', () => undefined);
    const popped = blocked.blpop('jobs', 0);

    const history = recordHistory(g.zk);
    const movedAt = (to: number) => history.times[history.values.lastIndexOf(`127.0.0.1 ${to}`)]!;
    const writer = startClientWriter(app, 'c:', 500);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'acknowledged writes through the client', timeoutMs: 15_000 });
      const old = g.servers.find((s) => s.port === first)!;
      await killRedisServer(old);
      const second = await recordMovedFrom(g, first, 20_000);
      await waitFor(() => writer.acks.some((a) => a.at > movedAt(second)), { what: 'a write acknowledged on the new master', timeoutMs: 10_000 });
      expect(rz.master()).toBe(`127.0.0.1 ${second}`);
      await waitFor(() => changes.find((c) => c.to === `127.0.0.1 ${second}`), { what: 'master-changed for the crash failover', timeoutMs: 5_000 });
      const change = changes.find((c) => c.to === `127.0.0.1 ${second}`)!;
      expect(change).toMatchObject({ group: 'mymaster', from: `127.0.0.1 ${first}`, rule: 'record-moved' });
      expect(change.epoch).toBeGreaterThan(0);

      // pub/sub and the blocked BLPOP now run on the new master.
      const direct = redisClient(second);
      await waitFor(async () => Number(await direct.publish('news', 'after-failover')) >= 1, { what: 'the subscriber to be subscribed on the new master', timeoutMs: 10_000 });
      await waitFor(() => messages.includes('after-failover'), { what: 'the message published on the new master', timeoutMs: 5_000 });
      await waitFor(async () => {
        await direct.rpush('jobs', 'j1');
        return true;
      }, { what: 'a job pushed', timeoutMs: 5_000 });
      let result: unknown;
      void popped.then((v) => (result = v), (e: unknown) => (result = e));
      await waitFor(() => result, { what: 'the BLPOP blocked on the old master to pop the job from the new one', timeoutMs: 5_000 });
      expect(result).toEqual(['jobs', 'j1']);

      // A switchover: the writer must not see one failed write.
      const other = g.servers.find((s) => s !== old && s.port !== second)!;
      await linkedTo(other.port, second, 'the other replica linked to the new master', 30_000);
      const failuresBefore = writer.failures.length;
      const r = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${g.watcher.port}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
        return res.status === 200 ? res : undefined;
      }, { what: 'POST /switchover to succeed', timeoutMs: 30_000 });
      expect(r.status).toBe(200);
      const third = await recordMovedFrom(g, second, 10_000);
      await waitFor(() => writer.acks.some((a) => a.at > movedAt(third) + 100), { what: 'writes acknowledged after the switchover', timeoutMs: 10_000 });
      expect(rz.master()).toBe(`127.0.0.1 ${third}`);
      expect(writer.commandFailures(failuresBefore)).toEqual([]);
      // Figures, not assertions (docs/development/performance.md).
      console.log(
        `client: crash failover outage ${writer.outageAround(movedAt(second))} ms (first write ${writer.firstSetAfter(movedAt(second))} ms after the record moved); ` +
          `switchover outage ${writer.outageAround(movedAt(third))} ms (first write ${writer.firstSetAfter(movedAt(third))} ms after the record moved)`,
      );
      direct.disconnect();

      // Marathon replaces the crashed task, so the group has two replicas again.
      const replacement = await g.addServer();
      await linkedTo(replacement.port, third, 'the replacement to replicate the master', 30_000);
      // A rolling restart's step: SIGTERM of the master, which hands off before it stops. First
      // every sentinel must have marked the crashed task down: until then a sentinel may select
      // it, as it may any replica it still thinks alive (Sentinel's own rule).
      await waitFor(async () => {
        for (const s of g.sentinels) {
          const c = redisClient(s.port);
          const replicas = (await c.call('SENTINEL', 'REPLICAS', 'mymaster').finally(() => c.disconnect())) as string[][];
          const dead = replicas.map((r) => Object.fromEntries(r.flatMap((v, i) => (i % 2 === 0 ? [[v, r[i + 1]]] : [])))).find((r) => r.port === String(first));
          if (dead !== undefined && !String(dead.flags).includes('s_down')) return false;
        }
        return true;
      }, { what: 'the sentinels to see the crashed task down', timeoutMs: 20_000 });
      const failuresBeforeHandoff = writer.failures.length;
      const stopping = g.servers.find((s) => s.port === third)!;
      stopping.proc.signal('SIGTERM');
      const handed = await stopping.proc.waitForLog((l) => l.event === 'HANDED_OFF' || l.event === 'HAND_OFF_SKIPPED' || l.event === 'HAND_OFF_FAILED', 15_000);
      expect(handed.event, JSON.stringify(handed)).toBe('HANDED_OFF');
      const fourth = await recordMovedFrom(g, third, 10_000);
      await waitFor(() => writer.acks.some((a) => a.at > movedAt(fourth) + 100), { what: 'writes acknowledged after the hand-off', timeoutMs: 10_000 });
      expect(rz.master()).toBe(`127.0.0.1 ${fourth}`);
      expect(writer.commandFailures(failuresBeforeHandoff)).toEqual([]);
      // The group's history (GET /history, /redis/history/mymaster): each change with its cause,
      // each one's `from` the previous one's `to`, the last one the record.
      const history = (await (await fetch(`http://127.0.0.1:${g.watcher.port}/history`, { headers: { accept: 'application/json' } })).json()) as { name: string; changes: { from: string | null; to: string; cause: string; epoch: number }[] };
      expect(history.name).toBe('mymaster');
      const causes = history.changes.map((c) => c.cause);
      expect(causes[0]).toBe('claim');
      expect(causes.slice(-2)).toEqual(['switchover', 'hand-off']);
      expect(['crash-failover', 'failover']).toContain(causes.at(-3));
      for (let i = 1; i < history.changes.length; i += 1) expect(history.changes[i]!.from).toBe(history.changes[i - 1]!.to);
      expect(history.changes.at(-1)!.to).toBe(`127.0.0.1 ${fourth}`);
      expect(history.changes.map((c) => c.epoch)).toEqual([...history.changes.map((c) => c.epoch)].sort((a, b) => a - b));
      console.log(`client: hand-off (SIGTERM) outage ${writer.outageAround(movedAt(fourth))} ms (first write ${writer.firstSetAfter(movedAt(fourth))} ms after the record moved)`);
    } finally {
      await writer.stop();
    }
    const master = redisClient((await g.recordedPort())!);
    expect(await missingKeys(master, writer.acks)).toEqual([]);
    master.disconnect();
  });

  it('never follows a forged record, and follows the sentinels\' failover when the master\'s whole task is lost', async () => {
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, env: { SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000' } });
    const master = await g.steady('the group to form');
    rz = await RedisZk.connect({ zkHosts });
    const changes: MasterChanged[] = [];
    rz.on('master-changed', (e) => changes.push(e));
    const app = rz.client();
    app.on('error', () => undefined);
    await app.set('before', '1');

    // A live foreign Redis written into the record: not a live node of the group.
    const foreign = await startRedisServer();
    await g.zk.set('/redis/master', `127.0.0.1 ${foreign.port}`);
    for (let i = 0; i < 50; i += 1) await app.set(`during:${i}`, '1');
    expect(rz.master()).toBe(`127.0.0.1 ${master}`);
    const f = redisClient(foreign.port);
    expect(await f.dbsize()).toBe(0);
    f.disconnect();
    // The watcher repairs the record; the client never moved. The repair is in the history.
    await waitFor(async () => (await g.zk.get('/redis/master')) === `127.0.0.1 ${master}`, { what: 'the watcher to repair the record', timeoutMs: 10_000 });
    expect(JSON.parse((await g.zk.get('/redis/history/mymaster'))!).at(-1)).toMatchObject({ from: `127.0.0.1 ${foreign.port}`, to: `127.0.0.1 ${master}`, cause: 'repair' });
    expect(await app.get('during:49')).toBe('1');
    expect(changes.map((c) => c.to)).toEqual([`127.0.0.1 ${master}`]);

    // The master's whole task lost: no wrapper sees it, the sentinels fail over after down-after.
    const writer = startClientWriter(app, 'w:', 500);
    let next: number;
    try {
      await waitFor(() => writer.acks.length > 20, { what: 'acknowledged writes through the client', timeoutMs: 10_000 });
      process.kill(-g.servers.find((s) => s.port === master)!.proc.pid, 'SIGKILL');
      next = await recordMovedFrom(g, master, 30_000);
      const movedAt = Date.now();
      await waitFor(() => writer.acks.some((a) => a.at > movedAt), { what: 'a write acknowledged on the new master', timeoutMs: 15_000 });
      expect(rz.master()).toBe(`127.0.0.1 ${next}`);
    } finally {
      await writer.stop();
    }
    const m = redisClient(next);
    expect(await missingKeys(m, writer.acks)).toEqual([]);
    m.disconnect();
  });
});
