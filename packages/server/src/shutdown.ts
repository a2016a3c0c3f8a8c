import {
  formatHostPort,
  type HostPort,
  type Logger,
  parseHostPort,
  probeRedis,
  type RedisAuth,
  redisCommand,
  sameHostPort,
  sentinelMasterAddr,
  type Zk,
  zkPaths,
} from '@redis-zk/core';

export interface HandOffOptions {
  zk: Zk;
  self: HostPort;
  local: HostPort;
  auth: RedisAuth;
  masterName: string;
  log: Logger;
  timeoutMs: number;
}

/**
 * A master stopped on purpose (rolling restart) asks the sentinels to fail over first, so the
 * writes it acknowledged live on in a promoted replica instead of waiting for down-after.
 * Best effort and bounded: any failure just means stopping as before.
 */
export async function handOffMaster(o: HandOffOptions): Promise<void> {
  const own = await probeRedis(o.local, o.auth);
  if (!own.reachable || own.role !== 'master' || own.replicas.length === 0) return;
  const sentinels: HostPort[] = [];
  for (const name of await o.zk.children(zkPaths.SENTINELS).catch(() => [] as string[])) {
    const node = await o.zk.get(`${zkPaths.SENTINELS}/${name}`).catch(() => undefined);
    const p = node ? parseHostPort(node.data.toString('utf8')) : undefined;
    if (p?.ok) sentinels.push(p.value);
  }
  if (sentinels.length === 0) return;
  const deadline = Date.now() + o.timeoutMs;
  for (const s of sentinels.sort(() => Math.random() - 0.5)) {
    try {
      await redisCommand(s, o.auth, 'SENTINEL', 'FAILOVER', o.masterName);
    } catch (err) {
      o.log.warn({ sentinel: formatHostPort(s), err: err instanceof Error ? err.message : String(err) }, 'A sentinel refused to fail over; trying the next.');
      continue;
    }
    o.log.info({ sentinel: formatHostPort(s) }, `Asked sentinel ${formatHostPort(s)} to fail over ${o.masterName} before stopping this master.`);
    while (Date.now() < deadline) {
      const now = await sentinelMasterAddr(s, o.auth, o.masterName);
      if (now !== undefined && !sameHostPort(now, o.self)) {
        o.log.info({ master: formatHostPort(now) }, `The sentinels promoted ${formatHostPort(now)}; stopping.`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    o.log.warn(`No other master was reported within ${o.timeoutMs} ms; stopping anyway.`);
    return;
  }
}
