/**
 * Faults while redis-zk-server runs: its ZooKeeper session expires, ZooKeeper is down for a
 * while, its redis-server is killed with SIGKILL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createLogger, parseZkHosts, Zk } from '@redis-zk/core';
import type { ZooKeeperHandle } from '@redis-zk/devkit';
import { isAlive, SERVER_COMM, sharedZkHosts, startZooKeeper, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, type ServerUnderTest, startServer } from './helpers.js';

const log = createLogger('server-faults-test', process.env.TEST_LOG_LEVEL ?? 'silent');

// The harness returns the devkit handle; its data dir is what a session-expiry test wipes.
let zkServer: ZooKeeperHandle;
beforeAll(async () => {
  zkServer = (await startZooKeeper()) as unknown as ZooKeeperHandle;
}, 90_000);

const opened: Zk[] = [];
afterAll(async () => {
  for (const zk of opened) await zk.close().catch(() => undefined);
});

async function testZk(hosts: string): Promise<Zk> {
  const zk = await Zk.connect({ ...parseZkHosts(hosts), sessionTimeoutMs: 20_000, connectTimeoutMs: 20_000, auth: undefined }, log);
  opened.push(zk);
  return zk;
}

async function linkedTo(replica: ServerUnderTest, master: ServerUnderTest): Promise<boolean> {
  const r = await replication(replica.redis);
  return r.role === 'slave' && r.masterPort === master.port && r.linkUp;
}

/** A master and a linked replica on `hosts`. */
async function pair(hosts: string, env: Record<string, string> = {}): Promise<[ServerUnderTest, ServerUnderTest]> {
  const a = await startServer(hosts, { env });
  await a.proc.waitForLog(isUp, 30_000);
  const b = await startServer(hosts, { env });
  await b.proc.waitForLog(isUp, 30_000);
  await waitFor(() => linkedTo(b, a), { what: 'b linked to a', timeoutMs: 15_000 });
  return [a, b];
}

/** PINGs both servers every 50 ms until stopped; resolves with the failures seen. */
function keepPinging(servers: ServerUnderTest[]): { stop(): Promise<string[]> } {
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const s of servers) {
        try {
          if ((await s.redis.ping()) !== 'PONG') failures.push(`${s.port}: bad reply`);
        } catch (err) {
          failures.push(`${s.port}: ${String(err)}`);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return failures;
    },
  };
}

/** /redis/nodes entries as `name → data`. */
async function nodes(zk: Zk): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await zk.children('/redis/nodes').catch(() => [] as string[])) {
    const v = await zk.get(`/redis/nodes/${name}`).catch(() => undefined);
    if (v) out.set(name, v.data.toString('utf8'));
  }
  return out;
}

function roleChanges(s: ServerUnderTest): Record<string, unknown>[] {
  return s.proc.logs().filter((l) => ['PROMOTED', 'DEMOTED', 'REPLICA_REPOINTED', 'ROLE_DECIDED'].includes(String(l.event)) && l.action !== 'wait');
}

/** After both wrappers follow a later change of /redis/master from a to b, b is master and a its replica. */
async function expectFollow(zk: Zk, a: ServerUnderTest, b: ServerUnderTest): Promise<void> {
  await zk.set('/redis/master', `127.0.0.1 ${b.port}`);
  await waitFor(async () => (await replication(b.redis)).role === 'master', { what: 'b promoted by its wrapper', timeoutMs: 10_000 });
  await waitFor(() => linkedTo(a, b), { what: 'a demoted to a linked replica of b', timeoutMs: 15_000 });
}

describe('redis-zk-server under faults', () => {
  it('redis-server killed with SIGKILL: the wrapper deregisters and exits 137, leaving no process behind', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const zk = await zkClient(hosts);
    expect(await zk.children('/redis/nodes')).toHaveLength(1);
    const child = Number(execFileSync('pgrep', ['-P', String(a.proc.pid), SERVER_COMM]).toString().trim().split('\n')[0]);
    expect(child).toBeGreaterThan(0);
    process.kill(child, 'SIGKILL');
    const exit = await a.proc.exited;
    expect(exit.code).toBe(137);
    expect(await zk.children('/redis/nodes')).toHaveLength(0);
    // The wrapper led its own process group: nothing of it may be left.
    let left = '';
    try {
      left = execFileSync('pgrep', ['-g', String(a.proc.pid)]).toString().trim();
    } catch {
      /* pgrep exits 1 when nothing matches */
    }
    expect(left).toBe('');
    expect(isAlive(child)).toBe(false);
    expect(a.proc.logs().some((l) => l.event === 'REDIS_EXITED')).toBe(true);
  }, 60_000);

  it('ZooKeeper down for 6 s (less than the session timeout): redis keeps serving, no role change, following resumes', async () => {
    const hosts = `${zkServer.connectString}/down-${Date.now()}`;
    // A session that outlives the outage: the registrations must not even blink.
    const [a, b] = await pair(hosts, { ZK_SESSION_TIMEOUT_MS: '20000' });
    onTestFailed(() => console.log([a, b].flatMap((s) => s.proc.logs().slice(-40).map((l) => `${l.time} ${s.port} ${l.level} ${l.msg} ${l.zkState ?? ''}`)).join('\n')));
    const zk = await testZk(hosts);
    const before = await nodes(zk);
    expect(before.size).toBe(2);
    const rolesBefore = [roleChanges(a).length, roleChanges(b).length];
    await zk.close();

    const pings = keepPinging([a, b]);
    await zkServer.stop();
    await new Promise((r) => setTimeout(r, 6_000)); // the outage itself is what is tested
    await zkServer.start();
    const failures = await pings.stop();
    expect(failures).toEqual([]);

    for (const s of [a, b]) expect(isAlive(s.proc.pid)).toBe(true);
    expect((await replication(a.redis)).role).toBe('master');
    expect(await linkedTo(b, a)).toBe(true);
    expect([roleChanges(a).length, roleChanges(b).length]).toEqual(rolesBefore);
    // The wrappers did see the outage (and no expiry).
    for (const s of [a, b]) {
      expect(s.proc.logs().some((l) => l.zkState === 'disconnected')).toBe(true);
      expect(s.proc.logs().some((l) => l.zkState === 'expired')).toBe(false);
    }

    const after = await testZk(hosts);
    // Same session, so the very same ephemeral entries.
    await waitFor(async () => [...(await nodes(after)).keys()].sort().join() === [...before.keys()].sort().join(), {
      what: 'the same two /redis/nodes entries',
      timeoutMs: 20_000,
    });
    await expectFollow(after, a, b);
  }, 120_000);

  it('session expiry: redis keeps serving, the /redis/nodes entries come back, and a later /redis/master change is followed', async () => {
    // No chroot: wiping the data dir would remove it, and a real expiry leaves persistent nodes alone.
    const hosts = zkServer.connectString;
    const [a, b] = await pair(hosts, { ZK_SESSION_TIMEOUT_MS: '4000' });
    const zk = await testZk(hosts);
    expect((await nodes(zk)).size).toBe(2);
    // The newest zxid the wrappers can have seen: a write made after theirs, read back.
    const probe = await zk.create('/zxid-', '', 'ephemeral_sequential');
    const seen = BigInt((await zk.exists(probe))!.mzxid);
    await zk.close();

    const pings = keepPinging([a, b]);
    await zkServer.stop();
    rmSync(zkServer.dataDir, { recursive: true, force: true });
    mkdirSync(zkServer.dataDir, { recursive: true });
    await zkServer.start();
    const restored = await testZk(hosts);
    // What survives a real expiry: the persistent record.
    await restored.mkdirp('/redis');
    await restored.create('/redis/master', `127.0.0.1 ${a.port}`);
    // A wiped server restarts at zxid 0 and refuses clients that saw later ones: move it past them.
    await restored.create('/pump', '');
    for (;;) if (BigInt((await restored.set('/pump', 'x')).mzxid) > seen + 5n) break;

    const entries = await waitFor(
      async () => {
        const n = await nodes(restored);
        return n.size === 2 ? n : undefined;
      },
      { what: 'both /redis/nodes entries re-created on new sessions', timeoutMs: 30_000 },
    );
    expect([...entries.values()].sort()).toEqual([`127.0.0.1 ${a.port}`, `127.0.0.1 ${b.port}`].sort());
    // Really an expiry, not a reconnect to the old session.
    for (const s of [a, b]) expect(s.proc.logs().some((l) => l.event === 'ZK_SESSION_RENEWED')).toBe(true);
    const failures = await pings.stop();
    expect(failures).toEqual([]);
    for (const s of [a, b]) expect(isAlive(s.proc.pid)).toBe(true);
    expect((await replication(a.redis)).role).toBe('master');
    expect(await linkedTo(b, a)).toBe(true);

    await expectFollow(restored, a, b);
  }, 120_000);
});
