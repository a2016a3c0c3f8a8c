import {
  formatHostPort,
  type HostPort,
  probeRedis,
  redisCommand,
  type Supervised,
  linkAuths,
  loadServerConfig,
  Registration,
  RedisZkError,
  resolveAddress,
  runProgram,
  Zk,
  zkPaths,
  Pauses,
  PauseAck,
  pauseAckName,
} from '@redis-zk/core';
import { readFile } from 'node:fs/promises';
import { parseRejection, rejectionError } from './config-rejection.js';
import { follow } from './follow.js';
import { startFencing } from './fence.js';
import { startLeadership, takeLeadership } from './leadership.js';
import { startRoleHttp } from './http.js';
import { serverMetrics } from './metrics.js';
import { HELP } from './help.js';
import { checkBaseConf, startRedisServer } from './redis-process.js';
import { answeringPid, foreignRedisError, waitUntilAnswering } from './redis-ready.js';
import { checkPortFree } from './port-check.js';
import { runUntilExit } from './run.js';
import { handOffMaster, handOffWithoutSentinels } from './shutdown.js';
import { failOverAfterCrash } from './crash-failover.js';
import { decideUnderLock } from './startup.js';
import { HOLD } from './decide.js';
import { hasPersistedData } from './persisted.js';
import { decideGroupIdentity } from './decide-group.js';
import { readGroupIdentity } from './observe.js';

const REDIS_START_DEADLINE_MS = 60_000;
/** The crash failover's whole budget: the wrapper exits (and Marathon replaces the task) after it. */
const CRASH_FAILOVER_MS = 3_000;

await runProgram({
  name: 'redis-zk-server',
  help: HELP,
  childArgs: true,
  async run(ctx) {
    const config = loadServerConfig(ctx.env, ctx.args);
    const log = ctx.makeLogger(config.logLevel);
    await checkBaseConf(config.redisConf);

    // 1. Our announced address and port.
    const address = await resolveAddress(config);
    const self = { host: address.announce, port: config.port };
    const local = { host: address.local, port: config.port };
    const { redis: auth, sentinel: sentinelAuth } = linkAuths(config);
    const group = zkPaths.groupLayout(config.masterName, config.masterName === config.defaultMasterName);
    log.info({ event: 'STARTING', announce: formatHostPort(self), bind: address.listen, source: address.source, masterName: config.masterName, defaultGroup: group.isDefault }, 'redis-zk-server starting.');

    await checkPortFree(address.listen, config.port, auth);

    // 2. ZooKeeper, then the lock.
    const zk = await Zk.connect(config.zk, log);
    try {
      await Promise.all([zk.mkdirp(group.nodes), zk.mkdirp(group.lock), zk.mkdirp(zkPaths.MASTERS), zk.mkdirp(zkPaths.EPOCHS)]);
      // Never join another group's lock (a 0.1.0 group under another name is the default one).
      const identity = decideGroupIdentity(await readGroupIdentity(zk, group, config.defaultMasterName));
      if (identity.action === 'refuse') throw new RedisZkError('GROUP_MISMATCH', identity.reason);
      log.info({ event: 'GROUP_IDENTIFIED', lock: group.lock, nodes: group.nodes, record: group.record }, identity.reason);

      // redis-server as a supervised child, announcing our address; resolves once it answers as
      // the process we started, or with the exit code to give (said in one line).
      const startChild = async (replicaOf: HostPort | undefined): Promise<Supervised | number> => {
        const child = await startRedisServer(config, address.listen.join(' '), self, replicaOf, log);
        const started = await Promise.race([
          waitUntilAnswering(local, auth, child.pid, REDIS_START_DEADLINE_MS, child.exited).then(() => 'up' as const),
          child.exited,
        ]);
        if (started === 'up') return child;
        // A config redis-server rejects: say whose line it is (REDIS_CONF is a configuration error).
        const rejected = parseRejection(child.stderrTail(), config.redisConf === undefined ? undefined : await readFile(config.redisConf, 'utf8').catch(() => undefined), config.extraArgs);
        if (rejected !== undefined) {
          const err = rejectionError(rejected, config.redisConf);
          if (err !== undefined) throw err;
          log.error({ event: 'REDIS_CONFIG_REJECTED', line: rejected.line, source: rejected.source }, `redis-server rejects '${rejected.line}' from the ${rejected.source === 'arguments' ? 'arguments after --' : 'generated config'}: ${rejected.reason}.`);
        }
        // The usual cause is a port someone else's redis-server holds: say so when one answers there.
        const theirs = await answeringPid(local, auth).catch(() => undefined);
        if (theirs !== undefined) log.error({ event: 'FOREIGN_REDIS' }, foreignRedisError(local, theirs, child.pid).message);
        log.error({ event: 'CHILD_START_FAILED', code: started.code, signal: started.signal }, `redis-server exited during start (status ${started.exitCode}).`);
        return started.exitCode === 0 ? 1 : started.exitCode;
      };

      // 3a. Data on disk: redis-server starts first, held (read-only, a replica of nothing), so
      //     the decision knows what it holds and the others see it; after a whole-group restart
      //     the most advanced node becomes the master, not the first one back.
      let child: Supervised | undefined;
      let registration: Registration | undefined;
      let held: { keys: number; offset: number; since: number; settleMs: number } | undefined;
      if (await hasPersistedData(config.dataDir)) {
        log.info({ event: 'HELD_START', dataDir: config.dataDir }, 'Found data on disk: starting redis-server held (read-only, a replica of nothing) to learn what it holds before deciding.');
        const started = await startChild(HOLD);
        if (typeof started === 'number') return started;
        child = started;
        const own = await probeRedis(local, auth);
        if (own.reachable && own.keys > 0) {
          registration = new Registration(zk, group.nodes, formatHostPort(self));
          await registration.start();
          held = { keys: own.keys, offset: own.offset, since: Date.now(), settleMs: config.groupRestartWaitMs };
          log.info({ event: 'HELD_REGISTERED', keys: own.keys, offset: own.offset, node: registration.path }, `redis-server holds ${own.keys} keys from disk; registered held.`);
        }
      }

      // 3. Decide under the lock (and write the record for a claim or a handover).
      const decided = await decideUnderLock({ zk, self, group, auth, sentinelAuth, log, shutdown: ctx.shutdown, held });
      if (decided === undefined) {
        log.info({ event: 'STOPPING' }, 'Shutdown requested before a decision was made.');
        await child?.stop();
        return 0;
      }

      // 4/5. Start redis-server in its decided role (or move the held one there), and keep the
      //      lock until it answers and our /redis/nodes entry exists.
      if (child === undefined) {
        const started = await startChild(decided.replicaOf);
        if (typeof started === 'number') return started;
        child = started;
      } else {
        const role = decided.replicaOf === undefined ? ['NO', 'ONE'] : [decided.replicaOf.host, decided.replicaOf.port];
        await redisCommand(local, auth, 'REPLICAOF', ...role);
      }
      if (registration === undefined) {
        registration = new Registration(zk, group.nodes, formatHostPort(self));
        await registration.start();
      }
      // FAILOVER_MODE=zookeeper: a master holds the group's leadership before anyone else decides.
      const zkMode = config.failoverMode === 'zookeeper';
      if (zkMode && decided.replicaOf === undefined) {
        if (await takeLeadership(zk, group, self)) log.info({ event: 'LEADERSHIP_TAKEN', leader: group.leader }, `Took the group's leadership ${group.leader}.`);
        else log.warn({ event: 'LEADERSHIP_ELSEWHERE', leader: group.leader }, `${group.leader} is held by another session; the leadership loop decides.`);
      }
      await decided.lock.release();
      const up = await probeRedis(local, auth);
      const server = up.reachable ? up.server : undefined;
      log.info(
        { event: 'SERVER_UP', role: decided.replicaOf ? 'replica' : 'master', master: decided.replicaOf ? formatHostPort(decided.replicaOf) : formatHostPort(self), node: registration.path, server },
        `${server ?? 'redis-server'} is up and registered; lock released.`,
      );

      // Maintenance mode: every automatic decision below asks whether the group is paused now;
      // our ack says we apply it (redis-zk pause --wait waits for it).
      const pauses = new Pauses(zk);
      await pauses.start();
      const paused = () => pauses.isPaused(group.name);
      const pauseAck = new PauseAck(zk, group.name, pauseAckName('server', self.host, self.port));
      const applyPause = () => {
        const state = paused() ? 'paused' : 'running';
        log.info({ event: 'PAUSE_APPLIED', group: group.name, state }, state === 'paused' ? `Group ${group.name} is paused: no election, crash failover or fencing by this wrapper until it is resumed.` : `Group ${group.name} runs: automatic failover is on.`);
        void pauseAck.set(state).catch((err) => log.warn({ event: 'PAUSE_ACK_FAILED', err: String(err) }, 'Could not write our pause acknowledgement; the next change tries again.'));
      };
      applyPause();
      let lastPaused = paused();
      pauses.on('change', () => {
        if (paused() === lastPaused) return;
        lastPaused = paused();
        applyPause();
      });

      // 6. Follow the group's record while running.
      const following = follow({ zk, self, local, auth, sentinelAuth, log, group, paused, startupRecord: decided.observedRecord });
      // 7. Fencing: while a master, keep writes only while we can show we still are one.
      const fencer = config.fencing ? startFencing({ zk, self, local, group, auth, sentinelAuth, log, paused, fenceAfterMs: config.fenceAfterMs, zookeeperMode: zkMode }) : undefined;
      // 8. FAILOVER_MODE=zookeeper: keep or take back the leadership, or elect when it is gone.
      const leadership = zkMode ? startLeadership({ zk, self, local, group, auth, sentinelAuth, log, paused }) : undefined;
      const follower = {
        close() {
          following.close();
          pauses.close();
          fencer?.close();
          leadership?.close();
          void http?.close();
        },
      };
      // 9. The role checks for load balancers and Marathon, on HTTP_PORT (Marathon's PORT1).
      const metrics = config.httpPort === undefined ? undefined : serverMetrics({ zk, group, local, auth, failoverMode: config.failoverMode, fencer });
      const http = config.httpPort === undefined ? undefined : await startRoleHttp({ hosts: address.listen, port: config.httpPort, bindIp: config.bindIp, local, auth, fenced: () => fencer?.fenced ?? false, metrics });
      if (http !== undefined) log.info({ event: 'HTTP_LISTENING', httpPort: config.httpPort }, `Role checks on HTTP port ${config.httpPort}: GET /primary, /replica[?lag=<bytes>], /health; Prometheus metrics on /metrics.`);
      const handOff = () =>
        (config.failoverMode === 'zookeeper' ? handOffWithoutSentinels : handOffMaster)({ zk, self, local, auth, sentinelAuth, group, log, timeoutMs: Math.ceil(config.shutdownTimeoutMs / 2) });
      // Sentinel mode: a crash of our redis-server while the recorded master fails over at once (crash-failover.ts).
      const onCrash = () => failOverAfterCrash({ zk, self, group, auth, sentinelAuth, log, paused, failoverMode: config.failoverMode, withinMs: CRASH_FAILOVER_MS });
      return await runUntilExit({ child, registration, follower, zk, log, shutdown: ctx.shutdown, shutdownTimeoutMs: config.shutdownTimeoutMs, beforeStop: handOff, onCrash, crashBudgetMs: CRASH_FAILOVER_MS + 500 });
    } finally {
      // Bounded: a hung ZooKeeper must not keep us from exiting (the session ends with us anyway).
      await Promise.race([zk.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
  },
});
