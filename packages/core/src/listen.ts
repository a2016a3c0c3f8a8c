import { RedisZkError } from './errors.js';

/**
 * What a user can do about a port that cannot be listened on, in one line naming the variable
 * at fault (`variable`: the port's setting). `bindIp` is undefined when BIND_IP is unset (all addresses).
 */
export function listenFailure(err: unknown, host: string, port: number, bindIp: string | undefined, variable = 'PORT0'): RedisZkError {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new RedisZkError('LISTEN_FAILED', `${variable}=${port} is already in use (${where}): expected a port no other process listens on (Marathon's port for this task).`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new RedisZkError('LISTEN_FAILED', `BIND_IP=${bindIp ?? host} is not an address of this machine (cannot listen on ${where}): expected one of its interface addresses, or BIND_IP unset to listen on all.`, { cause: err });
    case 'EACCES':
      return new RedisZkError('LISTEN_FAILED', `${variable}=${port} may not be listened on by this user (${where}): expected a port above 1023, or the privilege to bind low ports.`, { cause: err });
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new RedisZkError('LISTEN_FAILED', `Could not listen on ${where} (${variable}=${port}${bindIp === undefined ? '' : `, BIND_IP=${bindIp}`}): ${message}.`, { cause: err });
    }
  }
}
