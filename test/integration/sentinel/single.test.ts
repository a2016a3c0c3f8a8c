import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runProgramToExit, sharedZkHosts, startRedisServer, tempDir, waitFor, zkClient } from '../../harness/index.js';
import { TIMINGS, redisPid, registered, registeredSentinels, sentinelMaster, startSentinel } from './helpers.js';

describe('redis-zk-sentinel alone (one master, plain redis-server)', () => {
  it('rejects bad environment values with one line and exit 2', async () => {
    for (const [name, value] of [
      ['PORT0', 'abc'],
      ['SENTINEL_QUORUM', '0'],
      ['SENTINEL_DOWN_AFTER_MS', 'soon'],
      ['ZK_HOSTS', 'zk1:notaport'],
    ] as const) {
      const r = await runProgramToExit('sentinel', { BIND_IP: '127.0.0.1', [name]: value });
      expect(r.code, `${name}=${value}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
    }
  });

  it('--help lists every sentinel variable and the exit codes', async () => {
    const r = await runProgramToExit('sentinel', {}, ['--help']);
    expect(r.code).toBe(0);
    for (const v of ['SENTINEL_QUORUM', 'SENTINEL_DOWN_AFTER_MS', 'MASTER_WAIT_TIMEOUT_MS', 'SENTINEL_CONF', 'ZK_HOSTS', 'REDIS_PASSWORD']) expect(r.stdout).toContain(v);
    expect(r.stdout).toContain('Exit codes');
  });

  it('exits 1 with a clear error when no master appears within MASTER_WAIT_TIMEOUT_MS', async () => {
    const r = await runProgramToExit('sentinel', { BIND_IP: '127.0.0.1', PORT0: String(await freePort()), ZK_HOSTS: sharedZkHosts(), MASTER_WAIT_TIMEOUT_MS: '1500' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no valid master record appeared at \/redis\/master within MASTER_WAIT_TIMEOUT_MS=1500/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('waits for the master (refusing a malformed record), then monitors it with the configured timings', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const master = await startRedisServer();
    const s = await startSentinel(hosts, { SENTINEL_PARALLEL_SYNCS: '2', SENTINEL_QUORUM: '1' });
    await s.proc.waitForLog((l) => l.event === 'WAITING_FOR_MASTER');
    await zk.set('/redis/master', 'not-an-address');
    await s.proc.waitForLog((l) => l.event === 'RECORD_REFUSED' && l.level === 'warn');
    expect(await registeredSentinels(zk)).toEqual([]);
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    await s.proc.waitForLog(registered, 15_000);
    expect(await registeredSentinels(zk)).toEqual([`127.0.0.1 ${s.port}`]);

    const m = await sentinelMaster(s.port);
    expect(`${m.ip} ${m.port}`).toBe(`127.0.0.1 ${master.port}`);
    expect(m['down-after-milliseconds']).toBe(TIMINGS.SENTINEL_DOWN_AFTER_MS);
    expect(m['failover-timeout']).toBe(TIMINGS.SENTINEL_FAILOVER_TIMEOUT_MS);
    expect(m['parallel-syncs']).toBe('2');
    expect(m.quorum).toBe('1');

    // SIGTERM: deregistered at once (well before the 4 s session timeout), exit 0.
    const t0 = Date.now();
    s.proc.signal('SIGTERM');
    await waitFor(async () => (await registeredSentinels(zk)).length === 0, { timeoutMs: 2_000, intervalMs: 50, what: 'the SIGTERMed sentinel to deregister' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await s.proc.exited).code).toBe(0);
  });

  it('starts against an unreachable master with a warning; kill -9 vanishes within the session timeout', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const dead = await freePort();
    await zk.set('/redis/master', `127.0.0.1 ${dead}`);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog((l) => l.event === 'GROUP_MONITORED' && l.rule === 'record-unreachable' && l.level === 'warn');
    await s.proc.waitForLog(registered, 15_000);
    expect(await registeredSentinels(zk)).toEqual([`127.0.0.1 ${s.port}`]);

    const t0 = Date.now();
    s.proc.killGroup();
    await waitFor(async () => (await registeredSentinels(zk)).length === 0, { timeoutMs: 8_000, intervalMs: 100, what: 'the killed sentinel to vanish' });
    const took = Date.now() - t0;
    console.log(`kill -9 of a sentinel: registration gone after ${took} ms (session timeout ${TIMINGS.ZK_SESSION_TIMEOUT_MS} ms)`);
    expect(took).toBeLessThan(Number(TIMINGS.ZK_SESSION_TIMEOUT_MS) + 2_000);
  });

  it('SIGTERM while waiting for a master exits 0; redis-sentinel dying makes the wrapper deregister and exit with its status', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const waiting = await startSentinel(hosts);
    await waiting.proc.waitForLog((l) => l.event === 'WAITING_FOR_MASTER');
    waiting.proc.signal('SIGTERM');
    expect((await waiting.proc.exited).code).toBe(0);

    const master = await startRedisServer();
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog(registered, 15_000);
    const childPid = await redisPid(s.port);
    expect(childPid).not.toBe(s.proc.pid);
    process.kill(childPid, 'SIGKILL');
    expect((await s.proc.exited).code).toBe(128 + 9);
    // Deregistered by the wrapper itself, not by the session timing out.
    expect(await registeredSentinels(zk)).toEqual([]);
  });

  it('writes sentinel.conf 0600 with auth-pass, merging the user base, and never logs the password', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    const password = 'pw-secret-123';
    const master = await startRedisServer({ password });
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    const dir = tempDir('redis-zk-sentinel-conf-');
    const basePath = join(tempDir('redis-zk-sentinel-base-'), 'base.conf');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(basePath, 'sentinel deny-scripts-reconfig yes\nport 1\nsentinel down-after-milliseconds mymaster 99999\n');
    const s = await startSentinel(hosts, { REDIS_PASSWORD: password, SENTINEL_DIR: dir, SENTINEL_CONF: basePath });
    await s.proc.waitForLog(registered, 15_000);
    const conf = join(dir, 'sentinel.conf');
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    const text = readFileSync(conf, 'utf8');
    expect(text).toContain('sentinel deny-scripts-reconfig yes');
    expect(text).not.toMatch(/^port 1$/m);
    const m = await sentinelMaster(s.port);
    expect(m['down-after-milliseconds']).toBe(TIMINGS.SENTINEL_DOWN_AFTER_MS);
    // The sentinel can log in to the master: INFO worked (it knows the run id) and it is not down.
    await waitFor(
      async () => {
        const now = await sentinelMaster(s.port);
        return (now.runid ?? '') !== '' && !now.flags?.includes('down');
      },
      { what: 'the sentinel to read INFO of the password-protected master' },
    );
    // A group added at run time gets its auth-pass through SENTINEL SET.
    const g2 = await startRedisServer({ password });
    await zk.set('/redis/masters/g2', `127.0.0.1 ${g2.port}`);
    await waitFor(
      async () => {
        const now = await sentinelMaster(s.port, 'g2').catch(() => undefined);
        return now !== undefined && (now.runid ?? '') !== '' && !now.flags?.includes('down');
      },
      { what: 'the sentinel to read INFO of the password-protected group added at run time' },
    );
    // SENTINEL MONITOR/SET made redis-sentinel rewrite the file (auth-pass now in it): still private.
    expect(readFileSync(conf, 'utf8')).toMatch(/auth-pass g2 /);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    expect(s.proc.output()).not.toContain(password);
  });
});
