/**
 * No sentinel is ever left blind: a sentinel restarted on a new port and the master killed 0.5,
 * 1.5 and 3 s later, then two more failovers 0.5 s and 6.5 s after the previous one ended (a dead
 * old master and a replaced replica in the tables: when a sentinel used to reset itself), five in
 * a row, with both cores kept busy. The failover
 * timeout is long (20 s) so that a failover aborted by a sentinel that knows no replica — which
 * then waits 2 x failover-timeout — cannot pass for a slow one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, startProcess, waitFor, zkClient } from '../../harness/index.js';
import { masterAddr, redisPid, registered, sentinelMaster, serverUp, startSentinel, startServer, type StartedSentinel } from './helpers.js';

const FAILOVER_TIMEOUT_MS = '20000';
// 3 s rather than the suite's 1 s: with both cores busy a master just promoted can miss a 1 s
// down-after and be failed over again (Sentinel's own false alarm), which is not what this tests.
const DOWN_AFTER_MS = 3_000;

/** Each sentinel's failover events about `old` since it was killed, one compact line per sentinel. */
function electionEvents(sentinels: StartedSentinel[], old: string): string {
  const event = /[+-](odown|try-failover|vote-for-leader|elected-leader|failover-\S+|selected-slave|promoted-slave|switch-master|new-epoch)\b[^"]*/;
  return sentinels
    .map((s) => {
      const lines = s.proc.output().split('\n');
      let from = lines.length - 1;
      while (from > 0 && !(lines[from]!.includes('+sdown master') && lines[from]!.includes(old))) from -= 1;
      const events = lines.slice(from).map((l) => event.exec(l)?.[0]).filter((e) => e !== undefined);
      return `sentinel ${s.port}: ${events.join(' | ')}`;
    })
    .join('\n');
}

describe('five failovers in a row on a busy machine', () => {
  const figures: string[] = [];
  afterAll(() => console.log(`failover rounds (down-after ${DOWN_AFTER_MS} ms, 2 busy loops):\n  ${figures.join('\n  ')}`));

  it('each completes within down-after plus a few seconds; no failover is aborted for want of a replica', async () => {
    const hosts = sharedZkHosts();
    await zkClient(hosts);
    // Two busy loops for the two cores, ended with the test (bounded anyway).
    for (let i = 0; i < 2; i += 1) startProcess(`busy-${i}`, process.execPath, ['-e', 'const end = Date.now() + 180000; while (Date.now() < end) {}']);
    const sentinelEnv = { SENTINEL_FAILOVER_TIMEOUT_MS: FAILOVER_TIMEOUT_MS, SENTINEL_DOWN_AFTER_MS: String(DOWN_AFTER_MS) };
    const first = await startServer(hosts);
    await first.proc.waitForLog(serverUp, 20_000);
    const servers = [first, ...(await Promise.all([startServer(hosts), startServer(hosts)]))];
    await Promise.all(servers.map((s) => s.proc.waitForLog(serverUp, 20_000)));
    const sentinels: StartedSentinel[] = await Promise.all([0, 1, 2].map(() => startSentinel(hosts, sentinelEnv)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    const ports = () => sentinels.map((s) => s.port);
    // Replicas are learnt from INFO every second, not every 10 s (SENTINEL_INFO_PERIOD_MS).
    const debug = (await redisClient(sentinels[0]!.port).call('SENTINEL', 'DEBUG')) as string[];
    expect(debug[debug.indexOf('INFO-PERIOD') + 1]).toBe('1000');

    const agreedMaster = (not?: string) =>
      waitFor(
        async () => {
          const all = await Promise.all(ports().map((p) => masterAddr(p)));
          const a = all[0];
          if (a === undefined || a === not || !all.every((x) => x === a)) return false;
          // Ended: the leader has reconfigured the replicas (until then it cannot vote on a next one).
          const flags = await Promise.all(ports().map(async (p) => (await sentinelMaster(p)).flags ?? ''));
          if (flags.some((f) => f.includes('failover_in_progress'))) return false;
          const info = await redisClient(Number(a.split(' ')[1])).info('replication');
          return /role:master/.test(info) && /slave\d+:.*state=online/.test(info) ? a : false;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `all sentinels to agree on a master${not ? ` other than ${not}` : ''} with an online replica` },
      );

    // A sentinel restart before the kill, or only the delay after the previous failover ended.
    const killed: string[] = [];
    let splitVotes = 0;
    const rounds = [
      { restart: true, delayMs: 500 },
      { restart: true, delayMs: 1_500 },
      { restart: true, delayMs: 3_000 },
      { restart: false, delayMs: 500 },
      // About when the sentinels forget the dead old master and the replaced replica.
      { restart: false, delayMs: 6_500 },
    ];
    for (const [i, round] of rounds.entries()) {
      const old = await agreedMaster();
      if (round.restart) {
        // Marathon moves a sentinel: stopped, started on a new port.
        const victim = sentinels.shift()!;
        victim.proc.signal('SIGTERM');
        expect((await victim.proc.exited).code).toBe(0);
        const next = await startSentinel(hosts, sentinelEnv);
        sentinels.push(next);
        await next.proc.waitForLog(registered, 20_000);
      }
      // The fault's timing, not a wait for a condition: the master dies this long after.
      await new Promise((r) => setTimeout(r, round.delayMs));
      const oldPort = Number(old.split(' ')[1]);
      killed.push(old);
      process.kill(await redisPid(oldPort), 'SIGKILL');
      const t0 = Date.now();
      let agreed: string;
      try {
        agreed = await agreedMaster(old);
      } catch (err) {
        throw new Error(`round ${i + 1}: ${(err as Error).message}\n${electionEvents(sentinels, old)}`);
      }
      const took = Date.now() - t0;
      figures.push(`round ${i + 1} (${round.delayMs} ms after ${round.restart ? 'a sentinel restart' : 'the previous failover ended'}): all sentinels agree on the new master ${took} ms after kill -9`);
      // Well below 2 x failover-timeout (40 s): an aborted attempt could not hide in it. CI keeps
      // only the tail of its output, so the election events that explain a slow round go in the
      // assertion's own message.
      // One exception, Sentinel's own election: when every sentinel stood in the same epoch and
      // voted for itself (a split vote, each logs -failover-abort-not-elected), none may try again
      // before 2 x failover-timeout. That round is allowed that long, and counted.
      const events = electionEvents(sentinels, old);
      const split = events.split('\n').every((line) => line.includes('-failover-abort-not-elected'));
      if (split) {
        splitVotes += 1;
        figures[figures.length - 1] += ' (a split vote: every sentinel stood in one epoch)';
      }
      const limit = DOWN_AFTER_MS + 12_000 + (split ? 2 * Number(FAILOVER_TIMEOUT_MS) : 0);
      if (took >= limit) expect.fail(`${figures[figures.length - 1]}\n${events}`);
      // Marathon replaces the dead task on a new port; it rejoins as a replica.
      const dead = servers.find((s) => s.port === oldPort)!;
      await dead.proc.exited;
      servers.splice(servers.indexOf(dead), 1);
      const replacement = await startServer(hosts);
      servers.push(replacement);
      await replacement.proc.waitForLog(serverUp, 30_000);
    }
    // No failover of a master we killed was aborted for want of a replica. (On busy cores a master
    // just promoted can miss the 1 s down-after once and be tried while its replicas are still
    // re-pointing: Sentinel's false alarm, aborted harmlessly, not a blind sentinel.)
    for (const s of sentinels) {
      for (const old of killed) expect(s.proc.output(), `sentinel ${s.port} aborted the failover of ${old}`).not.toContain(`-failover-abort-no-good-slave master mymaster ${old}`);
    }
    for (const s of sentinels) expect(s.proc.output()).not.toMatch(/\+reset-master/);
    // A split vote is rare (about 1 round in 15 here under load); every round split is not.
    expect(splitVotes, 'rounds lost to a split vote').toBeLessThan(rounds.length);
  }, 360_000);
});
