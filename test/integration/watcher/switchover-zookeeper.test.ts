// POST /switchover in FAILOVER_MODE=zookeeper, against three real wrappers and ZooKeeper, no
// sentinel: the watcher promotes the replica an election would pick under the group's lock, the
// record moves at the next epoch with the old leadership removed in the same transaction, the
// new master's wrapper takes the leadership, the others follow; then back to a named candidate.
// A client following /redis/master loses no acknowledged write.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { missingKeys, startWriter } from '../../harness/writer.js';
import { isUp, replication, startServer, type ServerUnderTest } from '../server/helpers.js';
import { startHealthyWatcher } from './group.js';

const ZK_MODE = { FAILOVER_MODE: 'zookeeper', ZK_SESSION_TIMEOUT_MS: '4000', FENCE_AFTER_MS: '1000' };
const TOKEN = 'zk-mode-token-0123456789';
const addr = (s: ServerUnderTest) => `127.0.0.1 ${s.port}`;

describe('POST /switchover with FAILOVER_MODE=zookeeper', () => {
  it('moves the master to the replica an election would pick, then back to a named one; the leadership follows; no acknowledged write lost', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const a = await startServer(hosts, { env: ZK_MODE });
    await a.proc.waitForLog(isUp, 20_000);
    // c has replica-priority 50: an election (and so the switchover) picks it over b.
    const [b, c] = await Promise.all([startServer(hosts, { env: ZK_MODE }), startServer(hosts, { env: ZK_MODE, redisArgs: ['--replica-priority', '50'] })]);
    await Promise.all([b.proc.waitForLog(isUp, 20_000), c.proc.waitForLog(isUp, 20_000)]);
    await waitFor(async () => (await replication(b.redis)).linkUp && (await replication(c.redis)).linkUp, { what: 'b and c linked to a' });
    const servers = [a, b, c];
    const { base } = await startHealthyWatcher(hosts, { FAILOVER_MODE: 'zookeeper', API_TOKEN: TOKEN });
    const post = (body: unknown) => fetch(`${base}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });

    const options = { maxRetriesPerRequest: 1, commandTimeout: 1_000, enableReadyCheck: false, retryStrategy: () => 20 };
    const connect = (m: string) => new Redis({ host: '127.0.0.1', port: Number(m.split(' ')[1]), ...options }).on('error', () => undefined);
    let client = connect(addr(a));
    const writes = startWriter(() => client, 'zs:', () => {
      void zk.get('/redis/master').then((m) => {
        if (m === undefined) return;
        client.disconnect();
        client = connect(m);
      });
    }, 1_500);

    /** The record, the leadership and every replica agree on `to`. */
    const settledOn = (to: ServerUnderTest) =>
      waitFor(async () => {
        if ((await zk.get('/redis/leader')) !== addr(to)) return false;
        for (const s of servers.filter((x) => x !== to)) {
          const r = await replication(s.redis);
          if (r.role !== 'slave' || r.masterPort !== to.port || !r.linkUp) return false;
        }
        return true;
      }, { what: `the leadership taken by ${addr(to)} and both others linked to it`, timeoutMs: 15_000 });

    const moves: { outageMs: number; gap: number }[] = [];
    try {
      await waitFor(() => writes.oks.length > 20, { what: 'the client writing', timeoutMs: 10_000 });
      for (const [body, to] of [[{}, c], [{ candidate: `127.0.0.1:${a.port}` }, a]] as const) {
        const epochBefore = Number(await zk.get('/redis/epochs/mymaster'));
        const from = await zk.get('/redis/master');
        const t0 = Date.now();
        const r = await post(body);
        const answer = (await r.json()) as { ok: boolean; from: string; to: string; outageMs: number; steps: string[] };
        expect(r.status, JSON.stringify(answer)).toBe(200);
        expect(answer).toMatchObject({ ok: true, group: 'mymaster', from, to: addr(to) });
        expect(await zk.get('/redis/master')).toBe(addr(to));
        expect(Number(await zk.get('/redis/epochs/mymaster'))).toBe(epochBefore + 1);
        await settledOn(to);
        const returned = Date.now();
        await waitFor(() => writes.oks.some((o) => o.at > returned), { what: 'the client writing to the new master', timeoutMs: 15_000 });
        moves.push({ outageMs: answer.outageMs, gap: writes.longestGap(t0 - 1) });
        console.log(`zookeeper-mode switchover to ${addr(to)}: writes paused ${answer.outageMs} ms; steps: ${answer.steps.join(' | ')}`);
      }
    } finally {
      await writes.stop();
    }
    console.log(`zookeeper-mode switchovers: ${moves.map((m) => `paused ${m.outageMs} ms, client's longest gap ${m.gap} ms`).join('; ')}`);

    // Not one acknowledged write lost: every key the client was told OK is on the master.
    const m = redisClient(a.port);
    const missing = await missingKeys(m, writes.oks);
    m.disconnect();
    expect(missing, `${missing.length} of ${writes.oks.length} acknowledged writes are missing`).toEqual([]);
  }, 90_000);
});
