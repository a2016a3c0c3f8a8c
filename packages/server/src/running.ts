import type { HostPort, Logger, RedisAuth, Zk, zkPaths } from '@redis-zk/core';

/** What every loop that runs beside our redis-server (follow, fencing, leadership) works with. */
export interface RunningServer {
  zk: Zk;
  /** Our announced address, as the group's records and registries name us. */
  self: HostPort;
  /** Where our own redis-server is reached for INFO, REPLICAOF and CONFIG. */
  local: HostPort;
  group: zkPaths.GroupLayout;
  auth: RedisAuth;
  /** For the registered sentinels (SENTINEL_PASSWORD). */
  sentinelAuth: RedisAuth;
  log: Logger;
  /** Whether the group is paused now (maintenance mode), as last read from ZooKeeper. */
  paused: () => boolean;
}
