import { createServer } from 'node:net';
import { ConfigError, type RedisAuth } from '@redis-zk/core';
import { answeringPid } from './redis-ready.js';

function inUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Refuses a PORT0 that something already listens on, before anything is decided or written:
 * otherwise our redis-server fails to bind while the other one (often another group's Redis)
 * answers in its place. Other bind errors (address not local…) are left to redis-server to report.
 */
export async function checkPortFree(listen: string[], port: number, auth: RedisAuth): Promise<void> {
  for (const host of listen) {
    if (!(await inUse(host, port))) continue;
    const pid = await answeringPid({ host, port }, auth).catch(() => undefined);
    const who = pid === undefined ? 'another process' : `another redis-server (pid ${pid})`;
    throw new ConfigError('PORT0', String(port), `a port nobody else listens on, but ${host}:${port} is already in use by ${who}`);
  }
}
