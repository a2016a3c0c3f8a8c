import { type HostPort, type RedisAuth, RedisZkError, formatHostPort, redisCommand } from '@redis-zk/core';

/**
 * Resolves once our freshly started redis-server answers PING. It runs while the master-decision
 * lock is held, so every wrapper behind us waits too: poll often (a refused connection costs
 * nothing) instead of core's 100 ms pace, which was most of the time each decision took.
 * Stops polling once `giveUp` settles (the child exited).
 */
export async function waitUntilAnswering(addr: HostPort, auth: RedisAuth, deadlineMs: number, giveUp: Promise<unknown>, pollMs = 5): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = 'no attempt made';
  let gaveUp = false;
  void giveUp.then(() => (gaveUp = true));
  while (Date.now() < until && !gaveUp) {
    try {
      const timeoutMs = Math.max(50, Math.min(auth.timeoutMs, until - Date.now()));
      if ((await redisCommand(addr, { ...auth, timeoutMs }, 'PING')) === 'PONG') return;
      last = 'unexpected reply';
    } catch (err) {
      // Refused while it starts, LOADING while it reads its data: both are what we wait for.
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new RedisZkError('REDIS_TIMEOUT', `redis-server at ${formatHostPort(addr)} did not answer PING within ${deadlineMs} ms (last: ${last})`);
}
