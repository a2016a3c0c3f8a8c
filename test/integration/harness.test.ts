// Proves the harness itself: a private ZooKeeper stops and restarts on the same port with its
// data, the suite-wide one is reachable through a per-test chroot, and what a test starts is
// gone after it.
import { describe, expect, it } from 'vitest';
import { fourLetterWord } from '@redis-zk/devkit';
import { freePort, isAlive, redisClient, sharedZkHosts, startProcess, startRedisServer, startZooKeeper, waitFor, zkClient } from '../harness/index.js';

describe('harness', () => {
  it('hands out distinct free ports', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
  });

  it('runs a private ZooKeeper that stops, restarts with its data, and survives kill -9', async () => {
    const zk = await startZooKeeper();
    expect(await fourLetterWord(zk.host, zk.port, 'ruok')).toBe('imok');
    const c1 = await zkClient(zk.connectString);
    await c1.set('/harness/kept', 'value 1');
    c1.close();

    await zk.stop();
    expect(await fourLetterWord(zk.host, zk.port, 'ruok')).toBeUndefined();
    await zk.start();
    const c2 = await zkClient(zk.connectString);
    expect(await c2.get('/harness/kept')).toBe('value 1');
    c2.close();

    await zk.kill();
    expect(await fourLetterWord(zk.host, zk.port, 'ruok')).toBeUndefined();
    await zk.start();
    expect(await fourLetterWord(zk.host, zk.port, 'ruok')).toBe('imok');
  });

  it('gives each test its own chroot on the suite-wide ZooKeeper', async () => {
    const a = sharedZkHosts();
    const b = sharedZkHosts();
    expect(a).toMatch(/^127\.0\.0\.1:\d+\/t-[0-9a-f]+$/);
    expect(a).not.toBe(b);
    const zk = await zkClient(a);
    await zk.set('/redis/master', '10.0.0.1 6379');
    expect(await zk.get('/redis/master')).toBe('10.0.0.1 6379');
    const other = await zkClient(b);
    expect(await other.get('/redis/master')).toBeUndefined();
  });

  it('waitFor fails with what it waited for and the last value seen', async () => {
    await expect(waitFor(() => 41 > 42 || undefined, { what: 'the answer', timeoutMs: 200 })).rejects.toThrow(
      /waiting for the answer; last seen undefined/,
    );
    await expect(
      waitFor(() => {
        throw new Error('boom');
      }, { what: 'a thrower', timeoutMs: 200 }),
    ).rejects.toThrow(/a thrower; last seen error: boom/);
    expect(await waitFor(() => 'yes', { what: 'an immediate value' })).toBe('yes');
  });

  describe('cleanup after each test', () => {
    const pids: number[] = [];
    it('starts a process group (a shell and its child) and a redis-server', async () => {
      const p = startProcess('sleeper', 'sh', ['-c', 'sleep 300 & echo "{\\"child\\":$!}"; wait']);
      const line = await p.waitForLog((l) => typeof l.child === 'number');
      pids.push(p.pid, line.child as number);
      const redis = await startRedisServer({ password: 's3cret' });
      pids.push(redis.process.pid);
      expect(await redisClient(redis.port, redis.host, 's3cret').ping()).toBe('PONG');
      expect(pids.every(isAlive)).toBe(true);
    });

    it('finds every one of them gone', async () => {
      expect(pids).toHaveLength(3);
      await waitFor(() => pids.every((p) => !isAlive(p)), { what: 'processes of the previous test to be gone', timeoutMs: 5_000 });
    });
  });
});
