import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, redisClient, SERVER_COMM, sharedZkHosts, tempDir, waitFor } from '../../harness/index.js';
import { isUp, startServer } from './helpers.js';

describe('redis-server options', () => {
  it('includes REDIS_CONF first, keeps the password out of logs and command lines, and replicas authenticate', async () => {
    const hosts = sharedZkHosts();
    const dir = tempDir();
    const base = join(dir, 'base.conf');
    writeFileSync(base, 'maxmemory 12345678\nport 1\n');
    const password = 'Pa55-word-xyz';
    const env = { REDIS_CONF: base, REDIS_PASSWORD: password };
    const a = await startServer(hosts, { env });
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts, { env });
    await b.proc.waitForLog(isUp, 20_000);

    const ca = redisClient(a.port, '127.0.0.1', password);
    // Our settings win over the include (its "port 1" is overridden).
    expect(await ca.config('GET', 'maxmemory')).toEqual(['maxmemory', '12345678']);
    const cb = redisClient(b.port, '127.0.0.1', password);
    await waitFor(async () => /master_link_status:up/.test(await cb.info('replication')), { what: 'b linked to a with masterauth' });
    await expect(redisClient(a.port).ping()).rejects.toThrow(/NOAUTH|auth/i);

    for (const s of [a, b]) {
      expect(s.proc.output()).not.toContain(password);
      const child = execFileSync('pgrep', ['-P', String(s.proc.pid), '-a', SERVER_COMM]).toString();
      expect(child).not.toContain(password);
    }
    const confDir = String(a.proc.logs().find((l) => l.event === 'REDIS_STARTING')?.conf);
    expect(statSync(confDir).mode & 0o777).toBe(0o600);
    expect(readFileSync(confDir, 'utf8').split('\n')[1]).toBe(`include ${base}`);
  });

  it('passes arguments after -- to redis-server', async () => {
    const hosts = sharedZkHosts();
    const port = await freePort();
    const a = await startServer(hosts, { port });
    await a.proc.waitForLog(isUp, 20_000);
    expect(await a.redis.config('GET', 'repl-diskless-sync-delay')).toEqual(['repl-diskless-sync-delay', '0']);
  });
});
