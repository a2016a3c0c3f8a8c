import { randomBytes } from 'node:crypto';
import type { KnownSentinel } from './sentinel-conf.js';
import { formatHostPort, isRedisZkError, parseHostPort, preview, redisCommand, sameHostPort, zkPaths, type HostPort, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';

const MYID = /^[0-9a-f]{40}$/;

export interface ClaimedId {
  id: string;
  /** The departed sentinel whose id this was, when one was reused. */
  from: HostPort | undefined;
}

/** `SENTINEL MYID` of a sentinel; undefined when it does not answer as a sentinel. */
export async function sentinelMyId(addr: HostPort, auth: RedisAuth): Promise<string | undefined> {
  try {
    const id = String(await redisCommand(addr, auth, 'SENTINEL', 'MYID'));
    return MYID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the myid of a sentinel that is gone, or a new one. Call it under the sentinel membership
 * lock and keep the lock until our sentinel answers with the id: an id is in use exactly while its
 * last owner's address answers SENTINEL MYID with it, whatever ZooKeeper's registrations say (a
 * killed task's ephemeral entry outlives it by a session timeout).
 */
export async function claimSentinelId(zk: Zk, self: HostPort, auth: RedisAuth, log: Logger): Promise<ClaimedId> {
  await zk.mkdirp(zkPaths.SENTINEL_IDS);
  const ids = (await zk.children(zkPaths.SENTINEL_IDS)).sort();
  for (const id of ids.filter((i) => !MYID.test(i))) log.warn({ event: 'ENTRY_IGNORED', node: preview(id) }, `Ignoring ${zkPaths.SENTINEL_IDS}/${preview(id)}: not a sentinel myid (40 hex characters).`);
  // Every owner asked at once: a dead host costs one probe timeout, not one per id.
  const entries = await Promise.all(
    ids
      .filter((id) => MYID.test(id))
      .map(async (id) => {
        const node = await zk.get(zkPaths.sentinelIdOf(id));
        if (node === undefined) return undefined;
        const owner = parseHostPort(node.data.toString('utf8'));
        const free = !owner.ok || sameHostPort(owner.value, self) || (await sentinelMyId(owner.value, auth)) !== id;
        return free ? { id, version: node.stat.version, owner: owner.ok ? owner.value : undefined } : undefined;
      }),
  );
  for (const e of entries) {
    if (e === undefined) continue;
    try {
      await zk.set(zkPaths.sentinelIdOf(e.id), formatHostPort(self), e.version);
    } catch (err) {
      // Someone else claimed it meanwhile (only possible without the lock): look at the next one.
      if (isRedisZkError(err, 'ZK_BAD_VERSION') || isRedisZkError(err, 'ZK_NO_NODE')) continue;
      throw err;
    }
    return { id: e.id, from: e.owner };
  }
  const id = randomBytes(20).toString('hex');
  await zk.create(zkPaths.sentinelIdOf(id), formatHostPort(self));
  return { id, from: undefined };
}

/** The other registered sentinels with their myids (those that answer), for a fresh sentinel.conf. */
export async function knownSentinelsOf(registered: readonly HostPort[], self: HostPort, auth: RedisAuth): Promise<KnownSentinel[]> {
  const others = registered.filter((a) => !sameHostPort(a, self));
  const ids = await Promise.all(others.map((a) => sentinelMyId(a, auth)));
  return others.flatMap((addr, i) => (ids[i] === undefined ? [] : [{ addr, id: ids[i] }]));
}
