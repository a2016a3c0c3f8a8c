import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFailed } from 'vitest';
import { sharedZkHosts, startProgram, waitFor, zkClient } from '../../harness/index.js';
import { startGroup, watcherEnv } from './group.js';
import { recordHistory } from '../../harness/zk-history.js';

async function health(port: string): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return 0;
  }
}

describe('redis-zk-watcher: failovers reach ZooKeeper', () => {
  it('after kill -9 of the master, /redis/master names what every sentinel reports, and it answers role:master', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const env = await watcherEnv(group.zkHosts);
    startProgram('watcher', env);
    await waitFor(async () => (await health(env.PORT0!)) === 200, { what: 'watcher healthy', timeoutMs: 15_000 });
    const independent = await zkClient(group.zkHosts);
    const old = await independent.get('/redis/master');
    expect(old).toBe(`127.0.0.1 ${group.servers[0]!.port}`);

    group.servers[0]!.process.killGroup();
    const recorded = await waitFor(async () => {
      const v = await independent.get('/redis/master');
      return v !== old && v;
    }, { what: '/redis/master to change after the master died', timeoutMs: 20_000 });
    const agreed = await waitFor(() => group.agreedMaster().catch(() => false), { what: 'sentinels to agree', timeoutMs: 10_000 });
    expect(recorded).toBe(agreed);
    expect(await group.role(Number(recorded.split(' ')[1]))).toBe('master');
    expect(await independent.get('/redis/masters/mymaster')).toBe(recorded);
    expect(Number(await independent.get('/redis/epochs/mymaster'))).toBeGreaterThan(0);
  });

  it('the sentinel it listens to is killed, and the next failover still reaches ZooKeeper', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const env = await watcherEnv(group.zkHosts);
    const watcher = startProgram('watcher', env);
    const base = `http://127.0.0.1:${env.PORT0}`;
    const listening = await waitFor(async () => {
      const s = (await (await fetch(`${base}/status`)).json()) as { subscription: { sentinel: string | null; all: unknown[] } };
      return s.subscription.all.length === 3 && s.subscription.sentinel;
    }, { what: 'subscribed to all three sentinels', timeoutMs: 15_000 });
    const victim = group.sentinels.find((s) => listening === `127.0.0.1:${s.port}`)!;
    expect(victim).toBeDefined();
    await group.killSentinel(victim);
    // Its /redis/sentinels entry is still there (the registrant's session lives on): the closed
    // connection alone moves the watcher on, at once.
    await watcher.waitForLog((l) => l.event === 'SUBSCRIPTION_LOST' && l.sentinel === listening, 5_000);
    const health = (await (await fetch(`${base}/health`)).json()) as { status: string; subscription: { sentinel: string } };
    expect(health.status).toBe('ok');
    expect(health.subscription.sentinel).not.toBe(listening);

    const independent = await zkClient(group.zkHosts);
    const next = await group.failover();
    await waitFor(async () => (await independent.get('/redis/master')) === next, { what: `/redis/master to become ${next}`, timeoutMs: 10_000 });
    // Once its entry vanishes too, the dead sentinel is no longer retried.
    await independent.remove(`/redis/sentinels/${victim.id}`);
    await waitFor(async () => (await (await fetch(`${base}/sentinels`)).text()).split(',').length === 2, { what: 'the entry to vanish from the API' });
  });

  it('stopped during a failover, it repairs ZooKeeper on restart within a second', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const env = await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '60000' });
    const first = startProgram('watcher', env);
    await first.waitForLog((l) => l.event === 'SUBSCRIBED', 15_000);
    first.signal('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const independent = await zkClient(group.zkHosts);
    const stale = await independent.get('/redis/master');
    const next = await group.failover();
    expect(await independent.get('/redis/master')).toBe(stale);

    const history = recordHistory(independent);
    await waitFor(() => history.values.length > 0, { what: 'history to start' });
    const started = Date.now();
    const second = startProgram('watcher', env);
    await waitFor(async () => (await independent.get('/redis/master')) === next, { what: `/redis/master repaired to ${next}`, timeoutMs: 10_000 });
    const tookMs = Date.now() - started;
    const up = second.logs().find((l) => l.event === 'SUBSCRIBED');
    console.log(`repair after restart: ${tookMs} ms from spawn (node start + ZooKeeper + subscribe + reconcile); subscribed at ${up?.time}`);
    // Node's own start takes a few hundred ms on a loaded 2-core machine; the repair itself is the reconcile on subscription.
    expect(tookMs).toBeLessThan(3_000);
  });

  it('two watchers at once: one result, no flapping, one changing write', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const independent = await zkClient(group.zkHosts);
    const a = startProgram('watcher', await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '300' }));
    const b = startProgram('watcher', await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '300' }));
    onTestFailed(() => {
      for (const w of [a, b]) console.log(w.logs().filter((l) => l.level !== 'debug' || /Refusing|ROLE/.test(String(l.msg))).map((l) => `${l.time} ${l.pid} ${l.level} ${l.msg}`).join('\n'));
    });
    for (const w of [a, b]) await w.waitForLog((l) => l.event === 'SUBSCRIBED', 15_000);
    const history = recordHistory(independent);
    await waitFor(() => history.values.length > 0, { what: 'history to start' });
    const first = await group.failover();
    await waitFor(async () => (await independent.get('/redis/master')) === first, { what: 'first failover recorded', timeoutMs: 10_000 });
    const second = await group.failover();
    await waitFor(async () => (await independent.get('/redis/master')) === second, { what: 'second failover recorded', timeoutMs: 10_000 });
    // Let both keep reconciling for a while: nothing may move.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(history.values.slice(1)).toEqual([first, second]);
    const changing = [...a.logs(), ...b.logs()].filter((l) => l.event === 'RECORD_WRITTEN' && l.rule === 'newer-epoch' && l.group === 'mymaster');
    expect(changing.map((l) => `${l.pid} ${l.msg}`)).toHaveLength(2);
  });

  it('a switch decides on the snapshot it kept, read again after a change to ZooKeeper', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const watcher = startProgram('watcher', await watcherEnv(group.zkHosts, { RECONCILE_INTERVAL_MS: '60000' }));
    await watcher.waitForLog((l) => l.event === 'SUBSCRIBED', 15_000);
    const independent = await zkClient(group.zkHosts);
    // The switch's RECORD_WRITTEN says which snapshot the written decision stood on: 'kept', or
    // 'read' when it had to read (nothing kept, or the kept one lost the version check).
    const switchTo = async (addr: string) => {
      await waitFor(async () => (await independent.get('/redis/master')) === addr, { what: `/redis/master to become ${addr}`, timeoutMs: 10_000 });
      const port = Number(addr.split(' ')[1]);
      const l = await watcher.waitForLog((x) => x.event === 'RECORD_WRITTEN' && x.rule === 'newer-epoch' && (x.master as { port: number }).port === port, 5_000);
      return (l.steps as { snapshot?: string } | undefined)?.snapshot;
    };

    // Steady state: the switch asks only the announcer and the new master.
    expect(await switchTo(await group.failover())).toBe('kept');
    // The check the record's change sets off reads ZooKeeper too: let it finish first, so that
    // only the watches can tell the watcher of what follows.
    const written = watcher.logs().map((l) => l.event).lastIndexOf('RECORD_WRITTEN');
    await waitFor(() => watcher.logs().slice(written).some((l) => l.event === 'RECORD_KEPT' && l.why === 'the record changed'), { what: 'the check after the switch' });
    // A change of content (the epoch lowered by hand) is seen by the watches and read again
    // before the next switch, which then lands at its first attempt. (A rewrite that keeps the
    // content is refused by the transaction: test/integration/core/zk.test.ts, 'the one writer'.)
    await independent.set('/redis/epochs/mymaster', '0');
    expect(await switchTo(await group.failover())).toBe('kept');
    expect(Number(await independent.get('/redis/epochs/mymaster'))).toBeGreaterThan(0);
  });

  it('HOOK_COMMAND gets the switch arguments, and a hanging hook is killed without delaying ZooKeeper', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const dir = mkdtempSync(join(tmpdir(), 'watcher-hook-'));
    const argsFile = join(dir, 'args');
    const script = join(dir, 'hook.sh');
    // Appends its arguments, then hangs like a hook stuck on a dead host.
    writeFileSync(script, `#!/bin/sh\nprintf '%s ' "$@" >${argsFile}\nsleep 60\n`, { mode: 0o755 });
    const env = await watcherEnv(group.zkHosts, { HOOK_COMMAND: script, HOOK_TIMEOUT_MS: '1500' });
    const watcher = startProgram('watcher', env);
    await watcher.waitForLog((l) => l.event === 'SUBSCRIBED', 15_000);
    const independent = await zkClient(group.zkHosts);
    const before = await independent.get('/redis/master');
    const next = await group.failover();
    await waitFor(async () => (await independent.get('/redis/master')) === next, { what: '/redis/master updated', timeoutMs: 3_000 });
    const recordedAt = Date.now();
    await waitFor(() => existsSync(argsFile) && readFileSync(argsFile, 'utf8').length > 0, { what: 'hook to run', timeoutMs: 5_000 });
    expect(readFileSync(argsFile, 'utf8')).toBe(`mymaster ${before} ${next} `);
    const killed = await watcher.waitForLog((l) => l.event === 'HOOK_DONE' && l.outcome === 'timeout', 10_000);
    // The record landed before the hook was even given up on.
    expect(Date.parse(String(killed.time))).toBeGreaterThan(recordedAt - 500);
  });
});
