// PORT0 already served by someone else's redis-server: ours cannot bind, and the wrapper must
// not take the other Redis for its own (register it, claim master for it).
import { describe, expect, it } from 'vitest';
import { isAlive, runProgramToExit, sharedZkHosts, startRedisServer, zkClient } from '../../harness/index.js';
import { waitUntilAnswering } from '../../../packages/server/src/redis-ready.js';
import { NO_PERSISTENCE, serverEnv } from './helpers.js';

describe('redis-zk-server on a port another Redis holds', () => {
  it('exits non-zero with one clear line, writes no /redis/master and registers nothing', async () => {
    const other = await startRedisServer();
    const hosts = sharedZkHosts();
    const r = await runProgramToExit('server', serverEnv(hosts, other.port), NO_PERSISTENCE, 30_000);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(`${r.stdout}\n${r.stderr}`).toMatch(new RegExp(`127\\.0\\.0\\.1:${other.port} is already in use by another redis-server \\(pid \\d+\\)`));
    const zk = await zkClient(hosts);
    expect(await zk.get('/redis/master')).toBeUndefined();
    expect(await zk.children('/redis/nodes')).toEqual([]);
    // The other Redis is untouched.
    expect(isAlive(other.process.pid)).toBe(true);
  });

  it('readiness accepts only our own child: a PONG from a Redis with another pid is refused at once', async () => {
    const other = await startRedisServer();
    const auth = { password: undefined, timeoutMs: 1_000 };
    const addr = { host: '127.0.0.1', port: other.port };
    const notOurs = waitUntilAnswering(addr, auth, 1, 10_000, new Promise(() => {}));
    await expect(notOurs).rejects.toThrow(new RegExp(`port ${other.port} is already served by another redis-server \\(pid ${other.process.pid}\\), not the one we started \\(pid 1\\)`));
    await expect(waitUntilAnswering(addr, auth, other.process.pid, 10_000, new Promise(() => {}))).resolves.toBeUndefined();
  });
});
