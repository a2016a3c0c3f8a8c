import { Redis, type RedisOptions } from 'ioredis';
import { RedisZkError } from '../errors.js';
import { joinHostPort, type HostPort } from '../hostport.js';
import type { RedisAuth } from './probe.js';
import { tlsOptions } from '../tls/settings.js';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** ioredis rejects with these when the connection itself failed, not the command. */
function isConnectionFailure(err: unknown): boolean {
  const m = messageOf(err);
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i.test(m);
}

/**
 * What every connection of the programs shares: address, credentials, TLS, the connect timeout.
 * No ready check and no CLIENT SETINFO: Valkey (and Redis 7.2+) answer SETINFO, which the
 * documented ACL rules for REDIS_USERNAME do not grant, and a denied command in ACL LOG is noise
 * an operator would chase. CLIENT SETNAME instead (granted; `redis-zk` in CLIENT LIST): ioredis
 * holds the first command until its reply, so a refused AUTH is what that command reports
 * (WRONGPASS), not the NOAUTH of a command sent before the refusal arrived.
 */
export function linkOptions(addr: HostPort, auth: RedisAuth): RedisOptions {
  return {
    host: addr.host,
    port: addr.port,
    username: auth.username,
    password: auth.password,
    tls: tlsOptions(auth.tls),
    connectTimeout: auth.timeoutMs,
    enableReadyCheck: false,
    disableClientInfo: true,
    connectionName: 'redis-zk',
    showFriendlyErrorStack: false,
  };
}

/**
 * One short-lived connection for `fn`, all within `auth.timeoutMs` (connect + replies), then
 * closed whatever happened. No reconnects, no retries, no offline queue: a dead server must
 * answer "unreachable" quickly, not hang a decision.
 */
export async function withConnection<T>(addr: HostPort, auth: RedisAuth, fn: (client: Redis) => Promise<T>): Promise<T> {
  const where = joinHostPort(addr);
  const client = new Redis({
    ...linkOptions(addr, auth),
    lazyConnect: true,
    commandTimeout: auth.timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    enableOfflineQueue: false,
    autoResubscribe: false,
  });
  let lastError: unknown;
  // ioredis prints unhandled 'error' events; the failure reaches the caller through the promise.
  client.on('error', (err) => (lastError = err));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisZkError('REDIS_TIMEOUT', `Redis at ${where} did not answer within ${auth.timeoutMs} ms`)),
      auth.timeoutMs,
    );
  });
  const work = (async () => {
    try {
      await client.connect();
    } catch (err) {
      throw new RedisZkError('REDIS_UNREACHABLE', `cannot connect to Redis at ${where}: ${messageOf(lastError ?? err)}`, { cause: err });
    }
    try {
      return await fn(client);
    } catch (caught) {
      if (caught instanceof RedisZkError) throw caught;
      // A failed AUTH arrives as an 'error' event and closes the stream; the command then only
      // says the stream is closed, so the earlier error is the one that explains.
      const err = lastError !== undefined && isConnectionFailure(caught) ? lastError : caught;
      if (err instanceof Error && err.name === 'ReplyError') {
        throw new RedisZkError('REDIS_COMMAND_FAILED', `Redis at ${where} refused: ${messageOf(err)}`, { cause: err });
      }
      if (/Command timed out/i.test(messageOf(err))) {
        throw new RedisZkError('REDIS_TIMEOUT', `Redis at ${where} did not answer within ${auth.timeoutMs} ms`, { cause: err });
      }
      if (isConnectionFailure(err)) {
        throw new RedisZkError('REDIS_UNREACHABLE', `lost the connection to Redis at ${where}: ${messageOf(err)}`, { cause: err });
      }
      throw new RedisZkError('REDIS_COMMAND_FAILED', `Redis at ${where} refused: ${messageOf(err)}`, { cause: err });
    }
  })();
  work.catch(() => {}); // settled by the race below; avoid an unhandled rejection after a timeout
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** A connection kept open (reconnecting) for one caller that must act in one round trip. */
export interface KeptConnection {
  command(command: string, ...args: (string | number)[]): Promise<unknown>;
  close(): void;
}

/**
 * Unlike withConnection: opened once and kept, reconnecting every 100 ms when the server goes
 * away; each command still fails within `auth.timeoutMs`.
 */
export function keptConnection(addr: HostPort, auth: RedisAuth): KeptConnection {
  const client = new Redis({
    ...linkOptions(addr, auth),
    commandTimeout: auth.timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
  });
  // Failures reach the caller through each command's promise.
  client.on('error', () => undefined);
  return {
    command: (command, ...args) => client.call(command, ...args),
    close: () => client.disconnect(),
  };
}
