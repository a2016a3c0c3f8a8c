import { access, chmod, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type HostPort, type Logger, type ServerConfig, supervise, type Supervised } from '@redis-zk/core';
import { redisConfText } from './redis-conf.js';

/** REDIS_CONF must be a readable file: found at start, not as a redis-server crash later. */
export async function checkBaseConf(path: string | undefined): Promise<void> {
  if (path === undefined) return;
  try {
    await access(path, constants.R_OK);
    if (!(await stat(path)).isFile()) throw new ConfigError('REDIS_CONF', path, 'a readable redis.conf file');
  } catch {
    throw new ConfigError('REDIS_CONF', path, 'a readable redis.conf file');
  }
}

/** Writes the generated config (0600: it may hold the password) and starts redis-server on it. */
export async function startRedisServer(
  config: ServerConfig,
  bind: string,
  announce: HostPort,
  replicaOf: HostPort | undefined,
  log: Logger,
): Promise<Supervised> {
  await mkdir(config.dataDir, { recursive: true });
  const confPath = join(config.dataDir, 'redis-zk-server.conf');
  const text = redisConfText({
    include: config.redisConf,
    port: config.port,
    bind,
    dir: config.dataDir,
    announce,
    password: config.redisPassword,
    username: config.redisUsername,
    tls: config.tls,
    replicaOf,
    appendOnly: config.appendOnly,
  });
  await writeFile(confPath, text, { mode: 0o600 });
  await chmod(confPath, 0o600);
  log.info({ event: 'REDIS_STARTING', conf: confPath, bin: config.redisServerBin, extraArgs: config.extraArgs.length }, 'Starting redis-server.');
  return supervise(config.redisServerBin, [confPath, ...config.extraArgs], {
    log,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    cwd: config.dataDir,
    keepStderr: true,
  });
}
