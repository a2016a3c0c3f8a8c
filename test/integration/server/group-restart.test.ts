/**
 * A whole group killed (kill -9 of every task) and restarted from its disks, the node with less
 * data first: the most advanced node becomes the master, not the first one back, and nothing
 * acknowledged is lost.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { freePort, redisClient, sharedZkHosts, startProgram, tempDir, waitFor, zkClient, type ProgramProcess } from '../../harness/index.js';
import { isUp, replication, serverEnv } from './helpers.js';

// Durable writes for the test (the default fsyncs every second), no replication batching delay.
const ARGS = ['--', '--appendfsync', 'always', '--repl-diskless-sync-delay', '0'];

describe('whole-group restart from disk with unequal data', () => {
  it('the node with the most data becomes the master, though it comes back last; the others replicate it', async () => {
    const hosts = sharedZkHosts();
    await zkClient(hosts);
    const dirs = { a: tempDir(), b: tempDir(), c: tempDir() };
    const procs: ProgramProcess[] = [];
    onTestFailed(() => console.log(procs.flatMap((p) => p.logs().map((l) => `${l.time} ${l.pid} ${l.level} ${l.msg}`)).join('\n')));
    // The scenario needs the data on disk: a replica restarts its AOF with a rewrite after its
    // full sync, and what it received is not on disk until that rewrite is done.
    const onDisk = (r: { info(s: string): Promise<string> }) =>
      waitFor(async () => { const i = await r.info('persistence'); return /aof_enabled:1/.test(i) && /aof_rewrite_in_progress:0/.test(i) && /aof_rewrite_scheduled:0/.test(i) && /aof_last_bgrewrite_status:ok/.test(i); }, { what: 'the AOF on disk (no rewrite pending)', timeoutMs: 15_000 });
    const start = async (dir: string) => {
      const port = await freePort();
      const proc = startProgram('server', serverEnv(hosts, port, { REDIS_DATA_DIR: dir, GROUP_RESTART_WAIT_MS: '3000' }), ARGS);
      procs.push(proc);
      return { port, proc, redis: redisClient(port) };
    };
    const a = await start(dirs.a);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await start(dirs.b);
    const c = await start(dirs.c);
    await Promise.all([b.proc.waitForLog(isUp, 20_000), c.proc.waitForLog(isUp, 20_000)]);
    await waitFor(async () => (await replication(b.redis)).linkUp && (await replication(c.redis)).linkUp, { what: 'b and c linked to a' });
    for (let i = 0; i < 100; i += 1) await a.redis.set(`k${i}`, String(i));
    expect(await a.redis.call('WAIT', '2', '5000')).toBe(2);
    for (const n of [a, b, c]) await onDisk(n.redis);
    // c is lost first; a and b take 100 more acknowledged writes.
    c.proc.killGroup();
    await c.proc.exited;
    for (let i = 100; i < 200; i += 1) await a.redis.set(`k${i}`, String(i));
    expect(await a.redis.call('WAIT', '1', '5000')).toBe(1);
    for (const n of [a, b]) await onDisk(n.redis);
    for (const n of [a, b]) {
      n.proc.killGroup();
      await n.proc.exited;
    }
    for (const n of [a, b, c]) n.redis.disconnect();

    // Marathon brings the tasks back on new ports with their volumes: c, holding less, first.
    const c2 = await start(dirs.c);
    await c2.proc.waitForLog((l) => l.event === 'HELD_REGISTERED', 20_000);
    await c2.proc.waitForLog((l) => l.event === 'ROLE_DECIDED' && l.rule === 'group-from-disk-settling', 10_000);
    const [a2, b2] = [await start(dirs.a), await start(dirs.b)];
    await Promise.all([a2, b2, c2].map((n) => n.proc.waitForLog(isUp, 30_000)));

    const roles = await Promise.all([a2, b2, c2].map(async (n) => (await replication(n.redis)).role));
    expect(roles.filter((r) => r === 'master')).toHaveLength(1);
    expect(roles[2]).toBe('slave');
    const master = roles[0] === 'master' ? a2 : b2;
    expect(await master.redis.dbsize()).toBe(200);
    await waitFor(async () => (await c2.redis.dbsize()) === 200 && (await replication(c2.redis)).linkUp, { what: 'c to replicate all 200 keys from the new master', timeoutMs: 15_000 });
    expect(c2.proc.logs().some((l) => l.action === 'claim')).toBe(false);
    const zk = await zkClient(hosts);
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${master.port}`);
    for (const n of [a2, b2, c2]) n.redis.disconnect();
  }, 120_000);
});
