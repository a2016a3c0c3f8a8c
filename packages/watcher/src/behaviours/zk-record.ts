import { joinHostPort } from '@redis-zk/core';
import type { Reconciler } from '../reconcile.js';
import type { Behaviour } from './behaviour.js';

/**
 * The event says where the master went, but not its config epoch, and a replayed or forged
 * message could name anything: the write is decided by asking the announcing sentinel for the
 * epoch and the new master for ROLE (every sentinel when that is not conclusive).
 */
export function zkRecordBehaviour(reconciler: Reconciler): Behaviour {
  return {
    name: 'zk-record',
    onSwitch: (e) => {
      const why = `sentinel ${e.source} announced ${e.name} moving to ${joinHostPort(e.to)}`;
      return e.sentinel === undefined ? reconciler.request(e.name, why) : reconciler.switched(e.name, { sentinel: e.sentinel, to: e.to }, why);
    },
  };
}
