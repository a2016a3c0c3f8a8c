import type { Zk } from './client.js';

/**
 * The ZooKeeper lock recipe: an ephemeral sequential `<dir>/lock-<uuid>-` node; the lowest
 * sequence holds the lock; each waiter watches only its predecessor; a `create` whose reply was
 * lost is recovered by finding our unique prefix among the children.
 */
export class Lock {
  constructor(_zk: Zk, _dir: string) {
    throw new Error('not implemented');
  }
  /** Resolves once held; rejects with LOCK_TIMEOUT after `timeoutMs` (withdrawing our node). */
  async acquire(_opts?: { timeoutMs?: number; onWait?: (holder: string) => void }): Promise<void> {
    throw new Error('not implemented');
  }
  /** True while held and the session that took it is alive. */
  get held(): boolean {
    throw new Error('not implemented');
  }
  async release(): Promise<void> {
    throw new Error('not implemented');
  }
}
