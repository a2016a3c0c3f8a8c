import { isRedisZkError, RedisZkError } from '../errors.js';
import { formatHostPort, parseHostPort, type HostPort } from '../hostport.js';
import { withConnection } from './connection.js';
import { observationFromInfo, type RedisAuth, type RedisProbe } from './probe.js';

/**
 * Runs one command on a short-lived connection within `timeoutMs` (connect + reply), for the
 * rare control commands (REPLICAOF, SENTINEL …). Rejects with REDIS_UNREACHABLE/REDIS_TIMEOUT,
 * or REDIS_COMMAND_FAILED when the server answered with an error.
 */
export async function redisCommand(addr: HostPort, auth: RedisAuth, command: string, ...args: (string | number)[]): Promise<unknown> {
  return withConnection(addr, auth, (c) => c.call(command, ...args));
}

/**
 * Makes a node a replica of `master` and, in the same MULTI, closes its normal and pub/sub
 * clients, as Sentinel does when it converts a master: a client left connected to a demoted
 * master only learns of it from `-READONLY` on its next write, and Sentinel-aware clients
 * (ioredis, redis-py, Ruby's redis) ask the sentinels again only when their connection drops.
 * The calling connection is spared (CLIENT KILL's SKIPME default); replication links are type
 * `replica`/`master` and stay. A pause a planned move left (`CLIENT PAUSE WRITE`) is lifted in the
 * same MULTI: a replica under a write pause does not apply its master's stream either, and the
 * mover's own UNPAUSE can be one of the connections killed here when the node's wrapper demotes
 * it first (CI saw a candidate stall 2 s that way). Rejects like redisCommand.
 */
export async function demoteTo(addr: HostPort, auth: RedisAuth, master: HostPort): Promise<void> {
  await withConnection(addr, auth, async (c) => {
    const replies = await c
      .multi()
      .call('REPLICAOF', master.host, String(master.port))
      .call('CLIENT', 'KILL', 'TYPE', 'normal')
      .call('CLIENT', 'KILL', 'TYPE', 'pubsub')
      .call('CLIENT', 'UNPAUSE')
      .exec();
    if (replies === null) throw new RedisZkError('REDIS_COMMAND_FAILED', `Redis at ${formatHostPort(addr)} discarded the demotion's MULTI`);
    const failed = replies.find(([err]) => err !== null)?.[0];
    if (failed) throw failed;
  });
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

/** `SENTINEL MASTERS` on one sentinel: every group it monitors, by name, each as a map (`ip`, `port`, `flags`, …). */
export async function sentinelMasters(sentinel: HostPort, auth: RedisAuth): Promise<Map<string, Record<string, string>>> {
  const reply = await redisCommand(sentinel, auth, 'SENTINEL', 'MASTERS');
  const entries = Array.isArray(reply) ? reply.filter(Array.isArray).map((entry: unknown[]) => pairsToRecord(entry)) : [];
  return new Map(entries.map((m) => [m.name ?? '', m]));
}

/** `SENTINEL REPLICAS <name>` on one sentinel, each entry as a map (`ip`, `port`, `flags`, `slave-priority`, …). */
export async function sentinelReplicas(sentinel: HostPort, auth: RedisAuth, name: string): Promise<Record<string, string>[]> {
  const reply = await redisCommand(sentinel, auth, 'SENTINEL', 'REPLICAS', name);
  return Array.isArray(reply) ? reply.filter(Array.isArray).map((entry: unknown[]) => pairsToRecord(entry)) : [];
}

/**
 * The fence of a master's wrapper (server/fence.ts): `min-replicas-to-write` at this value,
 * beyond any group's size. Anyone who reads that setting can tell a fenced master.
 */
export const FENCED_MIN_REPLICAS = '2147483647';

type MasterProbe = { probe: RedisProbe; fenced: boolean | undefined };
type Ask = (command: string, ...args: string[]) => Promise<unknown>;

/**
 * A master as the watcher shows it, over one connection: INFO, and whether its wrapper fences it
 * (undefined when that setting cannot be read). Never throws, like probeRedis.
 */
export async function probeMaster(addr: HostPort, auth: RedisAuth): Promise<MasterProbe> {
  try {
    return await withConnection(addr, auth, (c) => askMaster((command, ...args) => c.call(command, ...args)));
  } catch (err) {
    return unreachableMaster(err);
  }
}

/** probeMaster over a link the caller keeps open (the watcher's facts, every second). Never throws. */
export async function probeMasterBy(ask: Ask): Promise<MasterProbe> {
  try {
    return await askMaster(ask);
  } catch (err) {
    return unreachableMaster(err);
  }
}

async function askMaster(ask: Ask): Promise<MasterProbe> {
  const probe = observationFromInfo(String(await ask('INFO')));
  const setting = await ask('CONFIG', 'GET', 'min-replicas-to-write').catch(() => undefined);
  return { probe, fenced: Array.isArray(setting) && setting.length === 2 ? setting[1] === FENCED_MIN_REPLICAS : undefined };
}

function unreachableMaster(err: unknown): MasterProbe {
  return { probe: { reachable: false, error: err instanceof Error ? err.message : String(err) }, fenced: undefined };
}
