import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runProgramToExit, sharedZkHosts, tempDir, waitFor, zkClient } from '../../harness/index.js';
import { isUp, replication, startServer } from './helpers.js';
import { registered, startSentinel } from '../sentinel/helpers.js';

const BAD_ENV: [string, string][] = [
  ['PORT0', 'abc'],
  ['PORT0', '70000'],
  ['ZK_HOSTS', 'zk1:notaport'],
  ['ZK_SESSION_TIMEOUT_MS', '-5'],
  ['ZK_CONNECT_TIMEOUT_MS', 'soon'],
  ['BIND_IP', 'not-an-ip'],
  ['MASTER_NAME', 'has space'],
  ['LOG_LEVEL', 'loud'],
  ['REDIS_PROBE_TIMEOUT_MS', '0'],
  ['SHUTDOWN_TIMEOUT_MS', '1e9'],
  ['REDIS_CONF', '/nonexistent/redis.conf'],
  ['REDIS_PASSWORD', 'with space'],
  ['ZK_HOSTS', '127.0.0.1:1,zk2'],
  ['REDIS_APPENDONLY', 'always'],
];

describe('bad input', () => {
  it.each(BAD_ENV)('%s=%s: one line on stderr naming the variable, exit 2, no stack trace', async (name, value) => {
    const r = await runProgramToExit('server', { ZK_HOSTS: '127.0.0.1:1', BIND_IP: '127.0.0.1', PORT0: '6390', [name]: value });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (name === 'REDIS_PASSWORD') expect(r.stderr).not.toContain('with space');
  });

  it.each([
    ['server', 'REDIS_PASSWORD_FILE'],
    ['sentinel', 'SENTINEL_PASSWORD_FILE'],
    ['watcher', 'API_TOKEN_FILE'],
    ['server', 'ZK_AUTH_FILE'],
  ] as const)('%s: %s naming a FIFO, a device or a directory: one line naming the variable, exit 2, never a hang', async (program, name) => {
    const dir = tempDir('secret-kinds');
    const fifo = join(dir, 'secret.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, '/dev/zero', dir]) {
      // A FIFO nobody writes to would block a plain read forever; the deadline is runProgramToExit's.
      const r = await runProgramToExit(program, { ZK_HOSTS: '127.0.0.1:1', BIND_IP: '127.0.0.1', PORT0: '6390', [name]: path });
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      expect(lines[0]).toContain(path);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('NET_IFACE naming an interface that is not there: one line naming it and the interfaces present, exit 2 (never another address)', async () => {
    const r = await runProgramToExit('server', { ZK_HOSTS: '127.0.0.1:1', BIND_IP: '', NET_IFACE: 'nosuch0', PORT0: '6390' });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/NET_IFACE="nosuch0" is invalid: expected an interface of this machine with an IPv4 address \(there is no such interface; present: .*lo/);
  });

  it('a REDIS_CONF that redis-server rejects: one line naming REDIS_CONF and the directive, exit 2', async () => {
    const dir = tempDir();
    const conf = join(dir, 'base.conf');
    writeFileSync(conf, 'maxmemory 64mb\nno-such-directive yes\n');
    const hosts = sharedZkHosts();
    await zkClient(hosts);
    const r = await runProgramToExit('server', { ZK_HOSTS: hosts, BIND_IP: '127.0.0.1', PORT0: String(await freePort()), REDIS_CONF: conf, REDIS_DATA_DIR: tempDir() });
    expect(r.code).toBe(2);
    // redis-server's own lines pass through; ours is one line after them.
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('redis-zk-server:'));
    expect(ours).toEqual([`redis-zk-server: REDIS_CONF="${conf}" is invalid: expected a redis.conf that redis-server accepts (it rejects 'no-such-directive yes': Bad directive or wrong number of arguments)`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a group created with ZK_AUTH: a server started without it, or with other credentials, says so naming ZK_AUTH, exit 2', async () => {
    const hosts = sharedZkHosts();
    await zkClient(hosts);
    const owner = await startServer(hosts, { env: { ZK_AUTH: 'redis-zk:right-pw' } });
    await owner.proc.waitForLog(isUp, 20_000);
    for (const auth of [undefined, 'redis-zk:wrong-pw', 'intruder:pw']) {
      const env: Record<string, string> = { ZK_HOSTS: hosts, BIND_IP: '127.0.0.1', PORT0: String(await freePort()), REDIS_DATA_DIR: tempDir() };
      if (auth !== undefined) env.ZK_AUTH = auth;
      const r = await runProgramToExit('server', env);
      expect(r.code, String(auth)).toBe(2);
      const ours = r.stderr.trim().split('\n');
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatch(new RegExp(`ZK_AUTH ${auth === undefined ? 'is unset' : 'names another one'}; set ZK_AUTH`));
      expect(r.stderr).not.toContain('pw');
    }
    expect(await owner.redis.ping()).toBe('PONG');
  });

  const MALFORMED: [string, string][] = [
    ['garbage', 'garbage'],
    ['host without port', 'host'],
    ['port out of range', 'host 99999'],
    ['empty', ''],
    ['1 MB', 'x'.repeat(1_000_000)],
  ];

  it('garbage in /redis/nodes, /redis/sentinels and /redis/sentinel-ids is refused in one line each and never used', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    await zk.set('/redis/nodes/junk', 'not an address');
    await zk.set('/redis/nodes/big', 'z'.repeat(100_000));
    await zk.set('/redis/sentinels/empty', '');
    await zk.set('/redis/sentinel-ids/not-a-myid', '127.0.0.1 1');
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    for (const path of ['/redis/nodes/junk', '/redis/nodes/big', '/redis/sentinels/empty']) {
      expect(a.proc.logs().filter((l) => l.event === 'ENTRY_IGNORED' && l.path === path), path).toHaveLength(1);
    }
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    expect((await replication(a.redis)).role).toBe('master');
    expect(Math.max(...a.proc.output().split('\n').map((l) => l.length))).toBeLessThan(5_000);
    const s = await startSentinel(hosts);
    await s.proc.waitForLog(registered, 20_000);
    expect(s.proc.logs().filter((l) => l.event === 'ENTRY_IGNORED' && l.node === 'not-a-myid')).toHaveLength(1);
    expect(s.proc.logs().some((l) => l.event === 'SENTINEL_ID_CLAIMED' && l.from === undefined)).toBe(true);
  });

  it.each(MALFORMED)('/redis/master %s at start: logged refusal, claims master, no crash', async (label, value) => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    await zk.set('/redis/master', value);
    const a = await startServer(hosts);
    const up = await a.proc.waitForLog(isUp, 20_000);
    expect(up.role).toBe('master');
    expect((await replication(a.redis)).role).toBe('master');
    expect(await zk.get('/redis/master')).toBe(`127.0.0.1 ${a.port}`);
    if (label !== 'empty') {
      const refusal = a.proc.logs().find((l) => l.event === 'RECORD_REFUSED');
      expect(refusal).toBeDefined();
    }
    // No log line carries the whole 1 MB value.
    expect(a.proc.output().length).toBeLessThan(200_000);
  });

  it('malformed values written while running: one refusal per value, the replica keeps its master', async () => {
    const hosts = sharedZkHosts();
    const a = await startServer(hosts);
    await a.proc.waitForLog(isUp, 20_000);
    const b = await startServer(hosts);
    await b.proc.waitForLog(isUp, 20_000);
    const zk = await zkClient(hosts);
    for (const [, value] of MALFORMED.filter(([l]) => l !== 'empty')) {
      await zk.set('/redis/master', value);
      await b.proc.waitForLog((l) => l.event === 'RECORD_REFUSED' && l.rule === 'record-invalid' && String(l.record).startsWith(value.slice(0, 10)), 5_000);
    }
    await zk.set('/redis/master', '');
    await zk.set('/redis/master', 'garbage');
    await zk.set('/redis/master', 'garbage');
    await new Promise((r) => setTimeout(r, 500)); // let any (wrong) reaction happen
    for (const s of [a, b]) {
      expect(s.proc.output().length).toBeLessThan(200_000);
      expect(await s.redis.ping()).toBe('PONG');
    }
    const rb = await replication(b.redis);
    expect(rb).toMatchObject({ role: 'slave', masterPort: a.port, linkUp: true });
    expect((await replication(a.redis)).role).toBe('master');
    const refusals = b.proc.logs().filter((l) => l.event === 'RECORD_REFUSED' && l.record === 'garbage');
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(2); // once per distinct value (it came twice, separated by "")
    // Still alive and following: a valid change is applied.
    await zk.set('/redis/master', `127.0.0.1 ${b.port}`);
    await waitFor(async () => (await replication(b.redis)).role === 'master', { what: 'b promoted after a valid record' });
  });

  it('a bad extra redis-server argument makes the wrapper exit with its status', async () => {
    const port = await freePort();
    const r = await runProgramToExit(
      'server',
      { ZK_HOSTS: sharedZkHosts(), BIND_IP: '127.0.0.1', PORT0: String(port), ZK_SESSION_TIMEOUT_MS: '4000' },
      ['--', '--no-such-option', 'x'],
      30_000,
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/redis-server exited during start/);
  });
});
