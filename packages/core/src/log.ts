import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values must never reach a log line, at any depth we log. */
const SECRET_KEYS = ['password', 'redisPassword', 'zkAuth', 'auth', 'authPass', 'masterauth', 'requirepass', 'apiToken', 'authorization', 'token'];

/**
 * JSON lines on stdout (Marathon/Mesos collect stdout); secrets are replaced, not dropped, so a
 * reader can see that a value was set.
 */
export function createLogger(name: string, level = 'info'): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino({
    name,
    level,
    base: { program: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
