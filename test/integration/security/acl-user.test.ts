// REDIS_USERNAME: replication, the sentinels and the programs use an ACL user with only
// OPERATOR_ACL_RULES (packages/core/src/redis/acl.ts). Against real servers and sentinels the
// group forms, switches over (CLIENT PAUSE, CONFIG SET replica-priority, REPLICAOF), fails over
// on kill -9 (Sentinel's own SLAVEOF, CONFIG REWRITE, CLIENT KILL) — with not one command denied
// in any server's ACL LOG — and that user cannot touch data.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, startProgram, waitFor } from '../../harness/index.js';
import { registered, sentinelMaster, serverUp, startSentinel, startServer } from '../sentinel/helpers.js';
import { killServedMaster, startHealthyWatcher, watcherEnv } from '../watcher/group.js';

const PASSWORD = 'acl-user-s3cret';
const USER = 'redis-zk-ops';
const TOKEN = 'acl-test-token-0123456789';

describe('REDIS_USERNAME (an ACL user instead of default)', () => {
  it('forms, switches over and fails over with only the documented rules, none denied; the user cannot read or write data', async () => {
    const hosts = sharedZkHosts();
    const env = { REDIS_PASSWORD: PASSWORD, REDIS_USERNAME: USER };
    const servers: Awaited<ReturnType<typeof startServer>>[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await startServer(hosts, env);
      await s.proc.waitForLog(serverUp, 20_000);
      servers.push(s);
    }
    const admin = (port: number) => redisClient(port, '127.0.0.1', PASSWORD);
    const gone = new Set<number>();
    const replicasLinked = async (n: number) => {
      const infos = await Promise.all(servers.filter((s) => !gone.has(s.port)).map((s) => admin(s.port).info('replication').catch(() => '')));
      return infos.filter((i) => /role:slave/.test(i) && /master_link_status:up/.test(i)).length === n;
    };
    await waitFor(() => replicasLinked(2), { what: 'both replicas linked as the ACL user (masteruser)', timeoutMs: 20_000 });
    const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts, env)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    await waitFor(async () => {
      for (const s of sentinels) {
        const m = await sentinelMaster(s.port).catch(() => ({}) as Record<string, string>);
        if (m['num-other-sentinels'] !== '2' || m['num-slaves'] !== '2' || m.flags !== 'master') return false;
      }
      return true;
    }, { what: 'every sentinel monitoring the master as the ACL user, knowing both replicas', timeoutMs: 30_000 });
    const { base } = await startHealthyWatcher(hosts, { ...env, API_TOKEN: TOKEN });
    // A watcher with the wrong password: 503, naming the failing link and the settings.
    const wrongEnv = await watcherEnv(hosts, { ...env, REDIS_PASSWORD: 'not-the-password' });
    const wrong = startProgram('watcher', wrongEnv);
    const refused = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${wrongEnv.PORT0}/health`).catch(() => undefined);
      const body = r === undefined ? undefined : ((await r.json()) as { reason: string });
      return r?.status === 503 && /REDIS_PASSWORD/.test(body!.reason) ? body! : false;
    }, { what: 'the watcher with a wrong REDIS_PASSWORD to say so on /health', timeoutMs: 15_000 });
    expect(refused.reason).toMatch(/^the master 127\.0\.0\.1:\d+ of mymaster refuses the watcher's credentials \(.*WRONGPASS.*\): REDIS_PASSWORD or REDIS_USERNAME is wrong/);
    expect(refused.reason).not.toContain('not-the-password');
    wrong.signal('SIGTERM');
    await wrong.exited;
    // Its failed logins are in the servers' ACL LOG; what follows must add nothing there.
    for (const s of servers) await admin(s.port).call('ACL', 'LOG', 'RESET');

    // A planned switchover to a named replica.
    const first = await (await fetch(`${base}/master`)).text();
    const candidate = servers.map((s) => `127.0.0.1:${s.port}`).find((a) => a !== first)!;
    const r = await fetch(`${base}/switchover`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ candidate }) });
    expect(r.status, await r.clone().text()).toBe(200);
    await waitFor(async () => (await (await fetch(`${base}/master`)).text()) === candidate, { what: 'the switchover recorded' });

    // kill -9 of the new master's redis-server: Sentinel fails over as the ACL user.
    await waitFor(async () => {
      for (const s of sentinels) if (!(await sentinelMaster(s.port).catch(() => ({}) as Record<string, string>)).flags?.startsWith('master')) return false;
      const views = await Promise.all(sentinels.map((s) => sentinelMaster(s.port)));
      return views.every((v) => `${v.ip}:${v.port}` === candidate && !v.flags!.includes('failover'));
    }, { what: 'the sentinels settled on the candidate', timeoutMs: 30_000 });
    const { victim, next } = await killServedMaster(base, servers, 'the watcher to serve the master Sentinel promoted');
    expect(victim.port).toBe(Number(candidate.split(':')[1]));
    gone.add(victim.port);
    await victim.proc.exited;
    await waitFor(() => replicasLinked(1), { what: 'the remaining replica re-pointed to the new master', timeoutMs: 30_000 });

    // Not one command of the user was denied on any live server: the rules are enough.
    for (const s of servers.filter((x) => x !== victim)) {
      const log = (await admin(s.port).call('ACL', 'LOG')) as unknown[];
      expect(log, `ACL LOG of ${s.port}: ${JSON.stringify(log)}`).toEqual([]);
    }
    // …and they are all it may do: no data, no keys.
    const ops = new Redis({ host: '127.0.0.1', port: Number(next.split(':')[1]), username: USER, password: PASSWORD, maxRetriesPerRequest: 0, lazyConnect: true });
    await ops.connect();
    await expect(ops.get('k')).rejects.toThrow(/NOPERM/);
    await expect(ops.set('k', 'v')).rejects.toThrow(/NOPERM/);
    await expect(ops.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
    expect(await ops.ping()).toBe('PONG');
    ops.disconnect();
  }, 120_000);
});
