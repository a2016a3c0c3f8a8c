import {
  Lock,
  parseMembers,
  readRegistry,
  Registration,
  Zk,
  formatHostPort,
  linkAuths,
  loadSentinelConfig,
  resolveAddress,
  runProgram,
  whenAborted,
  within,
  zkPaths,
  type ChildExit,
  type HostPort,
  probeRedis,
  Pauses,
} from '@redis-zk/core';
import { startPauseApplier } from './pause.js';
import { AuthCheck } from './auth-check.js';
import { readBaseConf, writeSentinelConf } from './conf-file.js';
import { claimSentinelId, knownSentinelsOf } from './sentinel-id.js';
import { SentinelProcess } from './sentinel-process.js';
import { Groups, readStartGroups } from './groups.js';
import { HELP } from './help.js';
import { Hygiene } from './hygiene.js';
import { generateSentinelConf, type GroupTimings, type MonitoredGroup } from './sentinel-conf.js';
import { SentinelControl } from './sentinel-control.js';
import { waitForFirstRecord } from './wait-master.js';
import { startSentinelHttp } from './http.js';
import { sentinelMetrics } from './metrics.js';
import { sentinelStatusReader } from './status.js';

/** Bounds on the way out, so SIGTERM ends within SHUTDOWN_TIMEOUT_MS and a little more even with ZooKeeper frozen. */
const DEREGISTER_MAX_MS = 2_000;
const ZK_CLOSE_MAX_MS = 1_000;

await runProgram({
  name: 'redis-zk-sentinel',
  help: HELP,
  async run(ctx) {
    const config = loadSentinelConfig(ctx.env);
    const log = ctx.makeLogger(config.logLevel);
    const baseConf = await readBaseConf(config.sentinelConf);

    // 1. Who we are, and the master record.
    const address = await resolveAddress(config);
    const self: HostPort = { host: address.announce, port: config.port };
    log.info({ event: 'ADDRESS_RESOLVED', announce: formatHostPort(self), source: address.source }, 'resolved the address to announce');
    const local: HostPort = { host: address.local, port: config.port };
    // Our own sentinel and the others: SENTINEL_PASSWORD (all sentinels of a chroot share it);
    // the masters and replicas: REDIS_PASSWORD (and the ACL user).
    const { redis: redisAuth, sentinel: sentinelAuth } = linkAuths(config);
    const zk = await Zk.connect(config.zk, log);
    // Health and metrics on HTTP_PORT (Marathon's PORT1) from the start: a port that is taken
    // fails here, before anything is registered; until redis-sentinel runs, /health says why not.
    let running: { groups(): string[]; forgets(): number } | undefined;
    let http: { close(): Promise<void> } | undefined;
    if (config.httpPort !== undefined) {
      const status = sentinelStatusReader({ self: `${self.host}:${self.port}`, local, auth: sentinelAuth, zk, running: () => running });
      const metrics = sentinelMetrics({ zk, status, forgets: () => running?.forgets() ?? 0 });
      try {
        http = await startSentinelHttp({ hosts: address.listen, port: config.httpPort, bindIp: config.bindIp, status, metrics });
      } catch (err) {
        await within(zk.close(), ZK_CLOSE_MAX_MS);
        throw err;
      }
      log.info({ event: 'HTTP_LISTENING', httpPort: config.httpPort }, `Health on HTTP port ${config.httpPort}: GET /health; Prometheus metrics on /metrics.`);
    }
    try {
      const first = await waitForFirstRecord(zk, config.defaultMasterName, { timeoutMs: config.masterWaitTimeoutMs, log, shutdown: ctx.shutdown });
      if (first === undefined) {
        log.info({ event: 'STOPPING' }, 'shutdown requested while waiting for a master; exiting');
        return 0;
      }

      const timings: GroupTimings = {
        quorum: config.quorum,
        downAfterMs: config.downAfterMs,
        failoverTimeoutMs: config.failoverTimeoutMs,
        parallelSyncs: config.parallelSyncs,
        authPass: config.redisPassword,
        authUser: config.redisUsername,
      };
      let groups: MonitoredGroup[];
      // Maintenance mode: read before sentinel.conf is written, so a sentinel that starts during a
      // pause monitors the paused groups with PAUSED_QUORUM from its first second.
      const pauses = new Pauses(zk);
      await pauses.start();

      // 2. Under the sentinel membership lock (held until we are registered, so two starting
      //    sentinels never take the same myid): which master to monitor (a majority of the
      //    registered sentinels wins over a stale record), our myid, the other groups.
      const membership = new Lock(zk, zkPaths.SENTINEL_RESET_LOCK);
      await membership.acquire({ timeoutMs: 300_000, onWait: (holder) => log.info({ event: 'LOCK_WAITING', holder }, 'waiting for the sentinel membership lock: another sentinel is starting or restarting') });
      let registration: Registration;
      let sentinel: SentinelProcess;
      try {
        const start = await readStartGroups(zk, config.defaultMasterName, first.defaultMaster, { redis: redisAuth, sentinel: sentinelAuth }, log);
        const claimed = await claimSentinelId(zk, self, sentinelAuth, log);
        log.info({ event: 'SENTINEL_ID_CLAIMED', myid: claimed.id, from: claimed.from === undefined ? undefined : formatHostPort(claimed.from) }, claimed.from === undefined ? 'took a new sentinel myid' : `took the myid of the departed sentinel ${formatHostPort(claimed.from)}: the other sentinels replace its entry with ours`);
        const registered = parseMembers(zkPaths.SENTINELS, await readRegistry(zk, zkPaths.SENTINELS)).map((m) => m.addr);
        const knownSentinels = await knownSentinelsOf(registered, self, sentinelAuth);
        groups = start.groups.map((g) => ({ ...g, knownSentinels, paused: pauses.isPaused(g.name) }));

        // 3. A fresh sentinel.conf.
        const confPath = await writeSentinelConf(
          config.workDir,
          generateSentinelConf({ ...timings, port: config.port, bind: address.listen.join(' '), dir: config.workDir, announceIp: self.host, announcePort: self.port, groups, base: baseConf, myid: claimed.id, sentinelPass: config.sentinelPassword, tls: config.tls }),
        );
        log.info(
          { event: 'SENTINEL_CONFIGURED', conf: confPath, groups: groups.map((g) => `${g.name}=${formatHostPort(g.master)}`), knownReplicas: groups.reduce((n, g) => n + (g.knownReplicas?.length ?? 0), 0), knownSentinels: knownSentinels.length, ...timings, authPass: undefined },
          'wrote a fresh sentinel.conf',
        );

        // 4. redis-sentinel, supervised (with umask 077, so its own rewrites of sentinel.conf keep
        //    auth-pass private); registered only once it answers, as the process we started.
        const started = await SentinelProcess.start(
          { bin: config.redisSentinelBin, confPath, cwd: config.workDir, local, auth: sentinelAuth, log, shutdownTimeoutMs: config.shutdownTimeoutMs, startTimeoutMs: 30_000, infoPeriodMs: config.infoPeriodMs },
          whenAborted(ctx.shutdown, 'shutdown' as const),
        );
        if (started === 'gave-up') return 0;
        if (!(started instanceof SentinelProcess)) {
          log.error({ event: 'CHILD_START_FAILED', code: started.code, signal: started.signal }, 'redis-sentinel exited before it answered');
          return started.exitCode;
        }
        sentinel = started;
        registration = new Registration(zk, zkPaths.SENTINELS, formatHostPort(self));
        await registration.start();
        const up = await probeRedis(local, sentinelAuth);
        const server = up.reachable ? up.server : undefined;
        log.info({ event: 'SENTINEL_REGISTERED', path: registration.path, sentinel: formatHostPort(self), myid: claimed.id, server }, `${server ?? 'redis'} sentinel answers; registered in ZooKeeper`);
      } finally {
        // Not awaited: with ZooKeeper hung the release waits for its deadline, and a SIGTERM
        // meanwhile must be handled at once (the lock node vanishes with our session anyway).
        void membership.release().catch(() => undefined);
      }

      // 5. Follow groups and keep the sentinel tables clean.
      const control = new SentinelControl(local, sentinelAuth, (name) => pauses.isPaused(name));
      const groupFollower = new Groups({ zk, log, control, defaultName: config.defaultMasterName, timings, redisAuth }, groups);
      groupFollower.start();
      // A dead replica is one unregistered and down for 3 × down-after (at least 5 s): long enough
      // for a replica restarting in place to come back, short enough that num-slaves stays true.
      const replicaSettleMs = Math.max(5_000, 3 * config.downAfterMs);
      const hygiene = new Hygiene({ zk, log, control, process: sentinel, self: formatHostPort(self), defaultName: config.defaultMasterName, groups: () => groupFollower.names(), replicaSettleMs });
      hygiene.start();
      const authCheck = new AuthCheck({ control, groups: () => groupFollower.names(), redisAuth, log });
      authCheck.start();

      const pauseApplier = startPauseApplier({ zk, log, control, pauses, self, groups: () => groupFollower.names(), quorum: config.quorum });

      running = { groups: () => groupFollower.names(), forgets: () => hygiene.forgets };

      // 7. Until the child dies or we are told to stop.
      const outcome = await Promise.race([
        sentinel.exited,
        whenAborted(ctx.shutdown, 'shutdown' as const),
      ]);
      // Say what happened at once: what follows may wait on a ZooKeeper that does not answer.
      if (outcome === 'shutdown') log.info({ event: 'STOPPING', signal: String(ctx.shutdown.reason) }, 'shutting down: deregistering, then stopping redis-sentinel');
      else log.error({ event: 'SENTINEL_EXITED', code: outcome.code, signal: outcome.signal, exitCode: outcome.exitCode }, 'redis-sentinel exited; deregistering, then exiting with its status');
      running = undefined;
      hygiene.close();
      authCheck.close();
      pauseApplier.close();
      pauses.close();
      groupFollower.close();
      // Deregister first (the watcher and the other sentinels must stop using us), but briefly:
      // if ZooKeeper does not answer, the entry vanishes with the session anyway.
      const deregisterMs = Math.min(DEREGISTER_MAX_MS, Math.floor(config.shutdownTimeoutMs / 4));
      const deregistered = await within(registration.stop(), deregisterMs);
      if (deregistered.outcome === 'done') log.info({ event: 'DEREGISTERED', path: registration.path }, 'deregistered from ZooKeeper');
      else if (deregistered.outcome === 'timeout') log.warn({ event: 'DEREGISTER_FAILED', path: registration.path, timeoutMs: deregisterMs }, `ZooKeeper did not confirm our deregistration within ${deregisterMs} ms; going on, the entry vanishes with the session`);
      else log.warn({ event: 'DEREGISTER_FAILED', err: String(deregistered.err) }, 'could not remove our registration; going on, it vanishes with the session');
      if (outcome === 'shutdown') {
        const exit: ChildExit = await sentinel.stop();
        log.info({ event: 'CHILD_STOPPED', code: exit.code, signal: exit.signal }, 'redis-sentinel stopped');
        return 0;
      }
      return outcome.exitCode;
    } finally {
      if (http !== undefined) await within(http.close(), ZK_CLOSE_MAX_MS);
      if ((await within(zk.close(), ZK_CLOSE_MAX_MS)).outcome === 'timeout') log.warn({ event: 'ZK_CLOSE_TIMEOUT', timeoutMs: ZK_CLOSE_MAX_MS }, 'ZooKeeper session not closed in time; exiting anyway');
    }
  },
});
