import {
  Registration,
  Zk,
  formatHostPort,
  loadSentinelConfig,
  resolveAddress,
  runProgram,
  supervise,
  waitForPing,
  whenAborted,
  zkPaths,
  type ChildExit,
  type HostPort,
  type RedisAuth,
} from '@redis-zk/core';
import { readBaseConf, writeSentinelConf } from './conf-file.js';
import { Groups, readOtherGroups } from './groups.js';
import { HELP } from './help.js';
import { Hygiene } from './hygiene.js';
import { generateSentinelConf, type GroupTimings } from './sentinel-conf.js';
import { SentinelControl } from './sentinel-control.js';
import { chooseStartMaster } from './start-master.js';
import { waitForMaster } from './wait-master.js';
import { within } from './within.js';

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
    log.info({ announce: formatHostPort(self), source: address.source }, 'resolved the address to announce');
    const zk = await Zk.connect(config.zk, log);
    try {
      const record = await waitForMaster(zk, zkPaths.MASTER, { timeoutMs: config.masterWaitTimeoutMs, log, shutdown: ctx.shutdown });
      if (record === undefined) {
        log.info('shutdown requested while waiting for a master; exiting');
        return 0;
      }

      // 2. Which master to monitor (sentinels win over a stale record), and the other groups.
      const redisAuth: RedisAuth = { password: config.redisPassword, timeoutMs: config.probeTimeoutMs };
      const sentinelAuth: RedisAuth = { password: undefined, timeoutMs: config.probeTimeoutMs };
      const start = await chooseStartMaster(zk, record, config.masterName, { redis: redisAuth, sentinel: sentinelAuth }, log);
      if (start.warn) log.warn({ master: formatHostPort(start.master) }, start.reason);
      else log.info({ master: formatHostPort(start.master) }, start.reason);
      const others = await readOtherGroups(zk, config.masterName, log);
      const groups = [{ name: config.masterName, master: start.master }, ...others];

      // 3. A fresh sentinel.conf.
      const timings: GroupTimings = {
        quorum: config.quorum,
        downAfterMs: config.downAfterMs,
        failoverTimeoutMs: config.failoverTimeoutMs,
        parallelSyncs: config.parallelSyncs,
        authPass: config.redisPassword,
      };
      const confPath = await writeSentinelConf(
        config.workDir,
        generateSentinelConf({ ...timings, port: config.port, bind: address.listen.join(' '), dir: config.workDir, announceIp: self.host, announcePort: self.port, groups, base: baseConf }),
      );
      log.info({ conf: confPath, groups: groups.map((g) => `${g.name}=${formatHostPort(g.master)}`), ...timings, authPass: undefined }, 'wrote a fresh sentinel.conf');

      // 4. redis-sentinel, supervised (with umask 077, so its own rewrites of sentinel.conf keep
      // auth-pass private); registered only once it answers.
      const child = await supervise(config.redisSentinelBin, [confPath], { log, shutdownTimeoutMs: config.shutdownTimeoutMs, cwd: config.workDir });
      const local: HostPort = { host: address.local, port: config.port };
      const answered = await Promise.race([
        waitForPing(local, sentinelAuth, 30_000).then(() => 'up' as const),
        child.exited.then((exit) => exit),
        whenAborted(ctx.shutdown, 'shutdown' as const),
      ]).catch(async (err: unknown) => {
        await child.stop();
        throw err;
      });
      if (answered === 'shutdown') {
        await child.stop();
        return 0;
      }
      if (answered !== 'up') {
        log.error({ code: answered.code, signal: answered.signal }, 'redis-sentinel exited before it answered');
        return answered.exitCode;
      }
      const registration = new Registration(zk, zkPaths.SENTINELS, formatHostPort(self));
      await registration.start();
      log.info({ path: registration.path, sentinel: formatHostPort(self) }, 'redis-sentinel answers; registered in ZooKeeper');

      // 5. Follow groups and keep the sentinel tables clean.
      const control = new SentinelControl(local, sentinelAuth);
      const groupFollower = new Groups({ zk, log, control, defaultName: config.masterName, timings, redisAuth }, groups);
      groupFollower.start();
      // A dead replica is one unregistered and down for 3 × down-after (at least 5 s): long enough
      // for a replica restarting in place to come back, short enough that num-slaves stays true.
      const replicaSettleMs = Math.max(5_000, 3 * config.downAfterMs);
      const hygiene = new Hygiene({ zk, log, control, self: formatHostPort(self), sentinelAuth, groups: () => groupFollower.names(), replicaSettleMs });
      hygiene.start();

      // 6. Until the child dies or we are told to stop.
      const outcome = await Promise.race([
        child.exited,
        whenAborted(ctx.shutdown, 'shutdown' as const),
      ]);
      // Say what happened at once: what follows may wait on a ZooKeeper that does not answer.
      if (outcome === 'shutdown') log.info({ signal: String(ctx.shutdown.reason) }, 'shutting down: deregistering, then stopping redis-sentinel');
      else log.error({ code: outcome.code, signal: outcome.signal, exitCode: outcome.exitCode }, 'redis-sentinel exited; deregistering, then exiting with its status');
      hygiene.close();
      groupFollower.close();
      // Deregister first (the watcher and the other sentinels must stop using us), but briefly:
      // if ZooKeeper does not answer, the entry vanishes with the session anyway.
      const deregisterMs = Math.min(DEREGISTER_MAX_MS, Math.floor(config.shutdownTimeoutMs / 4));
      const deregistered = await within(registration.stop(), deregisterMs);
      if (deregistered.outcome === 'done') log.info({ path: registration.path }, 'deregistered from ZooKeeper');
      else if (deregistered.outcome === 'timeout') log.warn({ path: registration.path, timeoutMs: deregisterMs }, `ZooKeeper did not confirm our deregistration within ${deregisterMs} ms; going on, the entry vanishes with the session`);
      else log.warn({ err: String(deregistered.err) }, 'could not remove our registration; going on, it vanishes with the session');
      if (outcome === 'shutdown') {
        const exit: ChildExit = await child.stop();
        log.info({ code: exit.code, signal: exit.signal }, 'redis-sentinel stopped');
        return 0;
      }
      return outcome.exitCode;
    } finally {
      if ((await within(zk.close(), ZK_CLOSE_MAX_MS)).outcome === 'timeout') log.warn({ timeoutMs: ZK_CLOSE_MAX_MS }, 'ZooKeeper session not closed in time; exiting anyway');
    }
  },
});
