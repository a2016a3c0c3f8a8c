/**
 * Every log line that tells what happened carries one of these `event` codes (and the decision's
 * `rule` where a decision made it). Tests, the harness's waits and tools match on them, never on
 * the sentence, which is for people and may be reworded. docs/reference/events.md mirrors this
 * table (checked by a test, with every event logged somewhere).
 */
export const EVENTS = {
  CHILD_STARTED: 'a supervised child (redis-server, redis-sentinel) was started; `pid` is its process id',
  SERVER_UP: 'redis-zk-server: its redis-server answers in the decided role (`role`, `master`) and is registered; the lock is released',
  REDIS_EXITED: 'redis-zk-server: its redis-server exited without being asked to; the wrapper deregisters and exits with its status',
  SENTINEL_REGISTERED: 'redis-zk-sentinel: its redis-sentinel answers and is registered in /redis/sentinels (`path`, `myid`)',
  LOCK_NODE_REFUSED: "a node in a group's lock that no live session owns (a persistent node) was refused, and removed if it could be (`removed`)",
  FENCE_UP: 'redis-zk-server: the master refuses writes (`rule`: stopped, unconfirmed)',
  FENCE_LIFTED: 'redis-zk-server: the master takes writes again (`rule`: lift-all-sentinels, lift-majority-settled, lift-leadership, lift-no-sentinels, replica)',
  REPLICA_FOLLOWS_SELECTED: 'redis-zk-server: a replica replicates the replica the sentinels selected to replace its master (`master`)',
  RECORD_WRITTEN: "redis-zk-watcher: a group's record written (`group`, `master`, `epoch`, `why`)",
} as const;

export type EventCode = keyof typeof EVENTS;
