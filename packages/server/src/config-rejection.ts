import { ConfigError } from '@redis-zk/core';

export interface Rejection {
  /** The offending line as redis-server quotes it. */
  line: string;
  reason: string;
  /** Where it came from. */
  source: 'REDIS_CONF' | 'arguments' | 'generated';
}

/**
 * What redis-server's "FATAL CONFIG FILE ERROR" on stderr says, and whose line it is: the user's
 * REDIS_CONF, the arguments after `--`, or (a bug of ours) the generated config.
 */
export function parseRejection(stderr: string, baseConf: string | undefined, extraArgs: readonly string[]): Rejection | undefined {
  const at = stderr.lastIndexOf('*** FATAL CONFIG FILE ERROR');
  if (at === -1) return undefined;
  const lines = stderr.slice(at).split(/\r?\n/);
  const quoted = lines.find((l) => l.startsWith(">>> '"));
  if (quoted === undefined) return undefined;
  const line = quoted.slice(5, quoted.endsWith("'") ? -1 : undefined);
  const reason = (lines[lines.indexOf(quoted) + 1] ?? '').trim() || 'rejected';
  const directive = (line.trim().split(/\s+/)[0] ?? '').toLowerCase();
  const inBase = (baseConf ?? '').split(/\r?\n/).some((l) => l.trim() === line.trim() || (l.trim().split(/\s+/)[0] ?? '').toLowerCase() === directive);
  const inArgs = extraArgs.some((a) => a.replace(/^--/, '').toLowerCase() === directive);
  return { line, reason, source: inArgs ? 'arguments' : inBase ? 'REDIS_CONF' : 'generated' };
}

export function rejectionError(r: Rejection, redisConf: string | undefined): ConfigError | undefined {
  if (r.source !== 'REDIS_CONF' || redisConf === undefined) return undefined;
  return new ConfigError('REDIS_CONF', redisConf, `a redis.conf that redis-server accepts (it rejects '${r.line}': ${r.reason})`);
}
