import { isRedisZkError } from '../errors.js';
import { parseHostPort, type HostPort } from '../hostport.js';
import { withConnection } from './connection.js';
import type { RedisAuth } from './probe.js';

/**
 * Runs one command on a short-lived connection within `timeoutMs` (connect + reply), for the
 * rare control commands (REPLICAOF, SENTINEL …). Rejects with REDIS_UNREACHABLE/REDIS_TIMEOUT,
 * or REDIS_COMMAND_FAILED when the server answered with an error.
 */
export async function redisCommand(addr: HostPort, auth: RedisAuth, command: string, ...args: (string | number)[]): Promise<unknown> {
  return withConnection(addr, auth, (c) => c.call(command, ...args));
}

/** `SENTINEL get-master-addr-by-name` on one sentinel; undefined when it does not know the name or is unreachable. */
export async function sentinelMasterAddr(sentinel: HostPort, auth: RedisAuth, name: string): Promise<HostPort | undefined> {
  let reply: unknown;
  try {
    reply = await redisCommand(sentinel, auth, 'SENTINEL', 'get-master-addr-by-name', name);
  } catch (err) {
    if (isRedisZkError(err)) return undefined;
    throw err;
  }
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  const parsed = parseHostPort(`${String(reply[0])} ${String(reply[1])}`);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * `SENTINEL MASTER <name>` as a flat key → value map; undefined when unknown or unreachable.
 * `strict`: failures reject (REDIS_UNREACHABLE, REDIS_COMMAND_FAILED "No such master" …), so a
 * caller can tell a sentinel that does not monitor the name from one that does not answer.
 */
export async function sentinelMaster(sentinel: HostPort, auth: RedisAuth, name: string, opts: { strict?: boolean } = {}): Promise<Record<string, string> | undefined> {
  let reply: unknown;
  try {
    reply = await redisCommand(sentinel, auth, 'SENTINEL', 'MASTER', name);
  } catch (err) {
    if (isRedisZkError(err) && opts.strict !== true) return undefined;
    throw err;
  }
  return Array.isArray(reply) ? pairsToRecord(reply) : undefined;
}

/** A Sentinel reply of alternating field names and values (`SENTINEL MASTER`, each `SENTINEL REPLICAS` entry) as a map. */
export function pairsToRecord(reply: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

/**
 * The fence of a master's wrapper (server/fence.ts): `min-replicas-to-write` at this value,
 * beyond any group's size. Anyone who reads that setting can tell a fenced master.
 */
export const FENCED_MIN_REPLICAS = '2147483647';

/** Whether a redis-server is fenced now; undefined when it cannot be asked. */
export async function isFenced(addr: HostPort, auth: RedisAuth): Promise<boolean | undefined> {
  const answer = await redisCommand(addr, auth, 'CONFIG', 'GET', 'min-replicas-to-write').catch(() => undefined);
  return Array.isArray(answer) && answer.length === 2 ? answer[1] === FENCED_MIN_REPLICAS : undefined;
}
