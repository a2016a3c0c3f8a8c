// A master's whole task (wrapper and redis-server) frozen with SIGSTOP, for longer than
// down-after and shorter than the failover it starts, then thawed: the wrapper's fence must not
// be lifted on evidence from before or across the gap (the record, sentinels and replicas that
// the failover has not reached yet), so no write it acknowledges is then discarded. A writer
// counts a write only after `SET` + `WAIT 1 500`.
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor } from '../../harness/index.js';
import { freezeTask, startDurableWriter, startFullGroup } from '../../harness/full-group.js';
import { missingKeys } from '../../harness/writer.js';

const CASES = [
  // The timings: 2 s down-after, a 4 s session; 3 s is past down-after, short of the failover's end.
  { mode: 'sentinel' as const, freezes: [3_000, 3_000, 1_500] },
  // 3 s keeps the session (no election may run); 8 s loses it (ZooKeeper expires it within
  // the timeout plus a tick), and an election runs meanwhile.
  { mode: 'zookeeper' as const, freezes: [3_000, 8_000] },
];

describe.each(CASES)('a master task frozen mid-failover ($mode mode)', ({ mode, freezes }) => {
  it(`freezes of ${freezes.join(', ')} ms with a writer: not one acknowledged write lost, the thawed master never takes writes beside the new one`, async () => {
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), mode, env: { SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '3000', ZK_SESSION_TIMEOUT_MS: '4000', ...(process.env.FREEZE_DEBUG ? { LOG_LEVEL: 'debug' } : {}) } });
    await g.steady('the group to form', 60_000);
    const writer = startDurableWriter(g, `freeze-${mode}:`);
    const rounds: string[] = [];
    try {
      for (const ms of freezes) {
        const master = await g.steady('a steady group before the freeze', 60_000);
        const before = writer.acks.length;
        await waitFor(() => writer.acks.length > before + 20, { what: 'the writer acknowledged on the master', timeoutMs: 15_000 });
        const task = g.servers.find((s) => s.port === master)!;
        await freezeTask(task, ms);
        const thawed = Date.now();
        await waitFor(() => writer.acks.filter((x) => x.at > thawed).length > 20, { what: `the writer acknowledged again after a ${ms} ms freeze`, timeoutMs: 30_000 });
        const after = await g.steady(`the group steady again after a ${ms} ms freeze`, 60_000);
        if (mode === 'sentinel' && after !== master) {
          // The replica that was not promoted replicated the selected one as soon as it was
          // selected, not after the promotion: the old master had no acknowledgement from it.
          const third = g.servers.find((x) => x.port !== master && x.port !== after)!;
          await third.proc.waitForLog((l) => l.event === 'REPLICA_FOLLOWS_SELECTED' && l.master === `127.0.0.1 ${after}`, 10_000);
        }
        const fences = task.proc.logs().filter((l) => l.event === 'FENCE_UP' || l.event === 'FENCE_LIFTED').map((l) => `${String(l.event)}:${String(l.rule)}`);
        rounds.push(`${ms} ms: ${master} -> ${after}; fence ${fences.slice(-4).join(' ')}`);
        if (process.env.FREEZE_DEBUG) console.log(task.proc.logs().filter((l) => l.rule !== undefined).slice(-30).map((l) => `${String(l.time)} ${String(l.msg)}`).join('\n'));
      }
    } finally {
      await writer.stop();
      console.log(`${mode}: ${writer.acks.length} acknowledged, ${writer.failures()} failed; ${rounds.join(' | ')}`);
    }
    const final = (await g.recordedPort())!;
    const c = redisClient(final);
    const missing = await missingKeys(c, writer.acks);
    c.disconnect();
    expect(missing, `${missing.length} of ${writer.acks.length} acknowledged writes lost: ${missing.slice(0, 5).join(', ')}`).toEqual([]);
    expect(writer.acks.length).toBeGreaterThan(100);
  }, 240_000);
});
