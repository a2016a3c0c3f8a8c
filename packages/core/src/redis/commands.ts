import type { HostPort } from '../hostport.js';
import type { RedisAuth } from './probe.js';

/**
 * Runs one command on a short-lived connection within `timeoutMs` (connect + reply), for the
 * rare control commands (REPLICAOF, SENTINEL …). Rejects with REDIS_UNREACHABLE/REDIS_TIMEOUT.
 */
export async function redisCommand(_addr: HostPort, _auth: RedisAuth, _command: string, ..._args: (string | number)[]): Promise<unknown> {
  throw new Error('not implemented');
}

/** `SENTINEL get-master-addr-by-name` on one sentinel; undefined when it does not know the name or is unreachable. */
export async function sentinelMasterAddr(_sentinel: HostPort, _auth: RedisAuth, _name: string): Promise<HostPort | undefined> {
  throw new Error('not implemented');
}

/** `SENTINEL MASTER <name>` as a flat key → value map; undefined when unknown or unreachable. */
export async function sentinelMaster(_sentinel: HostPort, _auth: RedisAuth, _name: string): Promise<Record<string, string> | undefined> {
  throw new Error('not implemented');
}
