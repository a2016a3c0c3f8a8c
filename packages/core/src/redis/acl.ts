/**
 * What REDIS_USERNAME's ACL user may do, and nothing more: replication (a replica's PSYNC as
 * `masteruser`), Redis Sentinel's monitoring and failover (Redis's documented set for a sentinel
 * user), and the programs' own commands (INFO, REPLICAOF, the fence's and the switchover's
 * CONFIG GET/SET, CLIENT PAUSE/UNPAUSE). No key, no data command, one pub/sub channel: someone who
 * learns this user's password can move a master, not read or write data.
 */
export const OPERATOR_ACL_RULES = [
  'resetchannels',
  '&__sentinel__:hello',
  '-@all',
  // Replication.
  '+psync',
  '+replconf',
  '+ping',
  // Redis Sentinel.
  '+multi',
  '+exec',
  '+slaveof',
  '+replicaof',
  '+config|rewrite',
  '+role',
  '+info',
  '+subscribe',
  '+publish',
  '+client|setname',
  '+client|kill',
  '+script|kill',
  // redis-zk's wrappers and watcher.
  '+config|get',
  '+config|set',
  '+client|pause',
  '+client|unpause',
].join(' ');
