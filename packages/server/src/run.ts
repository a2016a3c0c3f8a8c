import type { Follower } from './follow.js';
import type { Logger, Registration, Supervised, Zk } from '@redis-zk/core';

export interface Running {
  child: Supervised;
  registration: Registration;
  follower: Follower;
  zk: Zk;
  log: Logger;
  shutdown: AbortSignal;
}

/**
 * Runs until SIGTERM/SIGINT or until redis-server exits. Either way the `/redis/nodes` entry goes
 * first, so nobody picks a node that is going away. Returns the program's exit code.
 */
export async function runUntilExit({ child, registration, follower, zk, log, shutdown }: Running): Promise<number> {
  const signalled = new Promise<'signal'>((resolve) => {
    if (shutdown.aborted) resolve('signal');
    else shutdown.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const first = await Promise.race([child.exited, signalled]);
  follower.close();
  await registration.stop().catch((err: unknown) => log.warn({ err: String(err) }, 'Could not remove the /redis/nodes entry; it vanishes with the session.'));
  if (first === 'signal') {
    log.info({ signal: String(shutdown.reason) }, 'Shutting down: registration removed, stopping redis-server.');
    const exit = await child.stop();
    log.info({ code: exit.code, signal: exit.signal }, 'redis-server stopped.');
    await zk.close().catch(() => undefined);
    return 0;
  }
  log.error({ code: first.code, signal: first.signal }, `redis-server exited by itself (status ${first.exitCode}); registration removed.`);
  await zk.close().catch(() => undefined);
  return first.exitCode;
}
