// Fencing against real ZooKeeper and Redis: a master that can confirm itself through nothing —
// ZooKeeper frozen, no sentinel, its only replica stopped — refuses writes; while its replica is
// attached a ZooKeeper outage alone stops nothing (the failsafe); confirmed again, it takes writes.
import { describe, expect, it } from 'vitest';
import { startZooKeeper, waitFor, redisPidOf } from '../../harness/index.js';
import { type ServerUnderTest, startLinkedPair } from './helpers.js';

const FENCE_AFTER_MS = 1_000;

/** SET's reply: 'OK', or the error's text. */
async function trySet(s: ServerUnderTest, key: string): Promise<string> {
  try {
    return String(await s.redis.set(key, '1'));
  } catch (err) {
    return (err as Error).message;
  }
}

const fenceLines = (s: ServerUnderTest, state: 'up' | 'lifted') => s.proc.logs().filter((l) => l.fence === state);

describe('fencing (FENCING=on, the default)', () => {
  it('keeps writes through a ZooKeeper outage while the replica is attached; refuses them once nothing confirms the master; lifts when the replica is back', async () => {
    const zk = await startZooKeeper();
    // A session long enough that the frozen ZooKeeper expires nobody in this test.
    const env = { FENCE_AFTER_MS: String(FENCE_AFTER_MS), ZK_SESSION_TIMEOUT_MS: '20000', LOG_LEVEL: 'debug' };
    const { a, b } = await startLinkedPair(zk.connectString, { a: env, b: env });
    expect(await trySet(a, 'before')).toBe('OK');
    const replicaRedis = redisPidOf(b);

    await zk.whileFrozen(async () => {
      // 1. ZooKeeper alone is out: the attached replica confirms the master; writes go on.
      const until = Date.now() + 3 * FENCE_AFTER_MS;
      let writes = 0;
      while (Date.now() < until) {
        expect(await trySet(a, `zk-out:${writes}`)).toBe('OK');
        writes += 1;
        await new Promise((r) => setTimeout(r, 100)); // the write rate, not a wait for a condition
      }
      expect(fenceLines(a, 'up')).toEqual([]);

      // 2. Its replica stops too: nothing confirms it, so the fence goes up.
      process.kill(replicaRedis, 'SIGSTOP');
      const t0 = Date.now();
      try {
        const refusal = await waitFor(async () => {
          const r = await trySet(a, 'fenced');
          return r === 'OK' ? false : r;
        }, { what: 'the master to refuse writes', timeoutMs: FENCE_AFTER_MS + 5_000, intervalMs: 50 });
        console.log(`fenced ${Date.now() - t0} ms after the last confirmation source went (FENCE_AFTER_MS=${FENCE_AFTER_MS})`);
        expect(refusal).toMatch(/^NOREPLICAS/);
        // The line follows the CONFIG SET that raised it: waited for, not raced.
        await a.proc.waitForLog((l) => l.fence === 'up', 5_000);
        const up = fenceLines(a, 'up');
        expect(up.length).toBe(1);
        expect(up[0]).toMatchObject({ event: 'FENCE_UP', rule: 'unconfirmed' });
        // Reads still work while fenced.
        expect(await a.redis.get('before')).toBe('1');
      } catch (err) {
        console.log(a.proc.output().split('\n').filter((l) => l.includes('onfirm') || l.includes('ence')).slice(-15).join('\n'));
        throw err;
      } finally {
        process.kill(replicaRedis, 'SIGCONT');
      }

      // 3. The replica answers and is attached again: confirmed, the fence is lifted.
      await waitFor(async () => (await trySet(a, 'lifted')) === 'OK', { what: 'the master to take writes again', timeoutMs: 10_000, intervalMs: 100 });
      // The line follows the CONFIG SET that lifted it: waited for, not raced.
      await a.proc.waitForLog((l) => l.fence === 'lifted', 5_000);
      // No sentinel is registered, so nobody could have promoted the attached replica (rule 10).
      expect(fenceLines(a, 'lifted')[0]).toMatchObject({ event: 'FENCE_LIFTED', rule: 'lift-no-sentinels' });
    });
    // No write was lost: the replica has every one the master said OK to.
    await waitFor(async () => (await b.redis.get('lifted')) === '1', { what: 'the replica to have the last write' });
    expect(await b.redis.get('zk-out:0')).toBe('1');
    expect(await a.redis.config('GET', 'min-replicas-to-write')).toEqual(['min-replicas-to-write', '0']);
  }, 60_000);

  it('FENCING=off: the same master keeps taking writes with nothing to confirm it', async () => {
    const zk = await startZooKeeper();
    const env = { FENCING: 'off', FENCE_AFTER_MS: String(FENCE_AFTER_MS), ZK_SESSION_TIMEOUT_MS: '20000' };
    const { a, b } = await startLinkedPair(zk.connectString, { a: env, b: env });
    const replicaRedis = redisPidOf(b);
    await zk.whileFrozen(async () => {
      process.kill(replicaRedis, 'SIGSTOP');
      try {
        const until = Date.now() + 3 * FENCE_AFTER_MS;
        for (let i = 0; Date.now() < until; i += 1) {
          expect(await trySet(a, `unfenced:${i}`)).toBe('OK');
          await new Promise((r) => setTimeout(r, 100)); // the write rate, not a wait for a condition
        }
      } finally {
        process.kill(replicaRedis, 'SIGCONT');
      }
    });
    expect(fenceLines(a, 'up')).toEqual([]);
  }, 60_000);
});
