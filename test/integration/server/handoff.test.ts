import { describe, expect, it, onTestFailed } from 'vitest';
import { redisClient, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { registerSentinels, replication, startLinkedPair } from './helpers.js';

describe('rolling restart of the master with sentinels', () => {
  it('SIGTERM on the master asks a sentinel to fail over first; no acknowledged write is lost', async () => {
    const hosts = sharedZkHosts();
    // A budget (SHUTDOWN_TIMEOUT_MS/2) that a loaded 2-core machine can meet for a real failover.
    const { a, b } = await startLinkedPair(hosts, { a: { SHUTDOWN_TIMEOUT_MS: '20000' } });
    await registerSentinels(await zkClient(hosts), a.port);
    onTestFailed(() => console.log(a.proc.logs().filter((l) => l.event !== undefined).map((l) => `${String(l.time)} ${String(l.event)} ${String(l.msg)}`).join('\n')));

    // A write acknowledged by a replica (WAIT 1) before the SIGTERM.
    await a.redis.set('last-write', 'kept');
    expect(await a.redis.wait(1, 5_000)).toBeGreaterThanOrEqual(1);

    // A writer that keeps writing to whichever node takes writes (a, then b once a is gone) and
    // remembers every write a node acknowledged with OK, with no WAIT.
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      const clients = [redisClient(a.port), redisClient(b.port)];
      let target = 0;
      for (let i = 0; !stop; i++) {
        const key = `w:${i}`;
        try {
          if ((await clients[target]!.set(key, String(i))) === 'OK') acked.push(key);
        } catch {
          // a went away (or refuses): from now on write to b, which says READONLY until promoted.
          if (target === 0) target = 1;
          else await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    await waitFor(() => acked.length >= 50, { what: '50 writes acknowledged by a', timeoutMs: 10_000 });

    const t0 = Date.now();
    a.proc.signal('SIGTERM');
    expect((await a.proc.exited).code).toBe(0);
    const ackedByA = acked.length;
    console.log(`hand-off: SIGTERM to exit ${Date.now() - t0} ms; ${ackedByA} writes acknowledged by a`);
    expect(a.proc.logs().find((l) => l.event === 'HANDED_OFF')).toMatchObject({ pause: 'selected', atRiskBytes: 0 });
    expect((await replication(b.redis)).role).toBe('master');
    await waitFor(() => acked.length >= ackedByA + 50, { what: '50 writes acknowledged by b after the hand-off', timeoutMs: 10_000 });
    stop = true;
    await writer;

    expect(await b.redis.get('last-write')).toBe('kept');
    const values = await b.redis.mget(...acked);
    const missing = acked.filter((_, i) => values[i] === null);
    expect(missing, `acknowledged writes missing on the new master (of ${acked.length})`).toEqual([]);
  }, 90_000);
});
