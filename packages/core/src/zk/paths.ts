/** The ZooKeeper layout (docs/concepts/zookeeper-contract.md), relative to the connect string's chroot. */
export const ROOT = '/redis';
export const MASTER = '/redis/master';
export const MASTERS = '/redis/masters';
export const SENTINELS = '/redis/sentinels';
export const NODES = '/redis/nodes';
export const LOCK = '/redis/lock';
export const LEADER = '/redis/leader';
/**
 * Beside the records, never inside them (their format is fixed): the sentinels' config epoch of
 * the master each `/redis/masters/<name>` holds, as a decimal number. Written by the watcher in
 * the same transaction as the record.
 */
export const EPOCHS = '/redis/epochs';
/**
 * Each group's last master changes (`/redis/history/<name>`, a JSON array, newest last, at most
 * 100), written in the same transaction as the record, so it cannot disagree with it.
 */
export const HISTORY = '/redis/history';
export function historyOf(name: string): string {
  return `${HISTORY}/${name}`;
}

/**
 * Maintenance mode: `/redis/paused/<name>` exists while the group is paused (its JSON says who,
 * when and why); each program's ephemeral `/redis/pause-applied/<name>/<who>` says what it applied.
 */
export const PAUSED = '/redis/paused';
export const PAUSE_APPLIED = '/redis/pause-applied';
export function pausedOf(name: string): string {
  return `${PAUSED}/${name}`;
}
export function pauseAppliedDirOf(name: string): string {
  return `${PAUSE_APPLIED}/${name}`;
}

/**
 * Groups other than the default keep their decision lock and live-node registry here
 * (`/redis/groups/<name>/lock`, `/redis/groups/<name>/nodes`). The default group keeps 0.1.0's
 * `/redis/lock` and `/redis/nodes`, so old and new servers of a rolling upgrade share one lock.
 */
export const GROUPS = '/redis/groups';

/** Where one group lives in ZooKeeper. */
export interface GroupLayout {
  name: string;
  isDefault: boolean;
  /** `/redis/masters/<name>`; the default group's is mirrored in `/redis/master`. */
  record: string;
  /** The node clients read and programs watch: `/redis/master` for the default group, else `record`. */
  published: string;
  epoch: string;
  lock: string;
  nodes: string;
  /**
   * FAILOVER_MODE=zookeeper: the master's leadership, an ephemeral node of its wrapper's session
   * holding `<host> <port>` (`/redis/leader` for the default group).
   */
  leader: string;
}

export function groupLayout(name: string, isDefault: boolean): GroupLayout {
  const own = `${GROUPS}/${name}`;
  return {
    name,
    isDefault,
    record: masterOf(name),
    published: isDefault ? MASTER : masterOf(name),
    epoch: epochOf(name),
    lock: isDefault ? LOCK : `${own}/lock`,
    nodes: isDefault ? NODES : `${own}/nodes`,
    leader: isDefault ? LEADER : `${own}/leader`,
  };
}

export function masterOf(name: string): string {
  return `${MASTERS}/${name}`;
}
export function epochOf(name: string): string {
  return `${EPOCHS}/${name}`;
}
/**
 * Serialises `SENTINEL RESET` across all sentinel wrappers, so one sentinel has rediscovered the
 * live set before the next forgets departed ones (beside the master-decision lock, never in it).
 */
export const SENTINEL_RESET_LOCK = '/redis/lock-sentinel-reset';
/**
 * The myids sentinels have used (`/redis/sentinel-ids/<myid>`, persistent, data: `<host> <port>`
 * of its last owner). A sentinel that starts takes the id of one that is gone, so the other
 * sentinels replace the departed entry by Sentinel's own rule (same run id at a new address)
 * instead of piling it up or needing a reset.
 */
export const SENTINEL_IDS = '/redis/sentinel-ids';
export function sentinelIdOf(id: string): string {
  return `${SENTINEL_IDS}/${id}`;
}
