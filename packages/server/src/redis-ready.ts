import { type HostPort, type RedisAuth, RedisZkError, parseInfo, redisCommand, waitForPing } from '@redis-zk/core';

/** The `process_id` the Redis at `addr` reports in `INFO server`; undefined when it does not tell. */
export async function answeringPid(addr: HostPort, auth: RedisAuth): Promise<number | undefined> {
  const info = await redisCommand(addr, auth, 'INFO', 'server');
  const pid = Number(parseInfo(String(info)).server?.process_id);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function foreignRedisError(addr: HostPort, theirs: number, ours: number): RedisZkError {
  return new RedisZkError(
    'CHILD_START_FAILED',
    `port ${addr.port} is already served by another redis-server (pid ${theirs}), not the one we started (pid ${ours}): PORT0 must be a port nobody else uses`,
  );
}

/**
 * Resolves once our freshly started redis-server (process `pid`) answers PING. It runs while the
 * master-decision lock is held, so every wrapper behind us waits too: poll often (a refused
 * connection costs nothing) instead of core's 100 ms pace, which was most of the time each
 * decision took. Stops polling once `giveUp` settles (the child exited).
 * Any PONG is not enough: when the port is taken, another group's Redis answers while ours
 * failed to bind, and we would register and claim master for it. So the answer must come from
 * our child's pid (supervise keeps the pid: setpriv execs redis-server in place).
 */
export function waitUntilAnswering(
  addr: HostPort,
  auth: RedisAuth,
  pid: number,
  deadlineMs: number,
  giveUp: Promise<unknown>,
  pollMs = 5,
): Promise<void> {
  return waitForPing(addr, auth, deadlineMs, { pollMs, pid, giveUp, foreign: (theirs) => foreignRedisError(addr, theirs, pid) });
}
