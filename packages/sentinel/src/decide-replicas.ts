/** A replica as our sentinel knows it (SENTINEL REPLICAS <name>). */
export interface KnownReplica {
  /** `<host> <port>` as the replica announced itself. */
  addr: string;
  flags: readonly string[];
  /** How long our sentinel has had no valid reply from it (0 while it answers). */
  downForMs: number;
}

export interface ReplicaGroupObservation {
  name: string;
  /** SENTINEL MASTER <name> flags of the group's master. */
  masterFlags: readonly string[];
  replicas: readonly KnownReplica[];
}

export interface ReplicaObservation {
  groups: readonly ReplicaGroupObservation[];
  /** `<host> <port>` of every live redis-zk-server (/redis/nodes). */
  registered: ReadonlySet<string>;
  /** How long an unregistered replica must have been down before it is called dead. */
  settleMs: number;
}

export interface ReplicaDecision {
  /** `forget`: forget now; `wait`: dead replicas, but not now (failover, unhealthy master); `none`: nothing dead (yet). */
  action: 'forget' | 'wait' | 'none';
  /** `<name>: <host> <port>` of the dead replicas our sentinel still counts. */
  dead: string[];
  /** Unregistered replicas down for less than settleMs: look again after this long. */
  recheckInMs: number | undefined;
  reason: string;
}

const DOWN_FLAGS = ['s_down', 'o_down', 'disconnected'];
/** Sentinel's flags for an instance it cannot reach (o_down only ever marks a master). */
export const isDown = (flags: readonly string[]) => flags.some((f) => DOWN_FLAGS.includes(f));

/**
 * Sentinel never forgets a replica address, and Marathon restarts a task on a new port: without
 * forgetting, every replacement adds one more dead replica to num-slaves. A replica is dead when it
 * is down and no live redis-zk-server announces it — for settleMs, so one restarting in place is
 * not dropped. Forgetting restarts the sentinel for a moment, so never during a failover nor while
 * the master is unhealthy (the other sentinels may need its vote).
 */
export function decideReplicaForget(o: ReplicaObservation): ReplicaDecision {
  const dead: string[] = [];
  const deadGroups = new Set<string>();
  let recheckInMs: number | undefined;
  for (const g of o.groups) {
    for (const r of g.replicas) {
      if (o.registered.has(r.addr) || !isDown(r.flags)) continue;
      if (r.downForMs >= o.settleMs) {
        dead.push(`${g.name}: ${r.addr}`);
        deadGroups.add(g.name);
      } else {
        const left = o.settleMs - r.downForMs;
        recheckInMs = recheckInMs === undefined ? left : Math.min(recheckInMs, left);
      }
    }
  }
  if (dead.length === 0) {
    return {
      action: 'none',
      dead,
      recheckInMs,
      reason:
        recheckInMs === undefined
          ? 'our sentinel counts no dead replica'
          : `our sentinel knows an unregistered replica that has been down for less than ${o.settleMs} ms; it may be restarting, so it is left alone for now`,
    };
  }
  const busy = o.groups.filter((g) => g.masterFlags.includes('failover_in_progress')).map((g) => g.name);
  if (busy.length > 0) {
    return { action: 'wait', dead, recheckInMs, reason: `dead replicas (${dead.join(', ')}) stay for now: a failover is in progress for ${busy.join(', ')} and restarting our sentinel would cost it a vote` };
  }
  const unhealthy = o.groups.filter((g) => isDown(g.masterFlags)).map((g) => g.name);
  if (unhealthy.length > 0) {
    return {
      action: 'wait',
      dead,
      recheckInMs,
      reason: `dead replicas (${dead.join(', ')}) stay for now: the master of ${unhealthy.join(', ')} is not healthy and the sentinel needs its replicas to fail over`,
    };
  }
  return {
    action: 'forget',
    dead,
    recheckInMs,
    reason: `our sentinel still counts replicas that are down for at least ${o.settleMs} ms and not registered in /redis/nodes (${dead.join(', ')}); forgetting them so num-slaves counts only live replicas`,
  };
}
