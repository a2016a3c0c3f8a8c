// The generated redis.conf holds requirepass/masterauth: it must stay private even after
// redis-server rewrites it (Sentinel makes it CONFIG REWRITE after every failover).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, tempDir, redisPidOf } from '../../harness/index.js';
import { isUp, startServer } from './helpers.js';

describe('redis-zk-server secrets on disk', () => {
  it('redis-zk-server.conf stays 0600 after CONFIG REWRITE (which replaces the file by a renamed temp file)', async () => {
    const hosts = sharedZkHosts();
    const password = 'conf-rewrite-secret';
    const s = await startServer(hosts, { env: { REDIS_PASSWORD: password } });
    await s.proc.waitForLog(isUp, 20_000);
    const conf = join(s.dataDir, 'redis-zk-server.conf');
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    const inodeBefore = statSync(conf).ino;

    const client = redisClient(s.port, '127.0.0.1', password);
    expect(await client.call('CONFIG', 'REWRITE')).toBe('OK');
    // A new inode proves redis-server wrote a fresh file rather than keeping ours.
    expect(statSync(conf).ino).not.toBe(inodeBefore);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
  });

  it('REDIS_PASSWORD_FILE (a mounted secret): redis-server requires what the file holds; the value is in no log line and on no command line', async () => {
    const password = 'file-secret-0123';
    const secretFile = join(tempDir('redis-zk-secret-'), 'redis-password');
    writeFileSync(secretFile, `${password}\n`, { mode: 0o600 });
    const s = await startServer(sharedZkHosts(), { env: { REDIS_PASSWORD_FILE: secretFile } });
    await s.proc.waitForLog(isUp, 20_000);
    const client = redisClient(s.port, '127.0.0.1', password);
    expect(await client.ping()).toBe('PONG');
    const anonymous = redisClient(s.port);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    expect(s.proc.logs().some((l) => JSON.stringify(l).includes(password))).toBe(false);
    const redisPid = redisPidOf(s);
    expect(readFileSync(`/proc/${redisPid}/cmdline`, 'utf8')).not.toContain(password);
    expect(readFileSync(`/proc/${s.proc.pid}/cmdline`, 'utf8')).not.toContain(password);
  });
});
