import { createServer, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { freePort, redisClient, sharedZkHosts, startProgram, waitFor, zkClient } from '../../harness/index.js';
import { startGroup, watcherEnv } from './group.js';
import { recordHistory } from '../../harness/zk-history.js';

/** A "sentinel" that accepts connections and never answers, like a host behind a partition that still completes the handshake. */
async function blackhole(): Promise<{ port: number; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('redis-zk-watcher: a registered sentinel that never answers', () => {
  it.each(['SENTINEL FAILOVER', 'kill -9 of the master'])('does not delay a failover (%s) reaching ZooKeeper: recorded within 500 ms of the first +switch-master, probe timeout 1 s', async (how) => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const hole = await blackhole();
    cleanups.push(hole.close);
    const independent = await zkClient(group.zkHosts);
    await independent.create(`/redis/sentinels/${randomUUID()}`, `127.0.0.1 ${hole.port}`);

    // Frequent checks, so an all-sentinels check is nearly always waiting on the dead one when the switch comes.
    const watcher = startProgram('watcher', await watcherEnv(group.zkHosts, { REDIS_PROBE_TIMEOUT_MS: '1000', RECONCILE_INTERVAL_MS: '300' }));
    onTestFailed(() => console.log(watcher.logs().map((l) => `${l.time} ${l.level} ${l.msg}`).join('\n')));
    await waitFor(() => watcher.logs().filter((l) => l.event === 'SUBSCRIBED').length === 3, { what: 'subscribed to the three live sentinels', timeoutMs: 15_000 });
    // The checks do reach the dead sentinel and decide without it.
    await watcher.waitForLog((l) => l.event === 'CHECK_PARTIAL', 5_000);

    // The test's own subscribers: the earliest announcement of each new master.
    const announced = new Map<string, number>();
    for (const s of group.sentinels) {
      const sub = redisClient(s.port);
      cleanups.push(() => sub.disconnect());
      await sub.subscribe('+switch-master');
      sub.on('message', (_ch: string, msg: string) => {
        const w = msg.split(' ');
        const to = `${w[3]} ${w[4]}`;
        if (!announced.has(to)) announced.set(to, Date.now());
      });
    }
    const history = recordHistory(independent);
    await waitFor(() => history.values.length > 0, { what: 'history to start' });
    const epochBefore = Number(await independent.get('/redis/epochs/mymaster'));

    let next: string;
    if (how === 'SENTINEL FAILOVER') next = await group.failover();
    else {
      group.servers[0]!.process.killGroup();
      next = await waitFor(() => [...announced.keys()][0], { what: 'a +switch-master after the master died', timeoutMs: 20_000 });
    }
    const i = await waitFor(() => { const k = history.values.indexOf(next); return k >= 0 && k; }, { what: `/redis/master to become ${next}`, timeoutMs: 10_000 });
    const first = announced.get(next);
    expect(first).toBeDefined();
    const lagMs = history.times[i]! - first!;
    console.log(`slow sentinel, ${how}: +switch-master → /redis/master ${lagMs} ms`);
    expect(lagMs).toBeLessThan(500);
    expect(history.values.slice(1)).toEqual([next]);
    expect(await independent.get('/redis/masters/mymaster')).toBe(next);
    expect(Number(await independent.get('/redis/epochs/mymaster'))).toBeGreaterThan(Number.isNaN(epochBefore) ? -1 : epochBefore);
    // The switch was decided from the announcing sentinel, not after a wait on the dead one.
    // The watch on ZooKeeper can fire before the watcher's log line has come through its pipe.
    const written = await watcher.waitForLog((l) => l.event === 'RECORD_WRITTEN' && l.rule === 'newer-epoch' && l.group === 'mymaster', 5_000);
    expect(String(written?.why)).toMatch(/^sentinel 127\.0\.0\.1:\d+ announced/);
  });
});
