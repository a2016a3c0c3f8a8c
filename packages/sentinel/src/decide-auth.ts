/** Redis's answers to a client without the right password. */
const AUTH_ERRORS = /NOAUTH|WRONGPASS|invalid password|invalid username-password|AUTH <password> called without any password configured/i;

/**
 * The line to log when our sentinel cannot monitor a master because of the password, from what
 * the master answered us with the same password: undefined when that was not the cause.
 */
export function authAlarm(o: { group: string; master: string; error: string; passwordSet: boolean }): string | undefined {
  if (!AUTH_ERRORS.test(o.error)) return undefined;
  const ours = o.passwordSet ? 'the REDIS_PASSWORD given to redis-zk-sentinel' : 'no REDIS_PASSWORD (it is unset for redis-zk-sentinel)';
  return `redis-sentinel cannot authenticate to the master ${o.master} of ${o.group} with ${ours}: it answers "${o.error}"; failover is disabled for this group until REDIS_PASSWORD on the sentinels is the servers' password`;
}
