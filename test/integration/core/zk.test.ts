/**
 * The typed ZooKeeper layer against the suite-wide ZooKeeper (nothing here stops it):
 * connect bounds, chroot creation, requests and their error codes, transactions, auth ACLs,
 * watches, registrations and the lock recipe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Lock, Registration, Zk, createLogger, parseZkHosts, readGroupSnapshot, watchChildren, watchData, writeRecord, type Disposable, type ZkConfig } from '@redis-zk/core';
import { freePort, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';

const log = createLogger('zk-test', process.env.TEST_LOG_LEVEL ?? 'silent');

function config(hosts: string, extra: Partial<ZkConfig> = {}): ZkConfig {
  return { ...parseZkHosts(hosts), sessionTimeoutMs: 4000, connectTimeoutMs: 3000, auth: undefined, ...extra };
}

const open: { close(): unknown }[] = [];
async function connect(hosts: string, extra: Partial<ZkConfig> = {}): Promise<Zk> {
  const zk = await Zk.connect(config(hosts, extra), log);
  open.push(zk);
  return zk;
}
function keep<T extends Disposable>(d: T): T {
  open.push(d);
  return d;
}
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe('Zk.connect', () => {
  it('fails with ZK_CONNECT_TIMEOUT within the bound when nothing listens', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await Zk.connect(config(`127.0.0.1:${port}`, { connectTimeoutMs: 1500 }), log).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'ZK_CONNECT_TIMEOUT' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).toContain('1500 ms');
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
  });

  it('creates a missing (nested) chroot and works inside it', async () => {
    const hosts = `${sharedZkHosts()}/nested/group`;
    const chroot = parseZkHosts(hosts).chroot!;
    const raw = await zkClient(); // chroot-less
    expect(await raw.exists(chroot)).toBe(false);
    const zk = await connect(hosts);
    expect(zk.state).toBe('connected');
    await zk.create('/redis', 'x');
    expect(await raw.get(`${chroot}/redis`)).toBe('x');
    // A second connect finds the chroot already there.
    const again = await connect(hosts);
    expect((await again.get('/redis'))?.data.toString()).toBe('x');
  });
});

describe('requests', () => {
  it('create/get/set/remove/children with stats and ZK_* codes', async () => {
    const zk = await connect(sharedZkHosts());
    expect(await zk.get('/a')).toBeUndefined();
    expect(await zk.exists('/a')).toBeUndefined();
    expect(await zk.children('/a')).toEqual([]);
    expect(await zk.create('/a', 'one')).toBe('/a');
    await expect(zk.create('/a', 'again')).rejects.toMatchObject({ code: 'ZK_NODE_EXISTS' });
    await expect(zk.create('/missing/child')).rejects.toMatchObject({ code: 'ZK_NO_NODE' });
    const got = await zk.get('/a');
    expect(got?.data.toString()).toBe('one');
    expect(got?.stat.version).toBe(0);
    expect(got?.stat.ephemeralOwner).toBe('0');
    expect(BigInt(got!.stat.czxid)).toBeGreaterThan(0n);

    const stat = await zk.set('/a', 'two', 0);
    expect(stat.version).toBe(1);
    await expect(zk.set('/a', 'three', 0)).rejects.toMatchObject({ code: 'ZK_BAD_VERSION' });
    await expect(zk.set('/nope', 'x')).rejects.toMatchObject({ code: 'ZK_NO_NODE' });
    expect((await zk.get('/a'))?.data.toString()).toBe('two');

    await zk.mkdirp('/a/b/c');
    await zk.mkdirp('/a/b/c'); // existing is fine
    expect(await zk.children('/a')).toEqual(['b']);
    await expect(zk.remove('/a')).rejects.toMatchObject({ code: 'ZK_NOT_EMPTY' });
    await expect(zk.remove('/a/b/c', 5)).rejects.toMatchObject({ code: 'ZK_BAD_VERSION' });
    await zk.remove('/a/b/c');
    await zk.remove('/a/b/c'); // missing is fine

    const eph = await zk.create('/e', 'me', 'ephemeral');
    expect((await zk.exists(eph))?.ephemeralOwner).toBe(zk.sessionId);
    const seq = await zk.create('/s-', '', 'persistent_sequential');
    expect(seq).toMatch(/^\/s-\d{10}$/);
    // node-zookeeper-client asserts on > 1 MB synchronously; that must still be a rejection.
    await expect(zk.create('/big', Buffer.alloc(1024 * 1024 + 1))).rejects.toMatchObject({ code: 'ZK_ERROR' });
  });

  it('transaction: version 0 is checked like any other version (node-zookeeper-client would drop it)', async () => {
    const zk = await connect(sharedZkHosts());
    await zk.create('/v0', 'a');
    await zk.set('/v0', 'b'); // now at version 1: an op that expects version 0 is stale
    for (const op of [
      { op: 'set', path: '/v0', data: 'c', version: 0 },
      { op: 'check', path: '/v0', version: 0 },
      { op: 'remove', path: '/v0', version: 0 },
    ] as const) {
      await expect(zk.transaction([op]), op.op).rejects.toMatchObject({ code: 'ZK_BAD_VERSION' });
    }
    expect((await zk.get('/v0'))?.data.toString()).toBe('b');
    await zk.create('/v0fresh', 'a');
    await zk.transaction([{ op: 'set', path: '/v0fresh', data: 'b', version: 0 }]);
    expect((await zk.get('/v0fresh'))?.stat.version).toBe(1);
  });

  it('transaction: all or nothing, with the first failing op’s code', async () => {
    const zk = await connect(sharedZkHosts());
    await zk.mkdirp('/redis/masters');
    await zk.transaction([
      { op: 'create', path: '/redis/master', data: '10.0.0.1 6379' },
      { op: 'create', path: '/redis/masters/mymaster', data: '10.0.0.1 6379' },
    ]);
    const m = await zk.get('/redis/master');
    expect(m?.data.toString()).toBe('10.0.0.1 6379');

    // A stale version fails the whole transaction; the first op must not have been applied.
    await expect(
      zk.transaction([
        { op: 'set', path: '/redis/masters/mymaster', data: '10.0.0.2 6379' },
        { op: 'set', path: '/redis/master', data: '10.0.0.2 6379', version: m!.stat.version + 7 },
      ]),
    ).rejects.toMatchObject({ code: 'ZK_BAD_VERSION' });
    expect((await zk.get('/redis/masters/mymaster'))?.data.toString()).toBe('10.0.0.1 6379');

    await expect(
      zk.transaction([
        { op: 'check', path: '/redis/master', version: m!.stat.version },
        { op: 'remove', path: '/redis/nope' },
        { op: 'create', path: '/redis/master' },
      ]),
    ).rejects.toMatchObject({ code: 'ZK_NO_NODE' });

    await zk.transaction([
      { op: 'check', path: '/redis/master', version: m!.stat.version },
      { op: 'set', path: '/redis/master', data: '10.0.0.3 6379', version: m!.stat.version },
      { op: 'set', path: '/redis/masters/mymaster', data: '10.0.0.3 6379' },
      { op: 'create', path: '/redis/epochs' },
      { op: 'remove', path: '/redis/epochs' },
    ]);
    expect((await zk.get('/redis/master'))?.data.toString()).toBe('10.0.0.3 6379');
    expect(await zk.exists('/redis/epochs')).toBeUndefined();
  });

  it('with ZK_AUTH: nodes are world-readable but only writable with the credentials', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts, { auth: 'redis:s3cret' });
    await zk.create('/redis', '10.0.0.1 6379');
    const other = await connect(hosts); // no credentials
    expect((await other.get('/redis'))?.data.toString()).toBe('10.0.0.1 6379');
    await expect(other.set('/redis', 'evil')).rejects.toMatchObject({ code: 'ZK_NO_AUTH' });
    const sameCreds = await connect(hosts, { auth: 'redis:s3cret' });
    await sameCreds.set('/redis', '10.0.0.2 6379');
    // The credentials never went into ZooKeeper data.
    expect((await other.get('/redis'))?.data.toString()).toBe('10.0.0.2 6379');
  });

  it('rejects requests after close with ZK_CLOSED', async () => {
    const zk = await Zk.connect(config(sharedZkHosts()), log);
    await zk.create('/gone', '', 'ephemeral');
    await zk.close();
    expect(zk.state).toBe('closed');
    await expect(zk.get('/gone')).rejects.toMatchObject({ code: 'ZK_CLOSED' });
    await zk.close(); // idempotent
  });
});

describe('watches', () => {
  it('watchData: current value now, then every change, deletion and re-creation', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts);
    const writer = await connect(hosts);
    const seen: (string | undefined)[] = [];
    keep(watchData(zk, '/redis/master', (v) => seen.push(v)));
    await waitFor(() => seen.length === 1, { what: 'the initial (absent) value' });
    expect(seen[0]).toBeUndefined();
    await writer.mkdirp('/redis');
    await writer.create('/redis/master', 'a 1');
    await waitFor(() => seen.at(-1) === 'a 1', { what: 'creation seen' });
    for (const v of ['b 2', 'c 3', 'd 4']) {
      await writer.set('/redis/master', v);
      await waitFor(() => seen.at(-1) === v, { what: `change to ${v}` });
    }
    await writer.remove('/redis/master');
    await waitFor(() => seen.at(-1) === undefined && seen.length > 2, { what: 'deletion seen' });
    await writer.create('/redis/master', 'e 5');
    await waitFor(() => seen.at(-1) === 'e 5', { what: 're-creation seen' });
  });

  it('watchChildren: name → data, set changes and a child’s data change; close stops delivery', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts);
    const writer = await connect(hosts);
    let last: Map<string, string> | undefined;
    let calls = 0;
    const w = watchChildren(zk, '/redis/sentinels', (m) => {
      last = m;
      calls++;
    });
    await waitFor(() => last?.size === 0, { what: 'empty set (parent missing)' });
    await writer.mkdirp('/redis/sentinels');
    await writer.create('/redis/sentinels/s1', '10.0.0.1 26379');
    await waitFor(() => last?.get('s1') === '10.0.0.1 26379', { what: 's1 seen' });
    await writer.create('/redis/sentinels/s2', '10.0.0.2 26379');
    await waitFor(() => last?.size === 2, { what: 's2 seen' });
    await writer.set('/redis/sentinels/s1', '10.0.0.9 26379');
    await waitFor(() => last?.get('s1') === '10.0.0.9 26379', { what: 'a child data change seen' });
    await writer.remove('/redis/sentinels/s2');
    await waitFor(() => last?.size === 1 && !last.has('s2'), { what: 's2 removal seen' });
    w.close();
    const before = calls;
    await writer.create('/redis/sentinels/s3', 'x');
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(before);
  });
});

describe('Registration', () => {
  it('creates the ephemeral node (and its dir), survives a second start, stop removes it', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts);
    const reader = await connect(hosts);
    const reg = new Registration(zk, '/redis/nodes', '10.0.0.1 6379');
    expect(reg.path).toMatch(/^\/redis\/nodes\/[0-9a-f-]{36}$/);
    await reg.start();
    const stat = await reader.exists(reg.path);
    expect(stat?.ephemeralOwner).toBe(zk.sessionId);
    expect((await reader.get(reg.path))?.data.toString()).toBe('10.0.0.1 6379');
    // Same uuid again in the same session: fine.
    const twin = new Registration(zk, '/redis/nodes', '10.0.0.1 6379', reg.path.split('/').pop());
    await twin.start();
    await reg.stop();
    expect(await reader.exists(reg.path)).toBeUndefined();
    await reg.stop(); // idempotent
  });

  it('replaces a leftover node of another session with the same uuid', async () => {
    const hosts = sharedZkHosts();
    const old = await connect(hosts);
    const zk = await connect(hosts);
    await old.mkdirp('/redis/nodes');
    await old.create('/redis/nodes/fixed', 'old', 'ephemeral');
    const reg = new Registration(zk, '/redis/nodes', 'new', 'fixed');
    await reg.start();
    const got = await zk.get('/redis/nodes/fixed');
    expect(got?.data.toString()).toBe('new');
    expect(got?.stat.ephemeralOwner).toBe(zk.sessionId);
  });

  it('re-creates its node when it goes missing while connected (after a reconnect-style check)', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts);
    const reg = new Registration(zk, '/redis/nodes', 'me');
    await reg.start();
    await zk.remove(reg.path);
    zk.emit('connected'); // what a reconnect does: check and re-create if missing
    await waitFor(async () => (await zk.exists(reg.path)) !== undefined, { what: 're-created node' });
    await reg.stop();
  });
});

describe('Lock', () => {
  it('10 contenders on 10 sessions each hold it exclusively, in turn', async () => {
    const hosts = sharedZkHosts();
    const clients = await Promise.all(Array.from({ length: 10 }, () => connect(hosts)));
    let holders = 0;
    let maxHolders = 0;
    const order: number[] = [];
    await Promise.all(
      clients.map(async (zk, i) => {
        const lock = new Lock(zk, '/redis/lock', `10.0.0.${i} 6379`);
        await lock.acquire({ timeoutMs: 30_000 });
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        order.push(i);
        expect(lock.held).toBe(true);
        // Hold across several event-loop turns and a round trip, so an overlap would show.
        await zk.exists('/redis/lock');
        await new Promise((r) => setTimeout(r, 20));
        holders--;
        await lock.release();
        expect(lock.held).toBe(false);
      }),
    );
    expect(order).toHaveLength(10);
    expect(new Set(order).size).toBe(10);
    expect(maxHolders).toBe(1);
    expect(await clients[0]!.children('/redis/lock')).toEqual([]);
  });

  it('a waiter watches only its predecessor and learns who holds it', async () => {
    const hosts = sharedZkHosts();
    const [a, b, c] = await Promise.all([connect(hosts), connect(hosts), connect(hosts)]);
    const la = new Lock(a!, '/redis/lock', 'A 1');
    const lb = new Lock(b!, '/redis/lock', 'B 2');
    const lc = new Lock(c!, '/redis/lock', 'C 3');
    await la.acquire();
    const waitsB: string[] = [];
    const waitsC: string[] = [];
    const pb = lb.acquire({ onWait: (h) => waitsB.push(h) });
    await waitFor(() => waitsB.length === 1, { what: 'B waiting' });
    const pc = lc.acquire({ onWait: (h) => waitsC.push(h) });
    await waitFor(() => waitsC.length === 1, { what: 'C waiting' });
    expect(waitsB).toEqual(['A 1']);
    expect(waitsC).toEqual(['A 1']);
    // C queued behind B and watches only B: when A goes, B gets it and C is not even woken.
    await la.release();
    await pb;
    expect(lb.held).toBe(true);
    await b!.exists('/redis/lock'); // a round trip for any stray notification to arrive
    expect(waitsC).toEqual(['A 1']);
    expect(lc.held).toBe(false);
    // A holder whose session closes frees the lock for the next one.
    await b!.close();
    await pc;
    expect(lc.held).toBe(true);
    expect(lb.held).toBe(false);
    await lc.release();
  });

  it('acquire times out with LOCK_TIMEOUT and withdraws its node; release is idempotent', async () => {
    const hosts = sharedZkHosts();
    const [a, b] = await Promise.all([connect(hosts), connect(hosts)]);
    const la = new Lock(a!, '/redis/lock');
    const lb = new Lock(b!, '/redis/lock');
    await la.acquire();
    const started = Date.now();
    await expect(lb.acquire({ timeoutMs: 800 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lb.held).toBe(false);
    expect(await a!.children('/redis/lock')).toHaveLength(1); // only A's node
    expect(la.held).toBe(true);
    await la.release();
    await la.release();
    await lb.release(); // never held: fine
    expect(await a!.children('/redis/lock')).toEqual([]);
    // After timing out, the same Lock can still be taken.
    await lb.acquire({ timeoutMs: 5000 });
    expect(lb.held).toBe(true);
    await lb.release();
  });

  it('recovers a create whose reply was lost by its unique prefix', async () => {
    const hosts = sharedZkHosts();
    const zk = await connect(hosts);
    const lock = new Lock(zk, '/redis/lock');
    // Simulate the lost reply: the node is created, but create() reports connection loss once.
    const realCreate = zk.create.bind(zk);
    let lost = 0;
    zk.create = async (path, data, mode) => {
      const created = await realCreate(path, data, mode);
      if (path.includes('/lock-') && lost++ === 0) {
        const { RedisZkError } = await import('@redis-zk/core');
        throw new RedisZkError('ZK_CONNECTION_LOSS', 'simulated lost reply');
      }
      return created;
    };
    await lock.acquire({ timeoutMs: 5000 });
    expect(lost).toBe(1);
    const kids = await zk.children('/redis/lock');
    expect(kids).toHaveLength(1); // no duplicate node from a second create
    expect(lock.nodePath).toBe(`/redis/lock/${kids[0]}`);
    await lock.release();
    expect(await zk.children('/redis/lock')).toEqual([]);
  });
});

describe('the one writer', () => {
  // The watcher decides a switch on a snapshot it kept since its last read; this is what makes
  // that safe: a snapshot that went stale in any way, even one no watch can tell, never lands.
  it('refuses a snapshot after any change to a node it read, same content or not, with ZK_BAD_VERSION; a fresh one lands', async () => {
    const hosts = sharedZkHosts();
    const raw = await zkClient(hosts);
    const zk = await connect(hosts);
    await raw.set('/redis/master', '127.0.0.1 7001');
    await raw.set('/redis/masters/g', '127.0.0.1 7001');
    await raw.set('/redis/epochs/g', '3');
    await raw.set('/redis/history/g', '[]');
    const a = { host: '127.0.0.1', port: 7002 };
    for (const [path, value] of [
      ['/redis/epochs/g', '3'],
      ['/redis/masters/g', '127.0.0.1 7001'],
      ['/redis/master', '127.0.0.1 7001'],
      ['/redis/history/g', undefined],
      ['/redis/epochs/g', '2'],
    ] as const) {
      const kept = await readGroupSnapshot(zk, 'g', { isDefault: true });
      await raw.set(path, value ?? String(await raw.get(path)));
      await expect(writeRecord(zk, kept, a, 'failover', 9), `${path} rewritten`).rejects.toMatchObject({ code: 'ZK_BAD_VERSION' });
    }
    await writeRecord(zk, await readGroupSnapshot(zk, 'g', { isDefault: true }), a, 'failover', 9);
    expect([await raw.get('/redis/master'), await raw.get('/redis/masters/g'), await raw.get('/redis/epochs/g')]).toEqual(['127.0.0.1 7002', '127.0.0.1 7002', '9']);
  });
});
