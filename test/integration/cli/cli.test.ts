// `redis-zk` against real groups: list/check on a healthy and a broken group (fields, not wording),
// maintenance mode in both failover modes (a kill -9 of the master fails nothing over while paused,
// a sentinel restarted during the pause stays paused, resume lets the failover happen), history
// after a failover, a switchover and an election, the watcher's switchover and event stream, and
// every command's bad input.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAUSED_QUORUM } from '@redis-zk/core';
import { freePort, sharedZkHosts, startZooKeeper, waitFor, zkClient } from '../../harness/index.js';
import { killRedisServer, startFullGroup } from '../../harness/full-group.js';

const BIN = fileURLToPath(new URL('../../../packages/cli/dist/redis-zk.mjs', import.meta.url));
const TOKEN = 'cli-test-token-0123456789';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function cli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}

describe('redis-zk (the operator\'s command line)', () => {
  it('Sentinel mode: list and check a healthy group; pause holds a dead master through a sentinel restart; resume fails it over; history', async () => {
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, env: { SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '5000', API_TOKEN: TOKEN } });
    const master = await g.steady('the group to form');
    const env = { ZK_HOSTS: zkHosts, REDIS_PROBE_TIMEOUT_MS: '500' };
    await waitFor(async () => (await cli(['check', '--json'], env)).code === 0 || undefined, { what: 'check to find nothing wrong', timeoutMs: 30_000 });

    const list = await cli(['list', '--json'], env);
    expect(list.code).toBe(0);
    const grp = list.json().groups[0];
    expect(grp).toMatchObject({ name: 'mymaster', default: true, master: `127.0.0.1:${master}`, mode: 'sentinel', paused: null });
    expect(grp.epoch).toEqual(expect.any(Number));
    expect(grp.nodes).toHaveLength(3);
    expect(grp.nodes.filter((n: any) => n.role === 'master')).toEqual([expect.objectContaining({ addr: `127.0.0.1:${master}`, recorded: true, fenced: false })]);
    for (const r of grp.nodes.filter((n: any) => n.role === 'replica')) expect(r).toMatchObject({ replicaOf: `127.0.0.1:${master}`, linkUp: true, lag: expect.any(Number), pause: 'running' });
    expect(grp.sentinels).toHaveLength(3);
    for (const s of grp.sentinels) expect(s).toMatchObject({ reachable: true, names: `127.0.0.1:${master}`, quorum: 2 });
    const text = await cli(['list'], env);
    expect(text.code).toBe(0);
    console.log(`redis-zk list:\n${text.stdout}`);
    for (const s of g.servers) expect(text.stdout).toContain(`127.0.0.1:${s.port}`);

    // Pause: every server and sentinel acknowledges; the sentinels' quorum is out of reach.
    const paused = await cli(['pause', '--wait', '--reason', 'ZooKeeper upgrade', '--json'], env);
    expect(paused.code).toBe(0);
    expect(paused.json()).toMatchObject({ changed: ['mymaster'], state: 'paused', applied: true, pending: [] });
    console.log(`pause --wait applied by 3 servers and 3 sentinels in ${paused.json().waitedMs} ms`);
    const whilePaused = (await cli(['list', '--json'], env)).json().groups[0];
    expect(whilePaused.paused).toMatchObject({ reason: 'ZooKeeper upgrade', by: expect.any(String), since: expect.any(String) });
    for (const s of whilePaused.sentinels) expect(s.quorum).toBe(PAUSED_QUORUM);
    // The watcher only shows the pause (nothing of its own to apply): it shows it on its watch.
    const status = await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${g.watcher.port}/status`)).json()) as { paused: { reason?: string } | null }).paused ?? undefined, { what: 'the watcher to show the pause' });
    expect(status).toMatchObject({ reason: 'ZooKeeper upgrade' });
    expect(await (await fetch(`http://127.0.0.1:${g.watcher.port}/metrics`)).text()).toMatch(/^redis_zk_group_paused\{group="mymaster",program="redis-zk-watcher"\} 1$/m);
    // A switchover nobody aimed is refused while paused.
    const aimless = await cli(['switchover', '--watcher', `http://127.0.0.1:${g.watcher.port}`, '--json'], { ...env, API_TOKEN: TOKEN });
    expect(aimless.code).toBe(1);
    expect(aimless.json()).toMatchObject({ ok: false, status: 409, code: 'SWITCHOVER_REFUSED' });

    // kill -9 of the master's redis-server: nothing fails over (no crash failover, no sentinel
    // failover), also after one sentinel is replaced during the pause.
    const masterTask = g.servers.find((s) => s.port === master)!;
    await killRedisServer(masterTask);
    const crashSkip = await masterTask.proc.waitForLog((l) => l.event === 'CRASH_FAILOVER_SKIPPED', 10_000);
    expect(crashSkip.rule).toBe('paused');
    g.sentinels[0]!.proc.signal('SIGTERM');
    await g.sentinels[0]!.proc.exited;
    const fresh = await g.addSentinel({ SENTINEL_DOWN_AFTER_MS: '1000', SENTINEL_FAILOVER_TIMEOUT_MS: '5000' });
    await fresh.proc.waitForLog((l) => l.event === 'SENTINEL_REGISTERED', 30_000);
    await waitFor(async () => (await cli(['list', '--json'], env)).json().groups[0].sentinels.find((s: any) => s.addr === `127.0.0.1:${fresh.port}`)?.pause === 'paused' || undefined, { what: 'the new sentinel to acknowledge the pause', timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 5_000)); // the fault's length: 5 × down-after with the master dead
    expect(await g.recordedPort()).toBe(master);
    const during = (await cli(['list', '--json'], env)).json().groups[0];
    for (const s of during.sentinels) expect(s.quorum).toBe(PAUSED_QUORUM);
    expect(during.nodes.filter((n: any) => n.role === 'master')).toEqual([]);
    const broken = await cli(['check', '--json'], env);
    expect(broken.code).toBe(1);
    const codes = broken.json().problems.map((p: any) => p.code);
    expect(codes).toContain('paused');
    expect(codes.some((c: string) => c === 'master-not-registered' || c === 'master-unreachable')).toBe(true);

    // Resume: the configured quorum comes back and the sentinels fail the dead master over.
    const t0 = Date.now();
    const resumed = await cli(['resume', '--wait', '--json'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.json()).toMatchObject({ state: 'running', applied: true });
    await waitFor(async () => ((await g.recordedPort()) !== master ? true : undefined), { what: 'the failover after resume', timeoutMs: 30_000 });
    console.log(`resume → dead master failed over and recorded in ${Date.now() - t0} ms (down-after 1000 ms)`);
    const after = (await cli(['list', '--json'], env)).json().groups[0];
    for (const s of after.sentinels) expect(s.quorum).toBe(2);
    const history = await cli(['history', '--json'], env);
    expect(history.code).toBe(0);
    expect(history.json().changes.at(-1)).toMatchObject({ from: `127.0.0.1 ${master}`, cause: 'failover' });
    expect((await cli(['history'], env)).stdout).toMatch(/failover/);
  }, 180_000);

  it('ZooKeeper mode: no election while paused, one after resume; a switchover through the watcher with its event on the stream', async () => {
    const zk = await startZooKeeper();
    const zkHosts = `${zk.connectString}/cli`;
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', servers: 3, env: { API_TOKEN: TOKEN } });
    let master = await g.steady('the group to form');
    const env = { ZK_HOSTS: zkHosts, REDIS_PROBE_TIMEOUT_MS: '500', WATCHER_URL: `http://127.0.0.1:${g.watcher.port}`, API_TOKEN: TOKEN };
    await waitFor(async () => (await cli(['check'], env)).code === 0 || undefined, { what: 'check to find nothing wrong', timeoutMs: 20_000 });
    expect((await cli(['list', '--json'], env)).json().groups[0]).toMatchObject({ mode: 'zookeeper', leader: `127.0.0.1:${master}`, master: `127.0.0.1:${master}` });

    // Switchover to a named replica; the event stream shows it (--since: what came after the last
    // event seen before it, so the stream's own connect time does not matter).
    const status = (await (await fetch(`${env.WATCHER_URL}/status`)).json()) as { events: { id: number }[] };
    const lastBefore = Math.max(0, ...status.events.map((e) => e.id));
    const target = g.servers.find((s) => s.port !== master)!;
    const sw = await cli(['switchover', '--to', `127.0.0.1:${target.port}`, '--wait', '--json'], env);
    expect(sw.code).toBe(0);
    expect(sw.json()).toMatchObject({ ok: true, to: `127.0.0.1:${target.port}`, recorded: true });
    const ev = await cli(['events', '--since', String(lastBefore), '--count', '1', '--json'], env, 30_000);
    expect({ code: ev.code, stderr: ev.stderr }).toEqual({ code: 0, stderr: '' });
    const shown = JSON.parse(ev.stdout.trim().split('\n')[0]!) as { id: number; name?: string };
    expect(shown.id).toBeGreaterThan(lastBefore);
    expect(shown.name).toBe('mymaster');
    const text = await cli(['events', '--since', String(lastBefore), '--count', '1'], env, 30_000);
    expect(text.stdout).toMatch(/^\S+ mymaster \S+/);
    master = target.port;
    expect((await cli(['history', '--json'], env)).json().changes.at(-1)).toMatchObject({ to: `127.0.0.1 ${master}`, cause: 'switchover' });

    const p = await cli(['pause', '--wait', '--json'], env);
    expect(p.json()).toMatchObject({ applied: true });
    console.log(`pause --wait (ZooKeeper mode, 3 servers) applied in ${p.json().waitedMs} ms`);
    await killRedisServer(g.servers.find((s) => s.port === master)!);
    await new Promise((r) => setTimeout(r, 5_000)); // the fault's length
    expect(await g.recordedPort()).toBe(master);
    const l = (await cli(['list', '--json'], env)).json().groups[0];
    expect(l.nodes.filter((n: any) => n.role === 'master')).toEqual([]);
    const c = await cli(['check', '--json'], env);
    expect(c.code).toBe(1);
    expect(c.json().problems.map((x: any) => x.code)).not.toContain('no-leader');

    const t0 = Date.now();
    expect((await cli(['resume'], env)).code).toBe(0);
    await waitFor(async () => ((await g.recordedPort()) !== master ? true : undefined), { what: 'the election after resume', timeoutMs: 30_000 });
    console.log(`resume → election recorded in ${Date.now() - t0} ms (ZooKeeper mode)`);
    expect((await cli(['history', '--json'], env)).json().changes.at(-1)).toMatchObject({ from: `127.0.0.1 ${master}`, cause: 'election' });
  }, 120_000);

  it('refuses a pause to anyone without the ZK_AUTH credentials', async () => {
    const zk = await startZooKeeper();
    const zkHosts = `${zk.connectString}/auth`;
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper', servers: 1, env: { ZK_AUTH: 'ops:s3cret' } });
    await g.steady('the group to form');
    const without = await cli(['pause'], { ZK_HOSTS: zkHosts });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^redis-zk: ZK_NO_AUTH: /);
    expect(without.stderr.trim().split('\n')).toHaveLength(1);
    expect(await (await zkClient(zkHosts)).get('/redis/paused/mymaster')).toBeUndefined();
    const withAuth = await cli(['pause', '--json'], { ZK_HOSTS: zkHosts, ZK_AUTH: 'ops:s3cret' });
    expect(withAuth.code).toBe(0);
    expect(withAuth.json()).toMatchObject({ changed: ['mymaster'] });
    expect(withAuth.stdout + withAuth.stderr).not.toContain('s3cret');
  }, 60_000);

  it('answers bad input with one line and exit 2, an unknown group with exit 1, an unreachable ZooKeeper or watcher with exit 3', async () => {
    const env = { ZK_HOSTS: sharedZkHosts() };
    await zkClient(env.ZK_HOSTS); // creates the chroot, as a program would
    const deadZk = { ZK_HOSTS: `127.0.0.1:${await freePort()}`, ZK_CONNECT_TIMEOUT_MS: '300' };
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [['lst'], env, 2, /USAGE/],
      [['list', '--bogus'], env, 2, /USAGE/],
      [['list', 'a', 'b'], env, 2, /USAGE/],
      [['list', 'bad/name'], env, 2, /USAGE/],
      [['pause', 'mymaster', '--all'], env, 2, /USAGE/],
      [['pause', '--wait', '--timeout', 'soon'], env, 2, /USAGE/],
      [['pause', '--reason'], env, 2, /USAGE/],
      [['switchover', '--to', 'nowhere'], { ...env, WATCHER_URL: 'http://127.0.0.1:1', API_TOKEN: TOKEN }, 2, /USAGE/],
      [['switchover'], env, 2, /USAGE/],
      [['switchover'], { ...env, WATCHER_URL: 'http://127.0.0.1:1' }, 2, /USAGE/],
      [['events'], env, 2, /USAGE/],
      [['events', '--since', 'yesterday'], env, 2, /USAGE/],
      [['events', '--watcher', 'not-a-url'], env, 2, /CONFIG_INVALID/],
      [['list'], { ZK_HOSTS: 'not a host list' }, 2, /CONFIG_INVALID/],
      [['history', 'no-such-group'], env, 1, /UNKNOWN_GROUP/],
      // A mistyped chroot is said, and not created by a command that only reads.
      [['list'], { ZK_HOSTS: sharedZkHosts() }, 2, /CONFIG_INVALID: ZK_HOSTS=/],
      [['list'], deadZk, 3, /ZK_CONNECT_TIMEOUT/],
      [['events', '--watcher', `http://127.0.0.1:${await freePort()}`], env, 3, /UNAVAILABLE/],
    ];
    for (const [args, e, code, pattern] of cases) {
      const r = await cli(args, e, 30_000);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    for (const c of ['list', 'check', 'history', 'events', 'pause', 'resume', 'switchover']) {
      const h = await cli([c, '--help'], {});
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^usage: redis-zk ${c}`));
    }
  }, 120_000);
});
