import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVER_COMM, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, startServer, type ServerUnderTest } from './helpers.js';

const N = 20;
const TRIALS = 3;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

describe('20 wrappers started at the same moment', () => {
  it(`give exactly one master and ${N - 1} linked replicas, ${TRIALS} times`, async () => {
    for (let trial = 1; trial <= TRIALS; trial++) {
      const hosts = sharedZkHosts();
      const t0 = Date.now();
      const servers: ServerUnderTest[] = await Promise.all(Array.from({ length: N }, () => startServer(hosts)));
      await Promise.all(servers.map((s) => s.proc.waitForLog(isUp, 60_000)));
      const registeredMs = Date.now() - t0;

      const zk = await zkClient(hosts);
      const record = await zk.get('/redis/master');
      const masters = [];
      for (const s of servers) if ((await replication(s.redis)).role === 'master') masters.push(s);
      expect(masters).toHaveLength(1);
      const master = masters[0]!;
      expect(record).toBe(`127.0.0.1 ${master.port}`);
      await waitFor(
        async () => {
          const reps = await Promise.all(servers.filter((s) => s !== master).map((s) => replication(s.redis)));
          return reps.every((r) => r.role === 'slave' && r.masterPort === master.port && r.linkUp);
        },
        { what: `all ${N - 1} replicas linked to the master`, timeoutMs: 30_000, intervalMs: 100 },
      );
      const linkedMs = Date.now() - t0;
      expect(await zk.children('/redis/nodes')).toHaveLength(N);
      const claims = servers.filter((s) => s.proc.logs().some((l) => l.action === 'claim'));
      expect(claims).toHaveLength(1);

      if (trial === 1) {
        const wrapperPid = master.proc.pid;
        const childPid = Number(execFileSync('pgrep', ['-P', String(wrapperPid), SERVER_COMM]).toString().trim().split('\n')[0]);
        console.log(`RSS: wrapper ${rssKb(wrapperPid)} kB, its redis-server ${rssKb(childPid)} kB`);
      }
      // Where the time goes: process start-up (20 node processes on a shared machine) vs the
      // serialized decisions under the lock.
      const times = (event: string) => servers.flatMap((s) => s.proc.logs().filter((l) => l.event === event).map((l) => Date.parse(String(l.time))));
      const firstLock = Math.min(...times('LOCK_TAKING')) - t0;
      const lastLock = Math.max(...times('LOCK_TAKING')) - t0;
      const lastUp = Math.max(...servers.flatMap((s) => s.proc.logs().filter((l) => l.event === 'SERVER_UP').map((l) => Date.parse(String(l.time))))) - t0;
      console.log(
        `trial ${trial}: ${N} wrappers registered in ${registeredMs} ms, all replicas linked in ${linkedMs} ms ` +
          `(first lock request at ${firstLock} ms, last at ${lastLock} ms, last registration at ${lastUp} ms)`,
      );

      // Under the lock, per wrapper in lock order: observe+decide (from the previous release to
      // the decision line), redis-server start to PING + registration (to the release line).
      const at = (s: ServerUnderTest, pred: (l: Record<string, unknown>) => boolean) => {
        const l = s.proc.logs().find(pred);
        return l === undefined ? NaN : Date.parse(String(l.time));
      };
      const phases = servers
        .map((s) => ({
          decided: at(s, (l) => typeof l.action === 'string'),
          started: at(s, (l) => l.event === 'REDIS_STARTING'),
          released: at(s, isUp),
        }))
        .sort((x, y) => x.released - y.released);
      const observe: number[] = [];
      const start: number[] = [];
      for (let i = 1; i < phases.length; i++) {
        observe.push(phases[i]!.decided - phases[i - 1]!.released);
        start.push(phases[i]!.released - phases[i]!.started);
      }
      const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
      console.log(
        `trial ${trial}: per decision under the lock (mean of ${N - 1} replicas): observe+decide ${mean(observe)} ms (max ${Math.max(...observe)}), ` +
          `redis-server start to registered ${mean(start)} ms (max ${Math.max(...start)}), first release at ${phases[0]!.released - t0} ms`,
      );

      for (const s of servers) s.proc.killGroup();
      await Promise.all(servers.map((s) => s.proc.exited));
      zk.close();
    }
  }, 240_000);
});
