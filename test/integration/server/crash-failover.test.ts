// Sentinel mode: a crash of the master's redis-server under its live wrapper fails over at once,
// started by that wrapper, not after Sentinel's down-after. The sentinels here wait 30 s before
// they would notice a master down by themselves, so every failover seen within the test's waits
// is the crash path's (or the hand-off's). Writers count a write only after SET + WAIT 1.
import { describe, expect, it, onTestFailed } from 'vitest';
import { redisClient, redisPidOf, sharedZkHosts, waitFor } from '../../harness/index.js';
import { killRedisServer, startDurableWriter, startFullGroup, type FullGroup, type Task } from '../../harness/full-group.js';
import { missingKeys } from '../../harness/writer.js';

const SLOW_SENTINELS = { SENTINEL_DOWN_AFTER_MS: '30000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000' };

async function role(port: number): Promise<{ role: string; masterPort?: string; linkUp: boolean } | undefined> {
  const c = redisClient(port);
  try {
    const info = await c.info('replication');
    const f = Object.fromEntries(info.split('\r\n').flatMap((l) => (l.includes(':') ? [l.split(':', 2) as [string, string]] : [])));
    return { role: f.role!, masterPort: f.master_port, linkUp: f.master_link_status === 'up' };
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/** The recorded master answers as master with every other live task its linked replica, and every sentinel names it. */
async function settled(g: FullGroup, live: Task[]): Promise<number | false> {
  const master = await g.recordedPort();
  if (master === undefined) return false;
  for (const t of live) {
    const r = await role(t.port);
    if (r === undefined || (t.port === master ? r.role !== 'master' : r.role !== 'slave' || r.masterPort !== String(master) || !r.linkUp)) return false;
  }
  for (const s of g.sentinels) {
    const c = redisClient(s.port);
    try {
      const reply = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
      const m = Object.fromEntries(reply.flatMap((v, i) => (i % 2 === 0 ? [[v, reply[i + 1]]] : [])));
      if (m.port !== String(master) || String(m.flags).includes('failover')) return false;
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }
  return master;
}

/** Until the survivors settle on one master and the writer is acknowledged there; returns that master. */
async function writingAgain(g: FullGroup, live: Task[], writer: { acks: unknown[] }, what: string): Promise<number> {
  const now = await waitFor(() => settled(g, live), { what, timeoutMs: 30_000 });
  const after = writer.acks.length;
  await waitFor(() => writer.acks.length > after + 20, { what: 'the writer acknowledged on the new master', timeoutMs: 15_000 });
  return now;
}

/** The crashed master's wrapper started the crash failover and recorded one of the other servers; returns its port. */
async function crashFailedOver(g: FullGroup, old: Task, timeoutMs = 10_000): Promise<number> {
  const started = await old.proc.waitForLog((x) => x.event === 'CRASH_FAILOVER_STARTED' || x.event === 'CRASH_FAILOVER_SKIPPED', 10_000);
  expect(started).toMatchObject({ event: 'CRASH_FAILOVER_STARTED', rule: 'crash-failover' });
  const done = await old.proc.waitForLog((x) => x.event === 'CRASH_FAILED_OVER' || x.event === 'CRASH_FAILOVER_FAILED', timeoutMs);
  expect(done.event, JSON.stringify(done)).toBe('CRASH_FAILED_OVER');
  const to = Number(String(done.master).split(' ')[1]);
  expect(g.servers.filter((s) => s !== old).map((s) => s.port)).toContain(to);
  expect(await g.recordedPort()).toBe(to);
  return to;
}

async function expectNoLoss(g: FullGroup, acks: { key: string }[]): Promise<void> {
  const final = (await g.recordedPort())!;
  const c = redisClient(final);
  const missing = await missingKeys(c, acks);
  c.disconnect();
  expect(missing, `${missing.length} of ${acks.length} acknowledged writes lost: ${missing.slice(0, 5).join(', ')}`).toEqual([]);
}

describe('Sentinel mode: the crash failover', () => {
  it('kill -9 of the master\'s redis-server under a writer: its wrapper starts the failover at once, recorded long before down-after; nothing acknowledged lost', async () => {
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: SLOW_SENTINELS });
    const master = await g.steady('the group to form', 60_000);
    const writer = startDurableWriter(g, 'crash:', 300);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'the writer acknowledged on the master', timeoutMs: 15_000 });
      const old = g.servers.find((s) => s.port === master)!;
      await killRedisServer(old);
      await crashFailedOver(g, old);
      expect((await old.proc.exited).code).toBe(137);
      await writingAgain(g, g.servers.filter((s) => s !== old), writer, 'the survivors settled on the new master');
    } finally {
      await writer.stop();
    }
    await expectNoLoss(g, writer.acks);
  }, 120_000);

  it('a crash while one replica lags behind the other: no fast failover (the sentinel could select the one behind); the sentinels\' own path promotes, nothing acknowledged lost', async () => {
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: { SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '5000' } });
    const master = await g.steady('the group to form', 60_000);
    const writer = startDurableWriter(g, 'lag:', 300);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'the writer acknowledged on the master', timeoutMs: 15_000 });
      const lagging = g.servers.find((s) => s.port !== master)!;
      // A write pause stops a replica applying its master's stream: what it misses, the other
      // replica acknowledges.
      const l = redisClient(lagging.port);
      await l.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      l.disconnect();
      const paused = writer.acks.length;
      await waitFor(() => writer.acks.length > paused + 30, { what: 'writes acknowledged by the other replica only', timeoutMs: 5_000 });
      const old = g.servers.find((s) => s.port === master)!;
      await killRedisServer(old);
      await old.proc.waitForLog((x) => x.event === 'CRASH_FAILOVER_SKIPPED' && x.rule === 'replicas-differ', 10_000);
      const live = g.servers.filter((s) => s !== old);
      expect(live.map((s) => s.port)).toContain(await writingAgain(g, live, writer, 'the sentinels failed over after down-after'));
    } finally {
      await writer.stop();
    }
    await expectNoLoss(g, writer.acks);
  }, 120_000);

  it('a fenced master\'s crash fails over the same way: a fence is no reason to wait for down-after', async () => {
    // FENCE_AFTER_MS 1 s: the master's wrapper, frozen 2.5 s, raises the fence as it wakes
    // (rule `stopped`); one sentinel not answering keeps it up (lifting needs every sentinel, or
    // a majority held for 1 s), and redis-server is killed while it is up.
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: { ...SLOW_SENTINELS, FENCE_AFTER_MS: '1000' } });
    const master = await g.steady('the group to form', 60_000);
    const writer = startDurableWriter(g, 'fenced:', 300);
    const mute = redisPidOf(g.sentinels[2]!);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'the writer acknowledged on the master', timeoutMs: 15_000 });
      const old = g.servers.find((s) => s.port === master)!;
      process.kill(mute, 'SIGSTOP');
      process.kill(old.proc.pid, 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, 2_500)); // the freeze's length, not a wait for a condition
      } finally {
        process.kill(old.proc.pid, 'SIGCONT');
      }
      await old.proc.waitForLog((x) => x.event === 'FENCE_UP', 5_000);
      await killRedisServer(old);
      const fenceLifted = old.proc.logs().some((x) => x.event === 'FENCE_LIFTED');
      expect(fenceLifted, 'the fence was lifted before the kill: the test did not crash a fenced master').toBe(false);
      await crashFailedOver(g, old, 15_000);
      process.kill(mute, 'SIGCONT');
      await writingAgain(g, g.servers.filter((s) => s !== old), writer, 'the survivors settled on the new master');
    } finally {
      try {
        process.kill(mute, 'SIGCONT');
      } catch {
        /* already gone */
      }
      await writer.stop();
    }
    await expectNoLoss(g, writer.acks);
  }, 120_000);

  it('a replica\'s crash starts nothing; a crash during a failover already running starts no second one', async () => {
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: SLOW_SENTINELS });
    const master = await g.steady('the group to form', 60_000);
    const replica = g.servers.find((s) => s.port !== master)!;
    await killRedisServer(replica);
    await replica.proc.waitForLog((x) => x.event === 'CRASH_FAILOVER_SKIPPED' && x.rule === 'not-recorded-master', 10_000);
    expect((await replica.proc.exited).code).toBe(137);
    expect(await g.recordedPort()).toBe(master);
    expect((await role(master))?.role).toBe('master');

    // A replacement joins; then a failover is started by hand and the master crashes under it.
    const replacement = await g.addServer();
    const live = g.servers.filter((s) => s !== replica);
    await waitFor(() => settled(g, live), { what: 'the replacement linked', timeoutMs: 30_000 });
    const s0 = redisClient(g.sentinels[0]!.port);
    await s0.call('SENTINEL', 'FAILOVER', 'mymaster');
    s0.disconnect();
    const old = g.servers.find((s) => s.port === master)!;
    await killRedisServer(old);
    const skipped = await old.proc.waitForLog((x) => x.event === 'CRASH_FAILOVER_SKIPPED' || x.event === 'CRASH_FAILED_OVER', 10_000);
    // Either it saw the failover running, or the sentinels no longer name it; had it asked, the
    // sentinel's INPROG would have made it confirm the running failover's result, not start one.
    expect(skipped.event === 'CRASH_FAILOVER_SKIPPED' ? ['failover-running', 'sentinels-name-other'] : ['confirmed']).toContain(skipped.event === 'CRASH_FAILOVER_SKIPPED' ? skipped.rule : 'confirmed');
    const survivors = live.filter((s) => s !== old);
    const now = await waitFor(() => settled(g, survivors), { what: 'the running failover settled', timeoutMs: 30_000 });
    expect([replacement.port, ...survivors.map((s) => s.port)]).toContain(now);
    // One failover: every sentinel's config epoch went up by one.
    for (const s of g.sentinels) {
      const c = redisClient(s.port);
      const reply = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
      c.disconnect();
      expect(reply[reply.indexOf('config-epoch') + 1]).toBe('1');
    }
  }, 120_000);

  it('ten rolling-restart hand-overs in a row (SIGTERM of the master, a replacement started): each through the sentinels, nothing acknowledged lost', async () => {
    // The documented SHUTDOWN_TIMEOUT_MS (6 s or more): the hand-off gets half of it, and a busy
    // CI machine needs more than the 1.5 s of the harness's 3 s default.
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env: { ...SLOW_SENTINELS, SHUTDOWN_TIMEOUT_MS: '10000' } });
    await g.steady('the group to form', 60_000);
    const writer = startDurableWriter(g, 'rolling:', 300);
    const paused: number[] = [];
    let live = [...g.servers];
    try {
      for (let round = 0; round < 10; round += 1) {
        const master = await waitFor(() => settled(g, live), { what: `a settled group before hand-over ${round + 1}`, timeoutMs: 30_000 });
        const before = writer.acks.length;
        await waitFor(() => writer.acks.length > before + 10, { what: 'the writer acknowledged on the master', timeoutMs: 15_000 });
        const old = live.find((s) => s.port === master)!;
        old.proc.signal('SIGTERM');
        onTestFailed(() => console.log(old.proc.logs().filter((l) => String(l.event).startsWith('HAND')).map((l) => `${String(l.time)} ${String(l.event)} ${String(l.msg)}`).join('\n')));
        const handed = await old.proc.waitForLog((x) => x.event === 'HANDED_OFF' || x.event === 'HAND_OFF_FAILED' || x.event === 'HAND_OFF_SKIPPED', 15_000);
        expect(handed.event, JSON.stringify(handed)).toBe('HANDED_OFF');
        // Paused when the sentinel named the replica; the promoted replica held the paused offset.
        expect(handed, JSON.stringify(handed.steps)).toMatchObject({ pause: 'selected', atRiskBytes: 0 });
        paused.push(Number(handed.outageMs));
        expect((await old.proc.exited).code).toBe(0);
        const recordedNow = await g.recordedPort();
        if (recordedNow !== Number(String(handed.master).split(' ')[1])) {
          console.log(JSON.stringify(handed.steps), g.watcher.proc.logs().filter((l) => String(l.event).startsWith('RECORD') || String(l.event).startsWith('SWITCH')).slice(-8).map((l) => `${String(l.time)} ${String(l.event)} ${String(l.rule)} ${String(l.msg)}`).join('\n'));
          for (const x of g.sentinels) console.log(x.proc.output().split('\n').filter((l) => /[+-](switch-master|try-failover|elected|selected|promoted|failover-end|failover-abort)/.test(l)).slice(-8).join('\n'));
        }
        expect(recordedNow).toBe(Number(String(handed.master).split(' ')[1]));
        live = [...live.filter((s) => s !== old), await g.addServer()];
      }
      await waitFor(() => settled(g, live), { what: 'a settled group after the last hand-over', timeoutMs: 30_000 });
    } finally {
      await writer.stop();
      console.log(`rolling restart, Sentinel mode: writes paused per hand-over ${paused.join(', ')} ms; ${writer.acks.length} acknowledged, ${writer.failures()} failed`);
    }
    await expectNoLoss(g, writer.acks);
  }, 300_000);
});
