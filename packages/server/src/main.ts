import {
  formatHostPort,
  loadServerConfig,
  Registration,
  resolveAddress,
  runProgram,
  Zk,
  zkPaths,
} from '@redis-zk/core';
import { readFile } from 'node:fs/promises';
import { parseRejection, rejectionError } from './config-rejection.js';
import { follow } from './follow.js';
import { HELP } from './help.js';
import { checkBaseConf, startRedisServer } from './redis-process.js';
import { answeringPid, foreignRedisError, waitUntilAnswering } from './redis-ready.js';
import { checkPortFree } from './port-check.js';
import { runUntilExit } from './run.js';
import { handOffMaster } from './shutdown.js';
import { decideUnderLock } from './startup.js';

const REDIS_START_DEADLINE_MS = 60_000;

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
    const auth = { password: config.redisPassword, timeoutMs: config.probeTimeoutMs };
    log.info({ announce: formatHostPort(self), bind: address.listen, source: address.source, masterName: config.masterName }, 'redis-zk-server starting.');

    await checkPortFree(address.listen, config.port, auth);

    // 2. ZooKeeper, then the lock.
    const zk = await Zk.connect(config.zk, log);
    try {
      await Promise.all([zk.mkdirp(zkPaths.NODES), zk.mkdirp(zkPaths.LOCK), zk.mkdirp(zkPaths.MASTERS), zk.mkdirp(zkPaths.EPOCHS)]);

      // 3. Decide under the lock (and write the record for a claim or a handover).
      const decided = await decideUnderLock({ zk, self, masterName: config.masterName, auth, log, shutdown: ctx.shutdown });
      if (decided === undefined) {
        log.info('Shutdown requested before redis-server was started.');
        return 0;
      }

      // 5. redis-server as a supervised child, announcing our address.
      const child = await startRedisServer(config, address.listen.join(' '), self, decided.replicaOf, log);

      // 4. Keep the lock until redis-server answers and our /redis/nodes entry exists.
      const started = await Promise.race([
        waitUntilAnswering(local, auth, child.pid, REDIS_START_DEADLINE_MS, child.exited).then(() => 'up' as const),
        child.exited,
      ]);
      if (started !== 'up') {
        // A config redis-server rejects: say whose line it is (REDIS_CONF is a configuration error).
        const rejected = parseRejection(child.stderrTail(), config.redisConf === undefined ? undefined : await readFile(config.redisConf, 'utf8').catch(() => undefined), config.extraArgs);
        if (rejected !== undefined) {
          const err = rejectionError(rejected, config.redisConf);
          if (err !== undefined) throw err;
          log.error({ line: rejected.line, source: rejected.source }, `redis-server rejects '${rejected.line}' from the ${rejected.source === 'arguments' ? 'arguments after --' : 'generated config'}: ${rejected.reason}.`);
        }
        // The usual cause is a port someone else's redis-server holds: say so when one answers there.
        const theirs = await answeringPid(local, auth).catch(() => undefined);
        if (theirs !== undefined) log.error(foreignRedisError(local, theirs, child.pid).message);
        log.error({ code: started.code, signal: started.signal }, `redis-server exited during start (status ${started.exitCode}).`);
        return started.exitCode === 0 ? 1 : started.exitCode;
      }
      const registration = new Registration(zk, zkPaths.NODES, formatHostPort(self));
      await registration.start();
      await decided.lock.release();
      log.info(
        { role: decided.replicaOf ? 'replica' : 'master', master: decided.replicaOf ? formatHostPort(decided.replicaOf) : formatHostPort(self), node: registration.path },
        'redis-server is up and registered; lock released.',
      );

      // 6. Follow /redis/master while running.
      const follower = follow({ zk, self, local, auth, log, masterName: config.masterName, startupRecord: decided.observedRecord });
      const handOff = () =>
        handOffMaster({ zk, self, local, auth, masterName: config.masterName, log, timeoutMs: Math.ceil(config.shutdownTimeoutMs / 2) });
      return await runUntilExit({ child, registration, follower, zk, log, shutdown: ctx.shutdown, shutdownTimeoutMs: config.shutdownTimeoutMs, beforeStop: handOff });
    } finally {
      // Bounded: a hung ZooKeeper must not keep us from exiting (the session ends with us anyway).
      await Promise.race([zk.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
  },
});
