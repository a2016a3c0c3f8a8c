import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  VARIABLES,
  loadSentinelConfig,
  loadServerConfig,
  loadWatcherConfig,
  variablesFor,
  type ProgramName,
} from '@redis-zk/core';

type Env = Record<string, string | undefined>;
const LOADERS: Record<ProgramName, (env: Env) => unknown> = {
  server: (env) => loadServerConfig(env),
  sentinel: (env) => loadSentinelConfig(env),
  watcher: (env) => loadWatcherConfig(env),
};
const PROGRAMS: ProgramName[] = ['server', 'sentinel', 'watcher'];

/** Bad values per validated variable. Every variable in VARIABLES is either here or in FREE_FORM. */
const BAD: Record<string, string[]> = {
  ZK_HOSTS: ['a:1,b', 'zk1,zk2:2182', 'zk1:abc', 'zk1:99999', 'zk1:0', 'zk1:2181/bad chroot', 'zk1:2181//a', ',', 'zk 1:2181', 'zk1:2181,', 'http://zk1'],
  ZK_SESSION_TIMEOUT_MS: ['abc', '999', '600001', '-5', '1.5', '1e4'],
  ZK_CONNECT_TIMEOUT_MS: ['abc', '99', '86400001', '-1'],
  ZK_AUTH: ['nocolon-s3', 'usr-s3:', ':pw-s3', 'us er:pw-s3'],
  PORT0: ['abc', '0', '65536', '80a', '-1', '6379.0'],
  BIND_IP: ['1.2.3', 'localhost', '256.1.1.1', '10.0.0.1/24', '::1'],
  NET_IFACE: ['eth 0', 'a'.repeat(16), 'eth0;rm'],
  HOST: ['bad host', 'a_b', 'x'.repeat(254)],
  MASTER_NAME: ['my master', 'x'.repeat(65), 'a/b', 'a:b'],
  DEFAULT_MASTER_NAME: ['my master', 'a/b'],
  LOG_LEVEL: ['verbose', 'INFO', '3'],
  REDIS_PASSWORD: ['has s3 space', 'quote"s3', "it's3", 'back\\s3', `s3${'x'.repeat(511)}`],
  REDIS_PROBE_TIMEOUT_MS: ['10', 'abc', '60001'],
  SHUTDOWN_TIMEOUT_MS: ['50', 'x', '600001'],
  SENTINEL_QUORUM: ['0', 'abc', '101', '-1'],
  SENTINEL_DOWN_AFTER_MS: ['99', 'abc'],
  SENTINEL_FAILOVER_TIMEOUT_MS: ['999', 'abc'],
  SENTINEL_PARALLEL_SYNCS: ['0', 'abc'],
  MASTER_WAIT_TIMEOUT_MS: ['99', 'abc'],
  RECONCILE_INTERVAL_MS: ['99', 'abc'],
  HOOK_TIMEOUT_MS: ['99', 'abc'],
  API_TOKEN: ['s3-short', 's3 has a space in it, sixteen', `s3${'x'.repeat(511)}`],
  REDIS_PASSWORD_FILE: ['/nonexistent/redis-zk-secret', '/'],
  SENTINEL_PASSWORD: ['has s3 space', 'quote"s3'],
  REDIS_USERNAME: ['default', 'bad name', 'needs-a-password'],
  // Alone (the other two unset), missing, or not PEM.
  TLS_CERT_FILE: ['/nonexistent/cert.pem'],
  TLS_KEY_FILE: ['/nonexistent/key.pem'],
  TLS_CA_FILE: ['/etc/hostname'],
  HTTP_TLS_CERT_FILE: ['/nonexistent/cert.pem'],
  HTTP_TLS_KEY_FILE: ['/etc/hostname'],
  TLS_CLIENT_AUTH: ['required', 'YES', '1'],
  SENTINEL_PASSWORD_FILE: ['/nonexistent/redis-zk-secret'],
  ZK_AUTH_FILE: ['/nonexistent/redis-zk-secret'],
  API_TOKEN_FILE: ['/nonexistent/redis-zk-secret'],
  REDIS_APPENDONLY: ['true', 'YES', 'always'],
  GROUP_RESTART_WAIT_MS: ['-1', 'soon', '600001'],
  SENTINEL_INFO_PERIOD_MS: ['99', 'fast', '60001'],
  FENCING: ['yes', 'ON', '1'],
  FAILOVER_MODE: ['zk', 'Sentinel', 'raft'],
  HTTP_PORT: ['abc', '0', '65536'],
  PORT1: ['abc', '0', '70000'],
  // 10000 is the default ZK_SESSION_TIMEOUT_MS: the fence must come before the session could expire.
  FENCE_AFTER_MS: ['99', 'abc', '10000', '600001'],
};
/** Paths, commands and the sandbox: any string is acceptable at load time. */
const FREE_FORM = ['MESOS_SANDBOX', 'REDIS_SERVER_BIN', 'REDIS_CONF', 'REDIS_DATA_DIR', 'REDIS_SENTINEL_BIN', 'SENTINEL_CONF', 'SENTINEL_DIR', 'HOOK_COMMAND'];

function configErrorOf(program: ProgramName, env: Env): ConfigError | undefined {
  try {
    LOADERS[program](env);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('config loaders', () => {
  it('a relative REDIS_DATA_DIR / SENTINEL_DIR / MESOS_SANDBOX is made absolute once (the child runs inside it)', () => {
    expect(loadServerConfig({ REDIS_DATA_DIR: 'data/r' }).dataDir).toBe(`${process.cwd()}/data/r`);
    expect(loadServerConfig({ MESOS_SANDBOX: 'sb' }).dataDir).toBe(`${process.cwd()}/sb/redis-data`);
    expect(loadSentinelConfig({ SENTINEL_DIR: './s' }).workDir).toBe(`${process.cwd()}/s`);
  });

  it('HTTP_PORT defaults to PORT1, and there is no HTTP port without either', () => {
    expect(loadSentinelConfig({ PORT1: '31003' }).httpPort).toBe(31003);
    expect(loadSentinelConfig({}).httpPort).toBeUndefined();
    expect(() => loadServerConfig({ HTTP_PORT: '6379' })).toThrow('HTTP_PORT="6379" is invalid: expected a port other than PORT0 (6379), which redis-server listens on');
    expect(() => loadSentinelConfig({ PORT0: '31001', PORT1: '31001' })).toThrow('PORT1="31001" is invalid: expected a port other than PORT0 (31001), which redis-sentinel listens on');
    expect(loadServerConfig({}).httpPort).toBeUndefined();
    expect(loadServerConfig({ PORT1: '31002' }).httpPort).toBe(31002);
    expect(loadServerConfig({ PORT1: '31002', HTTP_PORT: '8081' }).httpPort).toBe(8081);
  });

  it('FENCE_AFTER_MS defaults to 2 s, or a third of a shorter session timeout', () => {
    expect(loadServerConfig({}).fenceAfterMs).toBe(2_000);
    expect(loadServerConfig({ ZK_SESSION_TIMEOUT_MS: '3000' }).fenceAfterMs).toBe(1_000);
    expect(loadServerConfig({}).fencing).toBe(true);
    expect(loadServerConfig({ FENCING: 'off' }).fencing).toBe(false);
    expect(() => loadServerConfig({ ZK_SESSION_TIMEOUT_MS: '4000', FENCE_AFTER_MS: '4000' })).toThrow('FENCE_AFTER_MS="4000" is invalid: expected less than ZK_SESSION_TIMEOUT_MS (4000)');
  });

  it('every variable is either validated here or deliberately free-form', () => {
    const covered = new Set([...Object.keys(BAD), ...FREE_FORM]);
    expect(VARIABLES.map((v) => v.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it('load with an empty environment to the documented defaults', () => {
    const server = loadServerConfig({});
    expect(server).toMatchObject({ port: 6379, masterName: 'mymaster', defaultMasterName: 'mymaster', logLevel: 'info', redisServerBin: 'redis-server' });
    expect(server.zk.connectString).toBe('localhost:2181');
    expect(loadSentinelConfig({})).toMatchObject({ port: 26379, quorum: 2, redisSentinelBin: 'redis-sentinel' });
    expect(loadWatcherConfig({})).toMatchObject({ port: 8080, reconcileIntervalMs: 5000 });
  });

  it('read a valid environment', () => {
    const c = loadSentinelConfig({ ZK_HOSTS: 'zk1,zk2/team-a', PORT0: '31001', BIND_IP: '10.0.0.5', SENTINEL_QUORUM: '3', REDIS_PASSWORD: 'pw' });
    expect(c.zk).toMatchObject({ connectString: 'zk1:2181,zk2:2181/team-a', chroot: '/team-a' });
    expect(c).toMatchObject({ port: 31001, bindIp: '10.0.0.5', quorum: 3, redisPassword: 'pw' });
  });

  for (const spec of VARIABLES) {
    const bad = BAD[spec.name];
    if (!bad) continue;
    for (const program of spec.programs) {
      it(`${program}: every bad ${spec.name} is one ConfigError naming variable, value and what is expected`, () => {
        for (const value of bad) {
          const err = configErrorOf(program, { [spec.name]: value });
          expect(err, `${spec.name}=${JSON.stringify(value)} was accepted by ${program}`).toBeInstanceOf(ConfigError);
          const msg = err!.message;
          expect(err!.variable).toBe(spec.name);
          expect(msg.startsWith(`${spec.name}=`)).toBe(true);
          expect(msg).toMatch(/expected \S/);
          expect(msg).not.toContain('\n');
          if (spec.secret) {
            expect(msg.startsWith(`${spec.name}="[redacted]" `)).toBe(true);
            expect(msg).not.toContain(value);
            expect(msg).not.toContain('s3');
          } else {
            expect(msg).toContain(JSON.stringify(value.trim()));
          }
        }
      });
    }
  }

  it('a secret that is invalid is never echoed, even in part', () => {
    const err = configErrorOf('server', { REDIS_PASSWORD: 'hunter2 secret' });
    expect(err?.message).not.toMatch(/hunter2|secret/);
    const zkErr = configErrorOf('watcher', { ZK_AUTH: 'admin-hunter3' });
    expect(zkErr?.message).not.toMatch(/hunter3/);
  });

  it('empty values mean unset (Marathon placeholders)', () => {
    expect(loadServerConfig({ PORT0: '', ZK_HOSTS: '  ', REDIS_PASSWORD: '' })).toMatchObject({ port: 6379, redisPassword: undefined });
  });
});

describe('VARIABLES is exactly what the loaders read', () => {
  for (const program of PROGRAMS) {
    it(`${program}`, () => {
      const read = new Set<string>();
      const env = new Proxy({} as Env, {
        get(_t, key) {
          if (typeof key === 'string') read.add(key);
          return undefined;
        },
        has(_t, key) {
          if (typeof key === 'string') read.add(key);
          return false;
        },
      });
      LOADERS[program](env);
      // With every variable unset all branches that read a variable are taken (e.g. MESOS_SANDBOX
      // is only consulted when the work dir is not given).
      expect([...read].sort()).toEqual(variablesFor(program).map((v) => v.name).sort());
    });
  }
});
