import type { Logger, Registration, Supervised, Zk } from '@redis-zk/core';
import type { Follower } from './follow.js';

export interface Running {
  child: Supervised;
  registration: Registration;
  follower: Follower;
  zk: Zk;
  log: Logger;
  shutdown: AbortSignal;
  /** Runs after deregistration and before redis-server is stopped on SIGTERM/SIGINT. */
  beforeStop?: () => Promise<void>;
}

/**
 * Runs until SIGTERM/SIGINT or until redis-server exits. Either way the `/redis/nodes` entry goes
 * first, so nobody picks a node that is going away. Returns the program's exit code.
 */
export async function runUntilExit({ child, registration, follower, zk, log, shutdown, beforeStop }: Running): Promise<number> {
  const signalled = new Promise<'signal'>((resolve) => {
    if (shutdown.aborted) resolve('signal');
    else shutdown.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const first = await Promise.race([child.exited, signalled]);
  follower.close();
  await registration.stop().catch((err: unknown) => log.warn({ err: String(err) }, 'Could not remove the /redis/nodes entry; it vanishes with the session.'));
  if (first === 'signal') {
    log.info({ signal: String(shutdown.reason) }, 'Shutting down: registration removed.');
    await beforeStop?.().catch((err: unknown) => log.warn({ err: String(err) }, 'Could not hand the master role off before stopping.'));
    log.info('Stopping redis-server.');
    const exit = await child.stop();
    log.info({ code: exit.code, signal: exit.signal }, 'redis-server stopped.');
    await zk.close().catch(() => undefined);
    return 0;
  }
  log.error({ code: first.code, signal: first.signal }, `redis-server exited by itself (status ${first.exitCode}); registration removed.`);
  await zk.close().catch(() => undefined);
  return first.exitCode;
}
