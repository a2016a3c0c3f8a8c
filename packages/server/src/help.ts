import { variablesFor } from '@redis-zk/core';

function envTable(): string {
  return variablesFor('server')
    .map((v) => `  ${v.name.padEnd(24)} ${v.meaning} (default: ${v.default})`)
    .join('\n');
}

export const HELP = `
redis-zk-server — runs redis-server as the master or a replica of a group coordinated in ZooKeeper.

Usage: redis-zk-server [-- <extra redis-server arguments>]

Its group is MASTER_NAME. The default group (MASTER_NAME = DEFAULT_MASTER_NAME, default
mymaster) uses /redis/lock, /redis/nodes and /redis/master; any other group uses
/redis/groups/<name>/lock, /redis/groups/<name>/nodes and /redis/masters/<name>. Below, for the
default group: under the lock /redis/lock it reads /redis/master, asks the live sentinels and the
other live wrappers (/redis/nodes), and decides: replicate the live master, claim the master
role (nobody holds data), hand it to the live node with the most data, or wait for the
sentinels to promote one (never an empty master over replicas that hold data). It then starts
redis-server (generated config in REDIS_DATA_DIR, mode 0600), registers /redis/nodes/<uuid> once
redis-server answers, releases the lock, and follows later changes of /redis/master.

While its redis-server is a master it fences (FENCING=on): unconfirmed for FENCE_AFTER_MS by
ZooKeeper, a majority of the sentinels or all its replicas, it refuses writes (-NOREPLICAS).
With FAILOVER_MODE=zookeeper there are no sentinels: the master holds /redis/leader through its
session, and when it is gone the replicas elect one of them under the lock.

Environment:
${envTable()}

Exit codes:
  0    stopped by SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS (redis-server stopped; registration
       removed, or left to vanish with the session when ZooKeeper does not answer within 2 s)
  1    runtime failure (ZooKeeper unreachable within ZK_CONNECT_TIMEOUT_MS, redis-server could not start…)
  2    bad configuration (one line on stderr naming the variable; also PORT0 already in use, or a
       MASTER_NAME/DEFAULT_MASTER_NAME that would join another group's lock: GROUP_MISMATCH)
  N    redis-server exited by itself with status N (128+signal when killed by a signal)
`;
