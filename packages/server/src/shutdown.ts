import { setTimeout as sleep } from 'node:timers/promises';
import {
  electionPick,
  formatHostPort,
  type HostPort,
  isRedisZkError,
  type Logger,
  parseHostPort,
  probeRedis,
  type RedisAuth,
  redisCommand,
  sameHostPort,
  moveMasterInZooKeeper,
  readGroupSnapshot,
  sentinelMasterAddr,
  unfitReason,
  type Zk,
  zkPaths,
} from '@redis-zk/core';

export interface HandOffOptions {
  zk: Zk;
  self: HostPort;
  local: HostPort;
  auth: RedisAuth;
  sentinelAuth: RedisAuth;
  group: zkPaths.GroupLayout;
  log: Logger;
  timeoutMs: number;
}

const POLL_MS = 50;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function registeredSentinels(zk: Zk): Promise<HostPort[]> {
  const names = await zk.children(zkPaths.SENTINELS).catch(() => [] as string[]);
  const values = await Promise.all(names.map((n) => zk.get(`${zkPaths.SENTINELS}/${n}`).catch(() => undefined)));
  return values.flatMap((v) => {
    const p = v ? parseHostPort(v.data.toString('utf8')) : undefined;
    return p?.ok ? [p.value] : [];
  });
}

/**
 * Waits (writes paused) until the online replicas have processed everything this master
 * acknowledged. Returns the replicas that caught up; all of them when possible, because the
 * sentinel picks the replica to promote from its own (possibly stale) view of the offsets.
 */
async function waitForCatchUp(o: HandOffOptions, deadline: number): Promise<HostPort[]> {
  let caught: HostPort[] = [];
  for (;;) {
    const own = await probeRedis(o.local, o.auth);
    if (!own.reachable || own.role !== 'master') return [];
    const online = own.replicas.filter((r) => r.state === 'online');
    // A replica's own INFO is current; the master's view waits for the replica's next ACK (1 s).
    const probes = await Promise.all(online.map((r) => probeRedis({ host: r.host, port: r.port }, o.auth)));
    caught = online.filter((r, i) => {
      const p = probes[i];
      return r.offset >= own.offset || (p !== undefined && p.reachable && p.role === 'slave' && p.offset >= own.offset);
    });
    if (online.length > 0 && caught.length === online.length) return caught;
    if (Date.now() >= deadline) return caught;
    await sleep(POLL_MS);
  }
}

/**
 * A master stopped on purpose (rolling restart) hands the role to a replica through the
 * sentinels first, losing no acknowledged write: it stops accepting writes (CLIENT PAUSE WRITE:
 * clients wait instead of failing, and a write not acknowledged yet never will be here), waits
 * until its replicas have everything, asks a sentinel to fail over, and returns once the
 * sentinels name another master that answers as master. Bounded by timeoutMs; any failure
 * means stopping anyway (still paused, so nothing acknowledged meanwhile is lost either).
 */
export async function handOffMaster(o: HandOffOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const own = await probeRedis(o.local, o.auth);
  if (!own.reachable || own.role !== 'master' || own.replicas.length === 0) return;
  const sentinels = await registeredSentinels(o.zk);
  if (sentinels.length === 0) return;

  // The pause outlives our deadline: redis-server is stopped right after the hand-off anyway.
  await redisCommand(o.local, o.auth, 'CLIENT', 'PAUSE', o.timeoutMs * 4, 'WRITE');
  o.log.info({ event: 'HAND_OFF_STARTED', replicas: own.replicas.length }, 'Writes paused; waiting for the replicas to catch up before asking for a failover.');
  const caught = await waitForCatchUp(o, deadline);
  if (caught.length === 0) {
    o.log.warn({ event: 'HAND_OFF_SKIPPED' }, `No replica caught up with this master within ${o.timeoutMs} ms; stopping without a failover.`);
    return;
  }
  o.log.info({ event: 'HAND_OFF_CAUGHT_UP', caughtUp: caught.map(formatHostPort) }, `${caught.length} replica(s) hold every acknowledged write; asking the sentinels to fail over.`);

  // A sentinel that has not yet connected to a replica answers NOGOODSLAVE: retry until one agrees.
  let asked: HostPort | undefined;
  while (asked === undefined && Date.now() < deadline) {
    for (const s of [...sentinels].sort(() => Math.random() - 0.5)) {
      try {
        await redisCommand(s, o.sentinelAuth, 'SENTINEL', 'FAILOVER', o.group.name);
        asked = s;
        break;
      } catch (err) {
        // INPROG: a failover is already running; waiting for its result is what we want.
        if (isRedisZkError(err, 'REDIS_COMMAND_FAILED') && message(err).includes('INPROG')) {
          asked = s;
          break;
        }
        o.log.debug({ sentinel: formatHostPort(s), err: message(err) }, 'A sentinel refused to fail over; trying the next.');
      }
    }
    if (asked === undefined) await sleep(200);
  }
  if (asked === undefined) {
    o.log.warn({ event: 'HAND_OFF_FAILED' }, `No sentinel agreed to fail over ${o.group.name} within ${o.timeoutMs} ms; stopping anyway.`);
    return;
  }
  o.log.info({ event: 'HAND_OFF_ASKED', sentinel: formatHostPort(asked) }, `Asked sentinel ${formatHostPort(asked)} to fail over ${o.group.name} before stopping this master.`);

  while (Date.now() < deadline) {
    const now = await Promise.all(sentinels.map((s) => sentinelMasterAddr(s, o.sentinelAuth, o.group.name).catch(() => undefined)));
    const other = now.find((a): a is HostPort => a !== undefined && !sameHostPort(a, o.self));
    if (other !== undefined) {
      const p = await probeRedis(other, o.auth);
      if (p.reachable && p.role === 'master') {
        o.log.info({ event: 'HANDED_OFF', master: formatHostPort(other) }, `The sentinels promoted ${formatHostPort(other)}; stopping.`);
        return;
      }
    }
    await sleep(POLL_MS * 2);
  }
  o.log.warn({ event: 'HAND_OFF_FAILED' }, `No other master was confirmed within ${o.timeoutMs} ms; stopping anyway.`);
}

/**
 * FAILOVER_MODE=zookeeper: a master stopped on purpose hands over to the replica an election
 * would pick before it stops, instead of leaving the replicas to elect once its redis-server is
 * gone: core's moveMasterInZooKeeper (writes paused, the replica caught up and promoted, the
 * record and the leadership moved in one transaction, this one re-pointed). Bounded by
 * timeoutMs; on any refusal it stops anyway and the replicas elect as usual.
 */
export async function handOffWithoutSentinels(o: HandOffOptions): Promise<void> {
  const own = await probeRedis(o.local, o.auth);
  if (!own.reachable || own.role !== 'master' || own.replicas.length === 0) return;
  const snap = await readGroupSnapshot(o.zk, o.group.name, { isDefault: o.group.isDefault });
  if (snap.record.kind !== 'valid' || !sameHostPort(snap.record.addr, o.self)) return;
  const members = snap.nodes.map((n) => n.addr);
  const replicas = await Promise.all(own.replicas.map(async (r) => ({ addr: { host: r.host, port: r.port }, probe: await probeRedis({ host: r.host, port: r.port }, o.auth) })));
  const to = electionPick(replicas.filter((r) => unfitReason(r, o.self, members) === undefined));
  if (to === undefined) {
    o.log.warn({ event: 'HAND_OFF_SKIPPED' }, `No replica is fit to take over (${replicas.map((r) => `${formatHostPort(r.addr)}: ${unfitReason(r, o.self, members) ?? 'fit'}`).join('; ') || 'none attached'}); stopping without a hand-off: the replicas elect once this master is gone.`);
    return;
  }
  o.log.info({ event: 'HAND_OFF_STARTED', to: formatHostPort(to) }, `Handing ${o.group.name} over to ${formatHostPort(to)}, the replica an election would pick, before stopping.`);
  try {
    const r = await moveMasterInZooKeeper({ zk: o.zk, layout: o.group, from: o.self, fromCommands: o.local, to, auth: o.auth, lockWaitMs: Math.floor(o.timeoutMs / 3), pauseMs: o.timeoutMs * 4, catchUpMs: Math.floor(o.timeoutMs / 2) });
    o.log.info({ event: 'HANDED_OFF', to: formatHostPort(to), epoch: r.epoch, outageMs: r.outageMs, steps: r.steps }, `Handed ${o.group.name} over to ${formatHostPort(to)} (epoch ${r.epoch}); writes were paused for ${r.outageMs} ms; stopping.`);
  } catch (err) {
    o.log.warn({ event: 'HAND_OFF_FAILED', code: isRedisZkError(err) ? err.code : undefined }, `The hand-off to ${formatHostPort(to)} did not happen (${message(err)}); stopping anyway: the replicas elect once this master is gone.`);
  }
}
