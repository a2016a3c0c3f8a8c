/**
 * The lock that serialises `SENTINEL RESET` across all sentinel wrappers of a group, so one
 * sentinel has rediscovered the live set before the next forgets it (beside the master-decision
 * lock `/redis/lock`, never inside it).
 */
export const RESET_LOCK = '/redis/lock-sentinel-reset';
