import {
  demoteTo,
  electionPick,
  failOverThroughSentinels,
  formatHostPort,
  type HostPort,
  isRedisZkError,
  type Logger,
  probeRedis,
  type RedisAuth,
  redisCommand,
  sameHostPort,
  moveMasterInZooKeeper,
  readGroupSnapshot,
  type GroupSnapshot,
  type ProbedReplica,
  type RedisObservation,
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

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * What both hand-offs start from, read after the SIGTERM: our redis-server is the recorded master
 * with replicas attached (and, with `needSentinels`, sentinels are registered), and which of its
 * replicas may take over (core unfitReason), with what our redis-server's INFO said. Undefined,
 * with the reason logged, when there is nothing to hand off; `then` says what happens instead.
 */
async function fitReplicas(o: HandOffOptions, needSentinels: boolean, then: string): Promise<{ own: RedisObservation; snap: GroupSnapshot; fit: ProbedReplica[] } | undefined> {
  const skip = (why: string, level: 'info' | 'warn' = 'warn') => {
    o.log[level]({ event: 'HAND_OFF_SKIPPED' }, `${why}: stopping without a hand-off${then}.`);
    return undefined;
  };
  const own = await probeRedis(o.local, o.auth);
  if (!own.reachable || own.role !== 'master') return skip(`Our redis-server is ${own.reachable ? `a ${own.role}` : `not answering (${own.error})`}`, 'info');
  if (own.replicas.length === 0) return skip('No replica is attached', 'info');
  const snap = await readGroupSnapshot(o.zk, o.group.name, { isDefault: o.group.isDefault });
  if (snap.record.kind !== 'valid' || !sameHostPort(snap.record.addr, o.self)) return skip(`${o.group.published} does not name this node`);
  if (needSentinels && snap.sentinels.length === 0) return skip('No sentinel is registered');
  const members = snap.nodes.map((n) => n.addr);
  const replicas = await Promise.all(own.replicas.map(async (r) => ({ addr: { host: r.host, port: r.port }, probe: await probeRedis({ host: r.host, port: r.port }, o.auth) })));
  const fit = replicas.filter((r) => unfitReason(r, o.self, members) === undefined);
  if (fit.length === 0) return skip(`No replica is fit to take over (${replicas.map((r) => `${formatHostPort(r.addr)}: ${unfitReason(r, o.self, members) ?? 'fit'}`).join('; ')})`);
  return { own, snap, fit };
}

/**
 * A master stopped on purpose (rolling restart) hands the role to a replica through the sentinels
 * first, losing no acknowledged write: core's one Sentinel hand-off asks a sentinel to fail over
 * and pauses our writes (CLIENT PAUSE WRITE: clients wait instead of failing) when that sentinel
 * selects the replica, a tick before it promotes it; the promoted replica is checked to hold the
 * paused offset, confirmed by its lineage and recorded. Our clients are then closed (core
 * demoteTo), so they ask again at once. Bounded by timeoutMs; any failure means stopping anyway,
 * paused, so nothing acknowledged meanwhile is lost either.
 */
export async function handOffMaster(o: HandOffOptions): Promise<void> {
  const deadline = performance.now() + o.timeoutMs;
  const found = await fitReplicas(o, true, '');
  if (found === undefined) return;
  const { own, snap } = found;
  const fit = found.fit.map((r) => r.addr);
  o.log.info({ event: 'HAND_OFF_STARTED', replicas: fit.map(formatHostPort) }, `Handing ${o.group.name} over through the sentinels before stopping; writes pause when a sentinel selects the replica.`);
  // The pause outlives our deadline: redis-server is stopped right after the hand-off anyway.
  const pause = () => redisCommand(o.local, o.auth, 'CLIENT', 'PAUSE', o.timeoutMs * 4, 'WRITE').catch(() => undefined);
  try {
    const r = await failOverThroughSentinels({
      zk: o.zk,
      layout: o.group,
      from: o.self,
      candidates: fit,
      previousReplid: own.replid,
      sentinels: snap.sentinels.map((s) => s.addr),
      auth: o.auth,
      sentinelAuth: o.sentinelAuth,
      withinMs: Math.max(0, deadline - performance.now()),
      cause: 'hand-off',
      planned: { master: o.local, pauseMs: o.timeoutMs * 4 },
    });
    // Clients waited from the pause on.
    const outageMs = r.pausedAt === undefined ? undefined : Math.round(performance.now() - r.pausedAt);
    // Our clients wait on the pause: closed, they ask again and find the new master.
    await demoteTo(o.local, o.auth, r.to).catch(() => undefined);
    if (r.atRiskBytes !== undefined && r.atRiskBytes > 0) o.log.error({ event: 'WRITES_AT_RISK', master: formatHostPort(r.to), atRiskBytes: r.atRiskBytes, steps: r.steps }, `The pause reached our redis-server after ${formatHostPort(r.to)} was promoted: up to ${r.atRiskBytes} bytes of writes it acknowledged in between are not on the new master.`);
    o.log.info({ event: 'HANDED_OFF', master: formatHostPort(r.to), epoch: r.epoch, outageMs, pause: r.pause, atRiskBytes: r.atRiskBytes, steps: r.steps }, `Handed ${o.group.name} over to ${formatHostPort(r.to)} through the sentinels; ${outageMs === undefined ? 'our redis-server had stopped by itself' : `writes were paused for ${outageMs} ms`}; stopping.`);
  } catch (err) {
    await pause();
    o.log.warn({ event: 'HAND_OFF_FAILED', code: isRedisZkError(err) ? err.code : undefined }, `The hand-off did not complete (${message(err)}); stopping anyway, writes paused: the sentinels fail over once this master is gone.`);
  }
}

/**
 * FAILOVER_MODE=zookeeper: a master stopped on purpose hands over to the replica an election
 * would pick before it stops, instead of leaving the replicas to elect once its redis-server is
 * gone: core's moveMasterInZooKeeper (writes paused, the replica caught up and promoted, the
 * record and the leadership moved in one transaction, this one re-pointed). Bounded by
 * timeoutMs; on any refusal it stops anyway and the replicas elect as usual.
 */
export async function handOffWithoutSentinels(o: HandOffOptions): Promise<void> {
  const found = await fitReplicas(o, false, ': the replicas elect once this master is gone');
  if (found === undefined) return;
  const to = electionPick(found.fit)!;
  o.log.info({ event: 'HAND_OFF_STARTED', to: formatHostPort(to) }, `Handing ${o.group.name} over to ${formatHostPort(to)}, the replica an election would pick, before stopping.`);
  try {
    const r = await moveMasterInZooKeeper({ zk: o.zk, layout: o.group, from: o.self, fromCommands: o.local, to, auth: o.auth, lockWaitMs: Math.floor(o.timeoutMs / 3), pauseMs: o.timeoutMs * 4, catchUpMs: Math.floor(o.timeoutMs / 2), cause: 'hand-off' });
    o.log.info({ event: 'HANDED_OFF', to: formatHostPort(to), epoch: r.epoch, outageMs: r.outageMs, steps: r.steps }, `Handed ${o.group.name} over to ${formatHostPort(to)} (epoch ${r.epoch}); writes were paused for ${r.outageMs} ms; stopping.`);
  } catch (err) {
    o.log.warn({ event: 'HAND_OFF_FAILED', code: isRedisZkError(err) ? err.code : undefined }, `The hand-off to ${formatHostPort(to)} did not happen (${message(err)}); stopping anyway: the replicas elect once this master is gone.`);
  }
}
