import { whenAborted, within, type ChildExit, type Logger, type Registration, type Supervised, type Zk } from '@redis-zk/core';
import type { Follower } from './follow.js';

export interface Running {
  child: Supervised;
  registration: Registration;
  follower: Follower;
  zk: Zk;
  log: Logger;
  shutdown: AbortSignal;
  /** SHUTDOWN_TIMEOUT_MS: the whole SIGTERM path (deregister, hand off, stop redis-server) fits in it. */
  shutdownTimeoutMs: number;
  /** Runs after deregistration and before redis-server is stopped on SIGTERM/SIGINT. */
  beforeStop?: () => Promise<void>;
  /** Runs first when redis-server exits by itself (the crash failover), bounded by crashBudgetMs. */
  onCrash?: () => Promise<void>;
  crashBudgetMs?: number;
}

/** Longest wait for ZooKeeper to confirm a removal or a close: a hung ZooKeeper must not hold up a stop. */
const ZK_STEP_MAX_MS = 2_000;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, ms)).unref());

/**
 * Removes the `/redis/nodes` entry so nobody picks a node that is going away, waiting at most
 * `ms`: when ZooKeeper does not answer, the entry vanishes with our session anyway.
 */
async function deregister(registration: Registration, log: Logger, ms: number): Promise<void> {
  const r = await within(registration.stop(), ms);
  if (r.outcome === 'done') log.info({ event: 'DEREGISTERED', node: registration.path }, 'Removed our /redis/nodes entry.');
  else if (r.outcome === 'timeout') log.warn({ event: 'DEREGISTER_FAILED', node: registration.path, waitedMs: ms }, `ZooKeeper did not confirm the removal of our /redis/nodes entry within ${ms} ms; going on (it vanishes when our session ends).`);
  else log.warn({ event: 'DEREGISTER_FAILED', node: registration.path, err: messageOf(r.err) }, 'Could not remove our /redis/nodes entry; going on (it vanishes when our session ends).');
}

async function closeZk(zk: Zk, log: Logger): Promise<void> {
  if ((await within(zk.close(), ZK_STEP_MAX_MS)).outcome === 'timeout') log.warn({ event: 'ZK_CLOSE_TIMEOUT' }, `The ZooKeeper session did not close within ${ZK_STEP_MAX_MS} ms; exiting anyway.`);
}

/**
 * Runs until SIGTERM/SIGINT or until redis-server exits, and says at once which it was. Either
 * way the `/redis/nodes` entry goes first (bounded), so nobody picks a node that is going away.
 * The SIGTERM path stays within shutdownTimeoutMs (plus the ZooKeeper close) whatever ZooKeeper
 * does, so Marathon's kill grace period never has to SIGKILL us. Returns the exit code.
 */
export async function runUntilExit({ child, registration, follower, zk, log, shutdown, shutdownTimeoutMs, beforeStop, onCrash, crashBudgetMs = 3_000 }: Running): Promise<number> {
  const first = await Promise.race([child.exited, whenAborted(shutdown, 'signal' as const)]);
  const t0 = Date.now();
  follower.close();
  const zkStepMs = Math.min(ZK_STEP_MAX_MS, Math.ceil(shutdownTimeoutMs / 5));

  if (first !== 'signal') {
    log.error({ event: 'REDIS_EXITED', code: first.code, signal: first.signal }, `redis-server exited by itself (status ${first.exitCode}); deregistering and exiting with its status.`);
    // Before anything else: a master's replicas wait for a new master from this moment on.
    if (onCrash !== undefined) await within(onCrash(), crashBudgetMs);
    await deregister(registration, log, zkStepMs);
    await closeZk(zk, log);
    return first.exitCode;
  }

  const deadline = t0 + shutdownTimeoutMs;
  log.info({ event: 'STOPPING', signal: String(shutdown.reason), shutdownTimeoutMs }, `Received ${String(shutdown.reason)}; shutting down within ${shutdownTimeoutMs} ms.`);
  await deregister(registration, log, zkStepMs);
  if (beforeStop !== undefined) {
    // Leave a quarter of the budget for redis-server's own stop.
    const budget = Math.ceil(t0 + shutdownTimeoutMs * 0.75 - Date.now());
    const r = await within(beforeStop(), budget);
    if (r.outcome === 'timeout') log.warn({ event: 'HAND_OFF_FAILED' }, `The master hand-off did not finish within ${Math.max(0, budget)} ms; stopping redis-server anyway.`);
    else if (r.outcome === 'failed') log.warn({ event: 'HAND_OFF_FAILED', err: messageOf(r.err) }, 'Could not hand the master role off before stopping.');
  }
  log.info({ event: 'CHILD_STOPPING' }, 'Stopping redis-server.');
  const stopped = child.stop();
  let exit: ChildExit | 'timeout' = await Promise.race([stopped, sleep(deadline - Date.now())]);
  if (exit === 'timeout') {
    log.warn({ event: 'CHILD_KILLED', pid: child.pid }, `redis-server did not exit within SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs} ms) of ${String(shutdown.reason)}; sending SIGKILL.`);
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    exit = await child.exited;
  }
  log.info({ event: 'CHILD_STOPPED', code: exit.code, signal: exit.signal }, `redis-server stopped (status ${exit.exitCode}).`);
  await closeZk(zk, log);
  return 0;
}
