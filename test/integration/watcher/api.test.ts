import { networkInterfaces } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisClient, runProgramToExit, startProcess, startRedisServer, sharedZkHosts, startProgram, waitFor, zkClient } from '../../harness/index.js';
import { startGroup, startHealthyWatcher, watcherEnv, type Group } from './group.js';

let group: Group;
beforeAll(async () => {
  group = await startGroup({ zkHosts: sharedZkHosts() });
});

const startWatcher = (extra: Record<string, string> = {}) => startHealthyWatcher(group.zkHosts, extra);

const masterText = () => `127.0.0.1:${group.servers[0]!.port}`;
const sentinelTexts = () => group.sentinels.map((s) => `127.0.0.1:${s.port}`);

describe('redis-zk-watcher HTTP API (real group)', () => {
  it('serves every endpoint with content negotiation, from memory', async () => {
    const { base } = await startWatcher();
    const sentinels = await fetch(`${base}/sentinels`);
    expect(sentinels.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await sentinels.text()).split(',').sort()).toEqual(sentinelTexts().sort());
    const sentinelsJson = await fetch(`${base}/sentinels`, { headers: { accept: 'application/json' } });
    expect(sentinelsJson.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await sentinelsJson.json()) as { host: string; port: number }[]).map((s) => `${s.host}:${s.port}`).sort()).toEqual(sentinelTexts().sort());

    expect(sentinelTexts()).toContain(await (await fetch(`${base}/sentinel`)).text());
    const one = (await (await fetch(`${base}/sentinel`, { headers: { accept: 'application/json' } })).json()) as { host: string; port: number };
    expect(sentinelTexts()).toContain(`${one.host}:${one.port}`);

    expect(await (await fetch(`${base}/master`)).text()).toBe(masterText());
    expect(await (await fetch(`${base}/master`, { headers: { accept: 'application/json' } })).json()).toEqual({ name: 'mymaster', host: '127.0.0.1', port: group.servers[0]!.port });
    expect((await fetch(`${base}/master`, { headers: { accept: 'image/png' } })).status).toBe(406);

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', zookeeper: 'connected', subscription: { sentinel: expect.stringMatching(/^127\.0\.0\.1:/) } });

    const r = redisClient(group.servers[0]!.port);
    await r.set('k1', 'v');
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/status`)).json()) as Record<string, any>;
        return s.keysPerDb?.db0 >= 1 && s.replicas?.length === 2 ? s : false;
      },
      { what: '/status to show the keys and both replicas', timeoutMs: 5_000 },
    );
    expect(status.master).toMatchObject({ host: '127.0.0.1', port: group.servers[0]!.port, role: 'master', reachable: true });
    expect(status.replicas[0]).toMatchObject({ state: 'online', offset: expect.any(Number), lag: expect.any(Number) });
    expect(status.sentinels).toHaveLength(3);
    expect(status.subscription).toMatchObject({ connected: true });
    expect(status.zookeeper).toEqual({ state: 'connected' });
    expect(Array.isArray(status.events)).toBe(true);

    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not found' });
    const post = await fetch(`${base}/master`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('content-type')).toMatch(/json/);
    expect((await fetch(`${base}/health`, { headers: { accept: 'text/plain' } })).status).toBe(406);
  });

  it('bad environment: one line, exit 2', async () => {
    const bad: Record<string, string>[] = [{ PORT0: 'abc' }, { ZK_HOSTS: 'not a host:xx' }, { RECONCILE_INTERVAL_MS: '0' }, { HOOK_TIMEOUT_MS: '-5' }, { HOOK_COMMAND: '/nonexistent/hook.sh' }, { HOOK_COMMAND: 'no-such-hook-xyz' }];
    for (const env of bad) {
      const r = await runProgramToExit('watcher', env);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(Object.keys(env)[0]!);
    }
    const help = await runProgramToExit('watcher', {}, ['--help']);
    expect(help.code).toBe(0);
    for (const v of ['RECONCILE_INTERVAL_MS', 'HOOK_COMMAND', 'HOOK_TIMEOUT_MS', 'ZK_HOSTS', 'PORT0']) expect(help.stdout).toContain(v);
    expect(help.stdout).toMatch(/Exit codes/);
  });

  it('malformed +switch-master payloads are refused in the log and nothing is written', async () => {
    // Sentinel accepts PUBLISH only on its hello channel, so the watcher is made to subscribe to a
    // plain redis-server registered as the only sentinel; the real sentinels are registered after.
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const before = `127.0.0.1 ${group.servers[0]!.port}`;
    await zk.set('/redis/master', before);
    const fake = await startRedisServer();
    await zk.set(`/redis/sentinels/fake`, `127.0.0.1 ${fake.port}`);
    const env = await watcherEnv(hosts, { RECONCILE_INTERVAL_MS: '60000' });
    const w = startProgram('watcher', env);
    await w.waitForLog((l) => l.event === 'SUBSCRIBED' && l.sentinel === `127.0.0.1:${fake.port}`);
    for (const s of group.sentinels) await zk.set(`/redis/sentinels/${s.id}`, `127.0.0.1 ${s.port}`);
    // The fake answers no SENTINEL MASTER: it is registered, but refused and never handed out.
    await waitFor(async () => (await (await fetch(`http://127.0.0.1:${env.PORT0}/sentinels`)).text()).split(',').length === 3, { what: 'watcher to hand out the three real sentinels' });
    expect(await (await fetch(`http://127.0.0.1:${env.PORT0}/sentinels`)).text()).not.toContain(String(fake.port));
    const status = (await (await fetch(`http://127.0.0.1:${env.PORT0}/status`)).json()) as { refusedSentinels: { port: number; reason: string }[] };
    expect(status.refusedSentinels).toEqual([expect.objectContaining({ port: fake.port, reason: expect.stringMatching(/does not answer/) })]);
    const publisher = redisClient(fake.port);
    for (const payload of ['garbage', 'mymaster 1.2.3.4 1 5.6.7.8', 'mymaster 1.2.3.4 x 5.6.7.8 9', '', 'x'.repeat(5000)]) {
      expect(await publisher.publish('+switch-master', payload)).toBe(1);
    }
    await waitFor(() => w.logs().filter((l) => l.event === 'SWITCH_REFUSED').length >= 5, { what: 'five refusals logged', timeoutMs: 5_000 });
    // A well-formed event for a group nobody monitors is ignored.
    await publisher.publish('+switch-master', 'othergroup 1.2.3.4 1 5.6.7.8 2');
    await w.waitForLog((l) => l.event === 'SWITCH_IGNORED');
    // A forged well-formed event for our group: the write is decided by asking the sentinels, so nothing moves.
    await publisher.publish('+switch-master', `mymaster ${before} 10.9.9.9 6379`);
    await w.waitForLog((l) => l.event === 'SWITCH_ANNOUNCED' && (l.to as { host?: string } | undefined)?.host === '10.9.9.9');
    await new Promise((r) => setTimeout(r, 500));
    expect(await zk.get('/redis/master')).toBe(before);
    expect(await zk.exists('/redis/masters/othergroup')).toBe(false);
    expect(w.logs().some((l) => l.level === 'fatal' || l.level === 'error')).toBe(false);
    expect(await Promise.race([w.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('running'), 100))])).toBe('running');
  });

  it('garbage in ZooKeeper is refused without a crash, and the record is repaired from the sentinels', async () => {
    const zk = await zkClient(group.zkHosts);
    const goodMaster = `127.0.0.1 ${group.servers[0]!.port}`;
    await zk.set('/redis/master', 'not an address at all');
    await zk.set('/redis/epochs/mymaster', 'NaN');
    await zk.create('/redis/sentinels/junk', 'x'.repeat(10_000));
    await zk.create('/redis/sentinels/empty', '');
    await zk.create('/redis/sentinels/big', 'y'.repeat(1_000_000));
    const deadPort = await freePort();
    await zk.create('/redis/sentinels/dead', `127.0.0.1 ${deadPort}`);
    const { w, base } = await startWatcher();
    await waitFor(async () => (await zk.get('/redis/master')) === goodMaster, { what: '/redis/master repaired', timeoutMs: 5_000 });
    expect(await zk.get('/redis/epochs/mymaster')).toMatch(/^[0-9]+$/);
    await waitFor(async () => (await (await fetch(`${base}/sentinels`)).text()).split(',').length === 3, { what: 'only the three real sentinels handed out' });
    expect(await (await fetch(`${base}/sentinels`)).text()).not.toContain(String(deadPort));
    for (let i = 0; i < 60; i += 1) expect(await (await fetch(`${base}/sentinel`)).text()).not.toContain(String(deadPort));
    for (const junk of ['junk', 'empty', 'big']) expect(w.logs().filter((l) => l.event === 'ENTRY_IGNORED' && l.path === `/redis/sentinels/${junk}`), junk).toHaveLength(1);
    expect(w.logs().filter((l) => l.event === 'SENTINEL_NOT_SERVED' && l.sentinel === `127.0.0.1 ${deadPort}`)).toHaveLength(1);
    // No log line carries the 1 MB value.
    expect(Math.max(...w.output().split('\n').map((l) => l.length))).toBeLessThan(5_000);
    for (const junk of ['junk', 'empty', 'big', 'dead']) await zk.remove(`/redis/sentinels/${junk}`);
  });

  it('a forged record (a live foreign Redis) and a garbage one, written while it runs: repaired on the watch (periodic check off), never served by GET /master, never followed by a kazoo client that checks as docs/ says', async () => {
    const zk = await zkClient(group.zkHosts);
    const goodMaster = `127.0.0.1 ${group.servers[0]!.port}`;
    const foreign = await startRedisServer();
    // The periodic check is an hour away: only the watch on the record can repair it in time.
    const { w, base } = await startWatcher({ RECONCILE_INTERVAL_MS: '3600000' });
    await waitFor(async () => (await zk.get('/redis/master')) === goodMaster && (await (await fetch(`${base}/master`)).text()) === goodMaster.replace(' ', ':'), { what: 'the good master recorded and served' });
    // Everything GET /master answers meanwhile, as fast as it answers.
    const served = new Set<string>();
    let polling = true;
    const poller = (async () => {
      while (polling) served.add(await (await fetch(`${base}/master`)).text());
    })();
    const follower = startProcess('kazoo', '/usr/bin/python3', ['test/clients/zk_follower.py', group.zkHosts, '/redis/master', '/redis/nodes', 'zkf:', '60']);
    try {
      await follower.waitForLog((l) => l.event === 'following' && l.value === goodMaster, 15_000);
      const seenBefore = follower.logs().length;
      for (const bad of [`127.0.0.1 ${foreign.port}`, 'garbage, not an address']) {
        const t0 = Date.now();
        await zk.set('/redis/master', bad);
        await waitFor(async () => (await zk.get('/redis/master')) === goodMaster, { what: `${bad} repaired by the watch`, timeoutMs: 3_000, intervalMs: 10 });
        console.log(`record ${JSON.stringify(bad)} repaired ${Date.now() - t0} ms after it was written`);
      }
      // Its watch fired on each change; it may re-read after the repair and so never see a bad
      // value (kazoo reads on the event), but whatever it read it judged: a refusal, or the good
      // master followed again.
      await waitFor(() => follower.logs().slice(seenBefore).some((l) => l.event === 'refused' || (l.event === 'following' && l.value === goodMaster)), { what: 'the follower to judge the changed record', timeoutMs: 5_000 });
    } finally {
      polling = false;
      await poller;
      follower.killGroup();
    }
    expect([...served]).toEqual([goodMaster.replace(' ', ':')]);
    expect(follower.logs().filter((l) => (l.event === 'ack' && l.master !== goodMaster) || (l.event === 'following' && l.value !== goodMaster))).toEqual([]);
    expect(await redisClient(foreign.port).dbsize()).toBe(0);
    // Repaired by a run the periodic check did not start: the record's watch, or one queued just
    // before it (a sentinel subscribed) that the watch's request joined.
    const repairs = w.logs().filter((l) => l.event === 'RECORD_WRITTEN' && l.rule === 'record-not-from-sentinels');
    expect(repairs.length).toBeGreaterThan(0);
    expect(repairs.filter((l) => l.why === 'periodic check')).toEqual([]);
  });

  it('a stale record with a higher stored epoch (whole group restarted) is replaced once the recorded master is dead', async () => {
    const zk = await zkClient(group.zkHosts);
    const goodMaster = `127.0.0.1 ${group.servers[0]!.port}`;
    await zk.set('/redis/master', '127.0.0.1 1');
    await zk.set('/redis/masters/mymaster', '127.0.0.1 1');
    await zk.set('/redis/epochs/mymaster', '999');
    const { w } = await startWatcher();
    await waitFor(async () => (await zk.get('/redis/master')) === goodMaster, { what: '/redis/master repaired despite the lower epoch', timeoutMs: 5_000 });
    expect(await zk.get('/redis/masters/mymaster')).toBe(goodMaster);
    expect(Number(await zk.get('/redis/epochs/mymaster'))).toBeLessThan(999);
    // The line follows the write it explains: waited for, not raced.
    await w.waitForLog((l) => l.event === 'RECORD_WRITTEN' && l.rule === 'recorded-master-dead', 5_000);
  });

  it('refuses to move back to an older master that is still live', async () => {
    const zk = await zkClient(group.zkHosts);
    const replica = group.servers[1]!.port;
    // A live master recorded at a newer epoch than the sentinels know: e.g. written by a newer generation.
    const other = redisClient(replica);
    await other.call('REPLICAOF', 'NO', 'ONE');
    await zk.set('/redis/master', `127.0.0.1 ${replica}`);
    await zk.set('/redis/masters/mymaster', `127.0.0.1 ${replica}`);
    await zk.set('/redis/epochs/mymaster', '999');
    try {
      const { w } = await startWatcher();
      await w.waitForLog((l) => l.event === 'RECORD_KEPT' && l.rule === 'refuse-older-master');
      expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${replica}`);
    } finally {
      await other.call('REPLICAOF', '127.0.0.1', String(group.servers[0]!.port));
      await zk.set('/redis/master', `127.0.0.1 ${group.servers[0]!.port}`);
      await zk.set('/redis/masters/mymaster', `127.0.0.1 ${group.servers[0]!.port}`);
      await zk.set('/redis/epochs/mymaster', '0');
    }
  });
});

describe('redis-zk-watcher bound to one specific address', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  // Mesos-level HTTP health checks connect to the task's loopback interface.
  it.skipIf(external === undefined)(`answers on that address and on 127.0.0.1 (${external ?? 'no non-loopback address here: skipped'})`, async () => {
    const env = await watcherEnv(group.zkHosts, { BIND_IP: external! });
    startProgram('watcher', env);
    for (const host of [external!, '127.0.0.1']) {
      await waitFor(async () => (await fetch(`http://${host}:${env.PORT0}/health`).catch(() => undefined))?.status === 200, { what: `watcher healthy on ${host}`, timeoutMs: 15_000 });
    }
  });
});
