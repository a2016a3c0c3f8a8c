// Core's one Sentinel-mode hand-off, planned (the old master alive and taking writes), against a
// real group: wrappers, three sentinels, the watcher. The pause is timed by the sentinel's choice
// of replica; these tests hold that pause back to show what guards the old master when the mover
// is late, which no timing of a healthy run would show.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, failOverThroughSentinels, parseZkHosts, probeRedis, readGroupSnapshot, sameHostPort, Zk, zkPaths, type HostPort, type RedisAuth, type SentinelFailoverOptions } from '@redis-zk/core';
import { redisClient, sharedZkHosts, waitFor } from '../../harness/index.js';
import { startFullGroup } from '../../harness/full-group.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { missingKeys } from '../../harness/writer.js';

// The sentinels never fail over by themselves within a test; the wrappers do not fence, so every
// NOREPLICAS seen here is the hand-off's own guard.
const ENV = { SENTINEL_DOWN_AFTER_MS: '30000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000', FENCING: 'off' };
const auth = { password: undefined, timeoutMs: 2_000 };
const local = (port: number): HostPort => ({ host: '127.0.0.1', port });

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** Writes straight to one node, as clients that have not heard of the move; keeps what it said OK to, and the error codes. */
function writerTo(port: number) {
  const client = redisClient(port);
  const acked: { key: string }[] = [];
  const codes = new Set<string>();
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i += 1) {
      const key = `late:${i}`;
      try {
        if ((await client.set(key, String(i))) === 'OK') acked.push({ key });
      } catch (err) {
        codes.add((err instanceof Error ? err.message : String(err)).split(' ')[0]!);
        await new Promise((r) => setTimeout(r, 5)); // the retry rate, not a wait for a condition
      }
    }
  })();
  return {
    acked,
    codes,
    async stop() {
      running = false;
      await done;
      client.disconnect();
    },
  };
}

/**
 * A steady group, a core ZooKeeper client, and the options of a planned move of its master as the
 * mover `as` would make it (its ACL user: `prepare` runs on every server first); a writer straight
 * to the master has 50 writes acknowledged.
 */
async function plannedMove(as: RedisAuth, prepare?: (port: number) => Promise<void>) {
  const hosts = sharedZkHosts();
  const g = await startFullGroup({ zkHosts: hosts, env: ENV });
  const masterPort = await g.steady('the group to form', 60_000);
  for (const s of g.servers) await prepare?.(s.port);
  const zk = await Zk.connect({ ...parseZkHosts(hosts), sessionTimeoutMs: 6_000, connectTimeoutMs: 5_000, auth: undefined }, createLogger('handoff-test', 'silent'));
  open.push(zk);
  const snap = await readGroupSnapshot(zk, 'mymaster', { isDefault: true });
  const from = local(masterPort);
  const own = await probeRedis(from, as);
  if (!own.reachable) throw new Error(`the master does not answer the mover: ${own.error}`);
  const options: SentinelFailoverOptions = {
    zk,
    layout: zkPaths.groupLayout('mymaster', true),
    from,
    candidates: snap.nodes.map((n) => n.addr).filter((a) => !sameHostPort(a, from)),
    previousReplid: own.replid,
    sentinels: snap.sentinels.map((s) => s.addr),
    auth: as,
    sentinelAuth: auth,
    withinMs: 15_000,
    cause: 'switchover',
    planned: { master: from, pauseMs: 5_000 },
  };
  const writer = writerTo(masterPort);
  await waitFor(() => writer.acked.length >= 50, { what: '50 writes acknowledged by the master', timeoutMs: 10_000 });
  return { masterPort, options, writer };
}

/** Every write the old master said OK to is on the new one. */
async function expectNothingLost(to: HostPort, acked: { key: string }[]): Promise<void> {
  const c = redisClient(to.port);
  try {
    expect(await missingKeys(c, acked), `writes the old master acknowledged, missing on the new one (of ${acked.length})`).toEqual([]);
  } finally {
    c.disconnect();
  }
}

describe('core Sentinel hand-off, planned', () => {
  it('a mover whose pause is held back past the promotion: the old master refuses writes by itself (NOREPLICAS) from the promotion on, nothing it acknowledged is lost, and the gap is measured', async () => {
    const { masterPort, options, writer } = await plannedMove(auth);
    // The mover's own connection to the old master goes through a proxy that holds CLIENT PAUSE.
    const proxy = await startTcpProxy(options.from);
    proxy.freezeOn('PAUSE');
    const moving = failOverThroughSentinels({ ...options, planned: { master: local(proxy.port), pauseMs: 5_000 } });
    moving.catch(() => undefined);
    // The sentinel promotes while the pause is held; the old master then refuses by itself.
    await waitFor(async () => (await Promise.all(options.candidates.map((c) => probeRedis(c, auth)))).some((p) => p.reachable && p.role === 'master'), { what: 'a replica promoted while the pause is held', timeoutMs: 10_000 });
    await waitFor(() => writer.codes.has('NOREPLICAS'), { what: 'the old master refusing writes (NOREPLICAS)', timeoutMs: 5_000 });
    proxy.thaw();
    const r = await moving;
    await writer.stop();

    expect(r.pause).toBe('selected');
    expect(r.atRiskBytes).toBeDefined();
    await expectNothingLost(r.to, writer.acked);
    // The move's guard is gone again: the operator's setting (Redis's default, 0) is back.
    const old = redisClient(masterPort);
    try {
      expect(await old.config('GET', 'min-replicas-to-write')).toEqual(['min-replicas-to-write', '0']);
    } finally {
      old.disconnect();
    }
  }, 120_000);

  it('an old master that cannot be guarded (the mover may not use CONFIG) is paused before the sentinel is asked, and its replicas caught up: nothing it acknowledged is lost', async () => {
    // A mover's ACL user with everything but CONFIG, on every server (ACLs are not replicated).
    const mover = { username: 'mover', password: 'mover-password', timeoutMs: 2_000 };
    const { options, writer } = await plannedMove(mover, async (port) => {
      const c = redisClient(port);
      await c.call('ACL', 'SETUSER', 'mover', 'on', '>mover-password', '~*', '&*', '+@all', '-config');
      c.disconnect();
    });
    const r = await failOverThroughSentinels(options);
    await writer.stop();

    expect(r).toMatchObject({ pause: 'before-request', atRiskBytes: 0 });
    expect(writer.codes.has('NOREPLICAS')).toBe(false);
    await expectNothingLost(r.to, writer.acked);
  }, 120_000);
});
