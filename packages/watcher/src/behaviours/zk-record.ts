import { joinHostPort } from '@redis-zk/core';
import type { Reconciler } from '../reconcile.js';
import type { Behaviour } from './behaviour.js';

/**
 * The event says where the master went, but not its config epoch, and a replayed or forged
 * message could name anything: the write is decided by asking the sentinels, as a reconcile.
 */
export function zkRecordBehaviour(reconciler: Reconciler): Behaviour {
  return {
    name: 'zk-record',
    onSwitch: (e) => reconciler.request(e.name, `sentinel ${e.source} announced ${e.name} moving to ${joinHostPort(e.to)}`),
  };
}
