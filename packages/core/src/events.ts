/**
 * Every log line that tells what happened carries one of these `event` codes (and the decision's
 * `rule` where a decision made it). Tests, the harness's waits and tools match on them, never on
 * the sentence, which is for people and may be reworded. docs/reference/events.md mirrors this
 * table (checked by a test, with every event logged somewhere).
 */
export const EVENTS = {
  CHILD_STARTED: 'a supervised child (redis-server, redis-sentinel) was started; `pid` is its process id',
  REDIS_STARTING: 'redis-zk-server: starting redis-server with the generated config (`conf`, `bin`)',
  SERVER_UP: 'redis-zk-server: its redis-server answers in the decided role (`role`, `master`) and is registered; the lock is released',
  REDIS_EXITED: 'redis-zk-server: its redis-server exited without being asked to; the wrapper deregisters and exits with its status',
  STOPPING: 'SIGTERM or SIGINT received: the program deregisters, hands off (a master), stops its child and exits (`signal`)',
  HANDED_OFF: 'redis-zk-server: a stopping master handed the role over before stopping (Sentinel mode: `master`, the new one; ZooKeeper mode: `to`, `epoch`, `outageMs`)',
  WAITING_FOR_MASTER: 'redis-zk-sentinel: waiting for a master record before starting redis-sentinel (`path`)',
  SENTINEL_EXITED: 'redis-zk-sentinel: its redis-sentinel exited without being asked to; the wrapper deregisters and exits with its status',
  ZK_CLIENT_REPLACED: 'no new ZooKeeper session came within a session timeout of an expiry: the client is replaced by another (`waitedMs`)',
  ZK_SESSION_RENEWED: 'a new ZooKeeper session replaced an expired one; registrations and watches are re-created',
  SENTINEL_REGISTERED: 'redis-zk-sentinel: its redis-sentinel answers and is registered in /redis/sentinels (`path`, `myid`)',
  LOCK_NODE_REFUSED: "a node in a group's lock that no live session owns (a persistent node) was refused, and removed if it could be (`removed`)",
  FENCE_UP: 'redis-zk-server: the master refuses writes (`rule`: stopped, unconfirmed)',
  FENCE_LIFTED: 'redis-zk-server: the master takes writes again (`rule`: lift-all-sentinels, lift-majority-settled, lift-leadership, lift-no-sentinels, replica)',
  REPLICA_FOLLOWS_SELECTED: 'redis-zk-server: a replica replicates the replica the sentinels selected to replace its master (`master`)',
  RECORD_WRITTEN: "redis-zk-watcher: a group's record written by the authority rule (`rule`: newer-epoch, record-not-from-sentinels, unusable-record, recorded-master-dead, no-record, no-stored-epoch, sync-epoch; `group`, `master`, `epoch`, `why`)",
  RECORD_KEPT: "redis-zk-watcher: a check left the record as it is (`rule`: already-recorded, no-candidate, candidate-not-master, or refuse-older-master at warn level)",
  SWITCH_ANNOUNCED: 'redis-zk-watcher: a sentinel announced +switch-master (`sentinel`, `group`, `from`, `to`, `duplicate`)',
  SWITCH_UNCONFIRMED: "redis-zk-watcher: the announcing sentinel's word alone cannot decide, every sentinel is asked (`rule`: announcer-silent, announcer-mid-failover, announcer-unusable, announcer-names-other, epoch-not-above, lineage-unconfirmed)",
  SWITCH_REFUSED: 'redis-zk-watcher: a malformed +switch-master payload was refused (`sentinel`)',
  SWITCH_IGNORED: 'redis-zk-watcher: a switch of a group it does not monitor was ignored (debug)',
  SUBSCRIBED: 'redis-zk-watcher: subscribed to a sentinel (`sentinel`)',
  SUBSCRIPTION_LOST: 'redis-zk-watcher: lost the subscription to a sentinel (`sentinel`, `remaining`)',
  SENTINEL_NOT_SERVED: 'redis-zk-watcher: a registered sentinel is not handed out by /sentinels (it does not answer, or names another master)',
  SENTINEL_SERVED: 'redis-zk-watcher: a registered sentinel refused before is handed out again',
  ENTRY_IGNORED: 'a ZooKeeper entry that cannot be parsed was ignored (`path`, a preview of `value`)',
  HOOK_DONE: 'redis-zk-watcher: HOOK_COMMAND ran (`outcome`: ok, failed, timeout, not-started; `ms`, `output`)',
} as const;

export type EventCode = keyof typeof EVENTS;
