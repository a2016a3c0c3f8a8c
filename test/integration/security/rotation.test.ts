// Changing REDIS_PASSWORD across a running group without downtime, by the procedure in docs/operations/security.md:
// (1) every redis-server accepts the new password beside the old one (ACL users hold several),
// replicas and sentinels switch to it, clients switch to it; (2) every task restarts with the
// new value (Marathon's rolling restart after the app's env changes); (3) the old password is
// gone. A client writing throughout never meets an authentication error and loses no
// acknowledged write.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { missingKeys, startWriter } from '../../harness/writer.js';
import { registered, serverUp, startSentinel, startServer } from '../sentinel/helpers.js';
import { startHealthyWatcher } from '../watcher/group.js';

const OLD = 'rotation-old-s3cret';
const NEW = 'rotation-new-s3cret';
const USER = 'redis-zk-ops';

describe('password rotation (REDIS_PASSWORD, with REDIS_USERNAME)', () => {
  it('old and new accepted side by side, a rolling restart with the new one, the old one gone: no authentication error, no acknowledged write lost', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const envWith = (password: string) => ({ REDIS_PASSWORD: password, REDIS_USERNAME: USER, SHUTDOWN_TIMEOUT_MS: '10000' });
    type Server = Awaited<ReturnType<typeof startServer>>;
    let servers: Server[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await startServer(hosts, envWith(OLD));
      await s.proc.waitForLog(serverUp, 20_000);
      servers.push(s);
    }
    let sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts, envWith(OLD))));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    let watcher = await startHealthyWatcher(hosts, envWith(OLD));
    const linked = async (password: string) => {
      const infos = await Promise.all(servers.map((s) => redisClient(s.port, '127.0.0.1', password).info('replication').catch(() => '')));
      return infos.filter((i) => /role:slave/.test(i) && /master_link_status:up/.test(i)).length === 2;
    };
    await waitFor(() => linked(OLD), { what: 'both replicas linked', timeoutMs: 20_000 });

    // The application: the default user, the password it was given, the master from ZooKeeper.
    let password = OLD;
    const authErrors: string[] = [];
    const connect = (addr: string) =>
      new Redis({ host: '127.0.0.1', port: Number(addr.split(' ')[1]), password, maxRetriesPerRequest: 1, commandTimeout: 1_000, enableReadyCheck: false, retryStrategy: () => 50 }).on('error', (e: Error) => {
        if (/WRONGPASS|NOAUTH|invalid password/i.test(e.message)) authErrors.push(e.message);
      });
    let client = connect((await zk.get('/redis/master'))!);
    const reconnect = () => {
      void zk.get('/redis/master').then((m) => {
        if (m === undefined) return;
        client.disconnect();
        client = connect(m);
      });
    };
    const writes = startWriter(() => client, 'rot:', reconnect, 1_500);
    try {
      await waitFor(() => writes.oks.length > 20, { what: 'the client writing', timeoutMs: 10_000 });

      // (1) The new password beside the old, everywhere, at run time.
      for (const s of servers) {
        const admin = redisClient(s.port, '127.0.0.1', OLD);
        await admin.call('ACL', 'SETUSER', 'default', `>${NEW}`);
        await admin.call('ACL', 'SETUSER', USER, `>${NEW}`);
        await admin.call('CONFIG', 'SET', 'masterauth', NEW);
        admin.disconnect();
      }
      for (const s of sentinels) {
        const c = redisClient(s.port);
        expect(await c.call('SENTINEL', 'SET', 'mymaster', 'auth-pass', NEW)).toBe('OK');
        c.disconnect();
      }
      password = NEW;
      reconnect();
      const switched = Date.now();
      await waitFor(() => writes.oks.some((o) => o.at > switched + 100), { what: 'the client writing with the new password' });

      // (2) Every task again with the new value, one at a time, as Marathon rolls an app.
      /** Marathon's replacement of one task: SIGTERM (exit 0), then a new task with the new env, ready. */
      const replace = async <T extends { proc: { signal(s: NodeJS.Signals): void; exited: Promise<{ code: number | null }>; waitForLog(m: (l: Record<string, unknown>) => boolean, ms: number): Promise<unknown> } }>(
        old: T,
        start: () => Promise<T>,
        ready: (l: Record<string, unknown>) => boolean,
      ): Promise<T> => {
        old.proc.signal('SIGTERM');
        expect((await old.proc.exited).code).toBe(0);
        const n = await start();
        await n.proc.waitForLog(ready, 30_000);
        return n;
      };
      const sentinelsNow = [];
      for (const s of sentinels) sentinelsNow.push(await replace(s, () => startSentinel(hosts, envWith(NEW)), registered));
      sentinels = sentinelsNow;
      // The watcher before the servers: it must confirm (INFO) the masters the new servers become.
      watcher.w.signal('SIGTERM');
      await watcher.w.exited;
      watcher = await startHealthyWatcher(hosts, envWith(NEW));
      // Replicas first, the master last (its SIGTERM hands off to a replica through the sentinels).
      const recorded = (await zk.get('/redis/master'))!;
      const order = [...servers].sort((a, b) => Number(`127.0.0.1 ${a.port}` === recorded) - Number(`127.0.0.1 ${b.port}` === recorded));
      const serversNow: Server[] = [];
      for (const s of order) serversNow.push(await replace(s, () => startServer(hosts, envWith(NEW)), serverUp));
      servers = serversNow;
      await waitFor(() => linked(NEW), { what: 'both new replicas linked to the new master', timeoutMs: 30_000 });
      const done = Date.now();
      await waitFor(() => writes.oks.some((o) => o.at > done + 100), { what: 'the client writing after the rolling restart', timeoutMs: 15_000 });
    } finally {
      await writes.stop();
    }

    // (3) The old password is gone from every server, for both users.
    for (const s of servers) {
      const c = new Redis({ host: '127.0.0.1', port: s.port, enableReadyCheck: false, maxRetriesPerRequest: 0 });
      for (const username of ['default', USER]) await expect(c.call('AUTH', username, OLD)).rejects.toThrow(/WRONGPASS/);
      expect(await c.call('AUTH', USER, NEW)).toBe('OK');
      c.disconnect();
    }
    expect(authErrors).toEqual([]);
    // Every acknowledged write is on the final master.
    const master = redisClient(Number((await zk.get('/redis/master'))!.split(' ')[1]), '127.0.0.1', NEW);
    const missing = await missingKeys(master, writes.oks);
    expect(missing, `${missing.length} of ${writes.oks.length} acknowledged writes missing`).toEqual([]);
    console.log(`rotation: ${writes.oks.length} writes acknowledged, longest gap ${writes.longestGap()} ms, no authentication error`);
  }, 180_000);
});
