// @redis-zk/client in FAILOVER_MODE=zookeeper (no sentinels: no Sentinel-aware client works
// there): a writer through the client across a kill -9 of the master's redis-server and of a
// master's whole task, with a second group in the same process that must not move; then
// ZooKeeper itself frozen long enough to expire the client's session.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { RedisZk, type MasterChanged } from '../../../packages/client/src/index.js';
import { freePort, redisClient, redisPidOf, sharedZkHosts, startZooKeeper, waitFor } from '../../harness/index.js';
import { killRedisServer, linkedTo, recordMovedFrom, startFullGroup } from '../../harness/full-group.js';
import { startClientWriter } from '../../harness/client-writer.js';
import { recordHistory } from '../../harness/zk-history.js';
import { makeTestPki } from '../../harness/tls.js';
import { proxiedSharedZk } from '../../harness/tcp-proxy.js';
import { missingKeys } from '../../harness/writer.js';

let rz: RedisZk | undefined;
afterEach(async () => {
  await rz?.close();
  rz = undefined;
});

/** `rz`, a client of it with a 4 s session, the master changes it reports, and a SET + WAIT writer through it. */
async function writerThrough(zkHosts: string, prefix: string) {
  rz = await RedisZk.connect({ zkHosts, sessionTimeoutMs: 4_000 });
  const changes: MasterChanged[] = [];
  rz.on('master-changed', (e) => changes.push(e));
  const app = rz.client();
  app.on('error', () => undefined);
  await app.set('before', '1');
  // Its first master-changed (the master followed) comes after an epoch read: here, not during the fault.
  await waitFor(() => changes.length > 0 || undefined, { what: 'the client to report the master it follows', timeoutMs: 10_000 });
  return { changes, writer: startClientWriter(app, prefix, 500) };
}

/** Failing closed is an error the application sees (NO_MASTER), never a write to an unconfirmed master; no acknowledged write lost. */
async function expectOnlyNoMasterFailuresAndNothingLost(writer: ReturnType<typeof startClientWriter>, master: number): Promise<void> {
  expect(writer.commandFailures().every((f) => /NO_MASTER|no master/i.test(f.error))).toBe(true);
  const m = redisClient(master);
  expect(await missingKeys(m, writer.acks)).toEqual([]);
  m.disconnect();
}

describe('@redis-zk/client, FAILOVER_MODE=zookeeper', () => {
  it('follows a crash of the master\'s redis-server and the loss of a whole task; another group in the process does not move', async () => {
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', env: { ZK_SESSION_TIMEOUT_MS: '4000' } });
    const first = await g.steady('the group to form');
    const cacheTasks = [await g.addServer({ MASTER_NAME: 'cache' }), await g.addServer({ MASTER_NAME: 'cache' })];
    const cacheMaster = await waitFor(async () => {
      const v = await g.zk.get('/redis/masters/cache');
      return cacheTasks.find((t) => v === `127.0.0.1 ${t.port}`);
    }, { what: 'the cache group to record its master', timeoutMs: 30_000 });

    rz = await RedisZk.connect({ zkHosts });
    const changes: MasterChanged[] = [];
    rz.on('master-changed', (e) => changes.push(e));
    const app = rz.client();
    const cache = rz.client({ group: 'cache' });
    for (const c of [app, cache]) c.on('error', () => undefined);
    await cache.set('cache:before', '1');
    expect(rz.master('cache')).toBe(`127.0.0.1 ${cacheMaster.port}`);

    const history = recordHistory(g.zk);
    const movedAt = (to: number) => history.times[history.values.lastIndexOf(`127.0.0.1 ${to}`)]!;
    const writer = startClientWriter(app, 'z:', 500);
    const cacheWriter = startClientWriter(cache, 'cz:', 500);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'acknowledged writes through the client', timeoutMs: 15_000 });
      await killRedisServer(g.servers.find((s) => s.port === first)!);
      const second = await recordMovedFrom(g, first, 15_000);
      await waitFor(() => writer.acks.some((a) => a.at > movedAt(second)), { what: 'a write acknowledged on the elected master', timeoutMs: 10_000 });

      // Marathon replaces the crashed task; then the whole task of the new master goes: its
      // session must expire before anyone is elected.
      const replacement = await g.addServer();
      await linkedTo(replacement.port, second, 'the replacement to replicate the new master', 30_000);
      const task = g.servers.find((s) => s.port === second)!;
      process.kill(-task.proc.pid, 'SIGKILL');
      const killedAt = Date.now();
      const third = await recordMovedFrom(g, second, 20_000);
      await waitFor(() => writer.acks.some((a) => a.at > movedAt(third)), { what: 'a write acknowledged after the task was lost', timeoutMs: 15_000 });
      expect(rz.master()).toBe(`127.0.0.1 ${third}`);
      console.log(
        `client (zookeeper mode): redis-server crash outage ${writer.outageAround(movedAt(second))} ms (first write ${writer.firstSetAfter(movedAt(second))} ms after the record moved); ` +
          `whole task lost: record moved ${movedAt(third) - killedAt} ms after the kill, first write ${writer.firstSetAfter(movedAt(third))} ms after the record moved`,
      );
      expect(changes.filter((c) => c.group === 'mymaster').map((c) => c.to)).toEqual([`127.0.0.1 ${first}`, `127.0.0.1 ${second}`, `127.0.0.1 ${third}`]);
      // Both elections in the history, after the first claim.
      expect(JSON.parse((await g.zk.get('/redis/history/mymaster'))!).map((c: { cause: string; to: string }) => `${c.cause} ${c.to}`)).toEqual([`claim 127.0.0.1 ${first}`, `election 127.0.0.1 ${second}`, `election 127.0.0.1 ${third}`]);
      // The other group: never moved, never failed.
      expect(changes.filter((c) => c.group === 'cache').map((c) => c.to)).toEqual([`127.0.0.1 ${cacheMaster.port}`]);
      expect(cacheWriter.commandFailures()).toEqual([]);
    } finally {
      await writer.stop();
      await cacheWriter.stop();
    }
    const master = redisClient((await g.recordedPort())!);
    expect(await missingKeys(master, writer.acks)).toEqual([]);
    master.disconnect();
  });

  it('waits out a master refusing writes (-NOREPLICAS, as when fenced) instead of failing them; reads from a replica within the lag, else the master', async () => {
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper' });
    const master = await g.steady('the group to form');
    rz = await RedisZk.connect({ zkHosts });
    const app = rz.client();
    const reader = rz.client({ readFrom: 'replica' });
    const strict = rz.client({ readFrom: 'replica', maxLagBytes: -1 });
    for (const c of [app, reader, strict]) c.on('error', () => undefined);
    expect(await reader.info('replication')).toContain('role:slave');
    expect(await reader.info('replication')).toContain(`master_port:${master}`);
    expect(await strict.info('replication')).toContain('role:master');

    const writer = startClientWriter(app, 'n:', 500);
    const direct = redisClient(master);
    try {
      await waitFor(() => writer.acks.length > 20, { what: 'acknowledged writes through the client', timeoutMs: 10_000 });
      // What the fence does: every write answered -NOREPLICAS, reads still served.
      await direct.config('SET', 'min-replicas-to-write', '100');
      await new Promise((r) => setTimeout(r, 800)); // the fault's length, not a wait for a condition
      await direct.config('SET', 'min-replicas-to-write', '0');
      const back = writer.acks.length;
      await waitFor(() => writer.acks.length > back + 20, { what: 'writes acknowledged once the master takes writes again', timeoutMs: 10_000 });
    } finally {
      await writer.stop();
    }
    // The client did meet the refusal, and no write failed: each was sent again.
    expect(Number(/errorstat_NOREPLICAS:count=(\d+)/.exec(await direct.info('errorstats'))?.[1] ?? 0)).toBeGreaterThan(0);
    expect(writer.commandFailures()).toEqual([]);
    direct.disconnect();

    // A group with no master: a command waits its queueTimeoutMs, then fails NO_MASTER (not a hang).
    const nowhere = rz.client({ group: 'nowhere', queueTimeoutMs: 300 });
    nowhere.on('error', () => undefined);
    const t0 = Date.now();
    await expect(nowhere.get('k')).rejects.toMatchObject({ code: 'NO_MASTER' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('with ZooKeeper out of its reach, follows the watcher\'s GET /master/<name> (watcherUrl), failover included', async () => {
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper' });
    const first = await g.steady('the group to form');
    // A ZooKeeper address nothing listens on: this process cannot reach it; the watcher can.
    const unreachable = `127.0.0.1:${await freePort()}/nowhere`;
    rz = await RedisZk.connect({ zkHosts: unreachable, watcherUrl: `http://127.0.0.1:${g.watcher.port}` });
    const changes: MasterChanged[] = [];
    rz.on('master-changed', (e) => changes.push(e));
    const app = rz.client();
    app.on('error', () => undefined);
    await app.set('via-watcher', '1');
    expect(rz.master()).toBe(`127.0.0.1 ${first}`);
    const writer = startClientWriter(app, 'ww:', 500);
    try {
      await waitFor(() => writer.acks.length > 20, { what: 'acknowledged writes through the client', timeoutMs: 10_000 });
      await killRedisServer(g.servers.find((s) => s.port === first)!);
      const second = await recordMovedFrom(g, first, 15_000);
      await waitFor(() => rz!.master() === `127.0.0.1 ${second}` || undefined, { what: 'the client to follow the watcher to the new master', timeoutMs: 10_000 });
      const at = Date.now();
      await waitFor(() => writer.acks.some((a) => a.at > at), { what: 'a write acknowledged on the new master', timeoutMs: 10_000 });
    } finally {
      await writer.stop();
    }
    expect(changes.map((c) => [c.to, c.rule])).toEqual([[`127.0.0.1 ${first}`, 'watcher-fallback'], [`127.0.0.1 ${(await g.recordedPort())!}`, 'watcher-fallback']]);
    const m = redisClient((await g.recordedPort())!);
    expect(await missingKeys(m, writer.acks)).toEqual([]);
    m.disconnect();
  });

  it('speaks TLS with the group\'s CA and a client certificate, and AUTH with REDIS_PASSWORD; follows a failover the same way', async () => {
    const pki = makeTestPki();
    const zkHosts = sharedZkHosts();
    const password = 'client-tls-password';
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', env: { TLS_CERT_FILE: pki.cert, TLS_KEY_FILE: pki.key, TLS_CA_FILE: pki.ca, REDIS_PASSWORD: password } });
    const first = await waitFor(async () => g.recordedPort(), { what: 'the TLS group to record its master', timeoutMs: 30_000 });
    const tls = { ca: readFileSync(pki.ca), cert: readFileSync(pki.cert), key: readFileSync(pki.key) };
    rz = await RedisZk.connect({ zkHosts, password, tls });
    const app = rz.client();
    app.on('error', () => undefined);
    expect(await app.set('tls:1', 'yes')).toBe('OK');
    // Both replicas linked before the reader connects: a reader with no replica to read from
    // uses the master until it reconnects.
    await waitFor(async () => Number(await app.call('WAIT', '2', '200')) === 2, { what: 'both replicas linked over TLS', timeoutMs: 30_000 });
    const reader = rz.client({ readFrom: 'replica' });
    reader.on('error', () => undefined);
    expect(await reader.get('tls:1')).toBe('yes');
    expect(await reader.info('replication')).toContain('role:slave');
    // Its pid from the wrapper's log: a plain client cannot ask INFO here.
    process.kill(redisPidOf(g.servers.find((s) => s.port === first)!), 'SIGKILL');
    const second = await recordMovedFrom(g, first, 15_000);
    await waitFor(async () => (await app.set('tls:2', 'yes').catch(() => undefined)) === 'OK' && rz!.master() === `127.0.0.1 ${second}`, { what: 'a write over TLS to the new master', timeoutMs: 10_000 });
  });

  it('waits out a master that really fenced itself (ZooKeeper frozen and its replica stopped): no failed command, writes resume when it is confirmed again', async () => {
    const zkServer = await startZooKeeper();
    const zkHosts = `${zkServer.connectString}/fence`;
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', servers: 2, env: { FENCE_AFTER_MS: '500', ZK_SESSION_TIMEOUT_MS: '20000' } });
    const master = await g.steady('the group to form');
    rz = await RedisZk.connect({ zkHosts });
    const app = rz.client();
    app.on('error', () => undefined);
    const writer = startClientWriter(app, 'fz:', 300);
    const replica = g.servers.find((s) => s.port !== master)!;
    const task = g.servers.find((s) => s.port === master)!;
    try {
      await waitFor(() => writer.acks.length > 20, { what: 'acknowledged writes through the client', timeoutMs: 10_000 });
      // Nothing can confirm the master: its wrapper raises the fence after FENCE_AFTER_MS.
      const replicaPid = redisPidOf(replica);
      zkServer.freeze();
      process.kill(replicaPid, 'SIGSTOP');
      try {
        await task.proc.waitForLog((l) => l.event === 'FENCE_UP', 10_000);
        await new Promise((r) => setTimeout(r, 1_000)); // the fence's length, not a wait for a condition
      } finally {
        process.kill(replicaPid, 'SIGCONT');
        zkServer.thaw();
      }
      await task.proc.waitForLog((l) => l.event === 'FENCE_LIFTED', 15_000);
      const back = writer.acks.length;
      await waitFor(() => writer.acks.length > back + 20, { what: 'writes acknowledged once the fence is lifted', timeoutMs: 15_000 });
    } finally {
      await writer.stop();
    }
    const direct = redisClient(master);
    expect(Number(/errorstat_NOREPLICAS:count=(\d+)/.exec(await direct.info('errorstats'))?.[1] ?? 0)).toBeGreaterThan(0);
    direct.disconnect();
    expect(rz.master()).toBe(`127.0.0.1 ${master}`);
    expect(writer.commandFailures()).toEqual([]);
  }, 60_000);

  it('keeps the master while ZooKeeper is frozen 20 s: writes go on, and after the thaw it follows the master again', async () => {
    const zkServer = await startZooKeeper();
    const zkHosts = `${zkServer.connectString}/frozen`;
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', servers: 2, env: { ZK_SESSION_TIMEOUT_MS: '20000' } });
    const master = await g.steady('the group to form');
    const { changes, writer } = await writerThrough(zkHosts, 'f:');
    // CI once saw writes not resume within 10 s of the client following again (Valkey, Node 24,
    // a loaded machine): what each side did, should it happen again.
    onTestFailed(() => {
      console.log(`client: ${JSON.stringify(changes)}; ${writer.acks.length} acknowledged; last failures ${JSON.stringify(writer.commandFailures().slice(-3))}`);
      for (const s of g.servers) console.log(s.proc.logs().filter((l) => /^(ZK_S|ZK_STATE|LEADERSHIP|FENCE|ELECT|RECORD|ROLE)/.test(String(l.event))).map((l) => `${String(l.time)} ${s.port} ${String(l.event)} ${String(l.rule ?? '')} ${String(l.msg).slice(0, 160)}`).join('\n'));
    });
    let duringFreeze = 0;
    try {
      await zkServer.whileFrozen(async () => {
        const from = writer.acks.length;
        await new Promise((r) => setTimeout(r, 20_000)); // the fault's length, not a wait for a condition
        duringFreeze = writer.acks.length - from;
      });
      // Thawed, the server may expire the session (the client then fails closed and reads again on
      // a new one) or take it back (nothing changed): either way the client ends on the master.
      await waitFor(() => rz!.master() === `127.0.0.1 ${master}` && rz!.zkState() === 'connected' || undefined, { what: 'the client to follow the master on a live session', timeoutMs: 20_000 });
      const back = writer.acks.length;
      // The master's wrapper may have fenced during the freeze: it lifts on its own leadership, re-taken on its new session.
      await waitFor(() => writer.acks.length > back + 20, { what: 'writes through the client again', timeoutMs: 20_000 });
    } finally {
      await writer.stop();
    }
    expect(duringFreeze).toBeGreaterThan(100);
    expect(changes.filter((c) => c.to !== undefined && c.to !== `127.0.0.1 ${master}`)).toEqual([]);
    expect(changes.filter((c) => c.to === undefined).map((c) => c.rule)).toEqual(changes.some((c) => c.rule === 'session-expired') ? ['session-expired'] : []);
    await expectOnlyNoMasterFailuresAndNothingLost(writer, master);
  }, 120_000);

  it('fails closed when its session expires (cut from a live ZooKeeper past the session timeout), then follows again on a new session', async () => {
    const { proxy, hosts, direct } = await proxiedSharedZk();
    const g = await startFullGroup({ zkHosts: direct, mode: 'zookeeper', servers: 2 });
    const master = await g.steady('the group to form');
    const { changes, writer } = await writerThrough(hosts, 'x:');
    let duringCut = 0;
    try {
      // ZooKeeper runs on and expires the session; the client keeps the master while cut off.
      const seen = changes.length;
      proxy.swallowNext(Infinity);
      proxy.cutAll();
      const from = writer.acks.length;
      await new Promise((r) => setTimeout(r, 10_000)); // the fault's length (2.5 session timeouts)
      duringCut = writer.acks.length - from;
      expect(changes.slice(seen)).toEqual([]);
      proxy.swallowNext(0);
      await waitFor(() => changes.find((c) => c.rule === 'session-expired'), { what: 'the client to fail closed on the expired session', timeoutMs: 20_000 });
      await waitFor(() => rz!.master() === `127.0.0.1 ${master}` || undefined, { what: 'the client to follow the master on its new session', timeoutMs: 20_000 });
      const back = writer.acks.length;
      await waitFor(() => writer.acks.length > back + 20, { what: 'writes through the client again', timeoutMs: 10_000 });
    } finally {
      await writer.stop();
    }
    expect(duringCut).toBeGreaterThan(50);
    expect(changes.find((c) => c.rule === 'session-expired')).toMatchObject({ from: `127.0.0.1 ${master}`, to: undefined });
    expect(changes.at(-1)).toMatchObject({ to: `127.0.0.1 ${master}` });
    await expectOnlyNoMasterFailuresAndNothingLost(writer, master);
  }, 120_000);
});
