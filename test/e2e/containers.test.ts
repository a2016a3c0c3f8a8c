// The three images, built by scripts/images.sh from the Dockerfiles as they are (with a base made
// here: no Docker Hub), once with Redis 7 and once with Valkey 8 (--valkey), each run as a group of containers with host networking against the test
// ZooKeeper: three servers, three sentinels, a watcher. It forms; `podman kill` of the master's
// container fails over; a replacement container rejoins as a replica; `podman stop` of each
// exits 0 within the grace period. The containers run as uid 1000 on a read-only root, writing
// only to the directory mounted as MESOS_SANDBOX.
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisClient, sharedZkHosts, tempDir, waitFor, zkClient } from '../harness/index.js';
import { podmanUnavailable, startPodman, type Podman } from '../harness/podman.js';

const unavailable = podmanUnavailable();
const TAG = 'e2e';
const VALKEY_TAG = 'e2e-valkey';
/** Marathon's taskKillGracePeriodSeconds in marathon/: what `podman stop` gets too. */
const GRACE_S = 15;

interface Box {
  name: string;
  port: number;
  sandbox: string;
}

describe.skipIf(unavailable !== undefined)(`the images as containers${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  let podman: Podman;
  beforeAll(async () => {
    podman = startPodman();
    // Redis first, then Valkey (--valkey) into the same storage: the second reuses the bases.
    for (const [tag, opts] of [[TAG, {}], [VALKEY_TAG, { valkey: true }]] as const) {
      const out = await podman.buildImages(tag, opts);
      console.log(out.split('\n').filter((l) => /^images: (made|built|using)/.test(l)).join('\n'));
    }
  }, 900_000);

  it('forms, fails over on podman kill of the master, takes a replacement back as a replica, and stops cleanly', () => runGroup(TAG, 'redis'), 300_000);
  it('the same with the Valkey images (scripts/images.sh --valkey)', () => runGroup(VALKEY_TAG, 'valkey'), 300_000);

  async function runGroup(tag: string, server: 'redis' | 'valkey'): Promise<void> {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    let n = 0;
    /** One container as Marathon would start it: host network, PORT0 (and PORT1), a sandbox of its own. */
    const start = async (program: 'server' | 'sentinel' | 'watcher', env: Record<string, string> = {}): Promise<Box> => {
      const name = `rz-${server}-${program}-${n++}-${process.pid}`;
      const port = await freePort();
      const sandbox = tempDir('redis-zk-sandbox-');
      chownSync(sandbox, 1000, 1000);
      chmodSync(sandbox, 0o700);
      const vars = { ZK_HOSTS: hosts, PORT0: String(port), BIND_IP: '127.0.0.1', MESOS_SANDBOX: '/mnt/mesos/sandbox', ZK_SESSION_TIMEOUT_MS: '4000', SHUTDOWN_TIMEOUT_MS: '5000', ...env };
      await podman.cmd([
        'run', '--detach', '--name', name, '--network', 'host', '--read-only',
        '--volume', `${sandbox}:/mnt/mesos/sandbox`,
        ...Object.entries(vars).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        `localhost/redis-zk/${program}:${tag}`,
      ]);
      return { name, port, sandbox };
    };
    const logs = (b: Box) => podman.cmd(['logs', b.name]).catch((e: Error) => e.message);
    const role = async (port: number) => {
      const c = redisClient(port);
      try {
        return /role:(\w+)/.exec(await c.info('replication'))?.[1];
      } catch {
        return undefined;
      } finally {
        c.disconnect();
      }
    };

    const servers: Box[] = [];
    for (let i = 0; i < 3; i += 1) servers.push(await start('server', { PORT1: String(await freePort()) }));
    const first = await waitFor(async () => (await zk.get('/redis/master')) || false, { what: 'a master recorded by the server containers', timeoutMs: 60_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}; logs of ${servers[0]!.name}: ${(await logs(servers[0]!)).slice(-1500)}`);
    });
    await waitFor(async () => (await Promise.all(servers.map((s) => role(s.port)))).filter((r) => r === 'slave').length === 2, { what: 'two replicas', timeoutMs: 30_000 });
    // The image runs the server it was built with, found without REDIS_SERVER_BIN.
    for (const s of servers) {
      const c = redisClient(s.port);
      expect(/server_name:(\w+)/.exec(await c.info('server'))?.[1] ?? 'redis').toBe(server);
      c.disconnect();
    }
    const sentinels: Box[] = [];
    for (let i = 0; i < 3; i += 1) sentinels.push(await start('sentinel', { SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '5000' }));
    const watcher = await start('watcher');
    await waitFor(async () => (await zk.children('/redis/sentinels')).length === 3, { what: 'three sentinels registered', timeoutMs: 60_000 });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${watcher.port}/health`).catch(() => undefined))?.status === 200, { what: 'the watcher healthy', timeoutMs: 30_000 });
    // Steady: every sentinel knows both replicas and the other sentinels.
    await waitFor(async () => {
      for (const s of sentinels) {
        const c = redisClient(s.port);
        const m = (await c.call('SENTINEL', 'MASTER', 'mymaster').catch(() => [])) as string[];
        c.disconnect();
        const f = Object.fromEntries(m.flatMap((v, i) => (i % 2 === 0 ? [[v, m[i + 1]]] : [])));
        if (f['num-slaves'] !== '2' || f['num-other-sentinels'] !== '2') return false;
      }
      return true;
    }, { what: 'every sentinel to know both replicas and the others', timeoutMs: 30_000 });

    // uid 1000, and files only in the sandbox (the root is read-only), owned by that uid.
    for (const b of [servers[0]!, sentinels[0]!, watcher]) expect(await podman.cmd(['exec', b.name, 'id', '-u'])).toBe('1000');
    const written = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: false }).map(String);
    expect(written(servers[0]!.sandbox).some((f) => f.startsWith('redis-data'))).toBe(true);
    for (const f of written(servers[0]!.sandbox)) expect(statSync(join(servers[0]!.sandbox, f)).uid, f).toBe(1000);
    expect(await podman.cmd(['exec', servers[0]!.name, 'sh', '-c', 'touch /app/x 2>&1 || echo refused'])).toMatch(/Read-only file system|refused/);

    // The command line is in every image, configured by the container's own environment.
    const listed = JSON.parse(await podman.cmd(['exec', watcher.name, 'redis-zk', 'list', '--json'])) as { groups: { master: string; mode: string; nodes: unknown[] }[] };
    expect(listed.groups[0]).toMatchObject({ master: first!.replace(' ', ':'), mode: 'sentinel' });
    expect(listed.groups[0]!.nodes).toHaveLength(3);

    // podman kill of the master's container: the sentinels fail over, the watcher records it.
    const master = servers.find((s) => `127.0.0.1 ${s.port}` === first)!;
    const t0 = Date.now();
    await podman.cmd(['kill', master.name]);
    const next = await waitFor(async () => {
      const m = await zk.get('/redis/master');
      return m !== undefined && m !== first ? m : false;
    }, { what: 'ZooKeeper to record a new master', timeoutMs: 60_000 });
    const failoverMs = Date.now() - t0;
    expect(servers.some((s) => `127.0.0.1 ${s.port}` === next)).toBe(true);

    // Marathon's replacement: a new container on a new port; it joins as a replica of the master.
    // Which master is read again on every poll: with 1 s down-after on two busy cores the sentinels
    // may fail the just-promoted master over once more, and the replacement must then follow that
    // one. Never the killed container.
    const replacement = await start('server', { PORT1: String(await freePort()) });
    let seen = '';
    await waitFor(async () => {
      const now = await zk.get('/redis/master');
      const c = redisClient(replacement.port);
      try {
        const info = await c.info('replication');
        seen = `recorded ${now}; replacement ${/role:\w+/.exec(info)?.[0]} ${/master_port:\d+/.exec(info)?.[0] ?? ''} ${/master_link_status:\w+/.exec(info)?.[0] ?? ''}`;
        return now !== undefined && now !== first && /role:slave/.test(info) && info.includes(`master_port:${now.split(' ')[1]}`) && /master_link_status:up/.test(info);
      } catch (e) {
        seen = `recorded ${now}; replacement unreachable: ${(e as Error).message}`;
        return false;
      } finally {
        c.disconnect();
      }
    }, { what: 'the replacement container to replicate the recorded master', timeoutMs: 60_000 }).catch(async (e: Error) => {
      const views = await Promise.all(sentinels.map(async (s) => {
        const c = redisClient(s.port);
        try {
          return String(await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'));
        } catch (err) {
          return (err as Error).message;
        } finally {
          c.disconnect();
        }
      }));
      throw new Error(`${e.message} (${seen}; sentinels say ${views.join(' | ')}); log of the replacement: ${(await logs(replacement)).slice(-2500)}`);
    });
    const last = await zk.get('/redis/master');
    expect(servers.filter((s) => s !== master).some((s) => `127.0.0.1 ${s.port}` === last)).toBe(true);

    // podman stop (SIGTERM to tini) of every container: exit 0 well within the grace period.
    const stopMs: number[] = [];
    for (const b of [watcher, ...sentinels, ...servers.filter((s) => s !== master), replacement]) {
      const s0 = Date.now();
      await podman.cmd(['stop', '--time', String(GRACE_S), b.name], (GRACE_S + 10) * 1000);
      stopMs.push(Date.now() - s0);
      const code = await podman.cmd(['inspect', '--format', '{{.State.ExitCode}}', b.name]);
      expect(code, `${b.name} exit code; its log: ${(await logs(b)).slice(-800)}`).toBe('0');
    }
    expect(Math.max(...stopMs)).toBeLessThan(GRACE_S * 1000);
    console.log(`containers (${server}): podman kill of the master → ZooKeeper names the new master in ${failoverMs} ms (down-after 1000 ms); podman stop → exit 0 in ${Math.min(...stopMs)}–${Math.max(...stopMs)} ms`);
  }
});
