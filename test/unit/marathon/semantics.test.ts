// What Marathon's schema cannot check: that the definitions set what the programs read, ports
// the programs listen on, health checks that point at them, grace periods longer than the
// wrappers' own shutdown, placement, and a group that holds exactly the three app files.
import { describe, expect, it } from 'vitest';
import { variablesFor } from '../../../packages/core/src/config/variables.js';
import { join } from 'node:path';
import { appsOf, programOf, startOrder, withFailoverMode, withGroups, type AppDef } from '../../../packages/launcher/src/definitions.js';
import { APP_FILES, apps, group, marathonDir, readJson } from './definitions.js';

/** Variables Marathon (or Mesos) sets itself; a definition must not set them. */
const SET_BY_MARATHON = ['PORT0', 'PORTS', 'PORT', 'HOST', 'MESOS_SANDBOX', 'MESOS_TASK_ID', 'MARATHON_APP_ID'];
/** The wrappers' default SHUTDOWN_TIMEOUT_MS (core config/load.ts). */
const DEFAULT_SHUTDOWN_MS = 10_000;
const EXPECTED = {
  'redis.json': { program: 'server', id: '/redis-zk/redis', ports: ['redis', 'http'], metricsPort: 1, check: 'MESOS_HTTP', checkPort: 1, instances: 3 },
  'sentinel.json': { program: 'sentinel', id: '/redis-zk/sentinel', ports: ['sentinel', 'http'], metricsPort: 1, check: 'MESOS_HTTP', checkPort: 1, instances: 3 },
  'watcher.json': { program: 'watcher', id: '/redis-zk/watcher', ports: ['http'], metricsPort: 0, check: 'MESOS_HTTP', checkPort: 0, instances: 1 },
} as const;

const plain = (app: AppDef) => Object.fromEntries(Object.entries(app.env ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;

describe.each(APP_FILES)('marathon/%s', (file) => {
  const app = apps[file];
  const want = EXPECTED[file];
  const program = programOf(app);

  it('names its program and id', () => {
    expect(program).toBe(want.program);
    expect(app.id).toBe(want.id);
    expect(app.instances).toBe(want.instances);
  });

  it('sets only variables its program reads, and none Marathon sets itself', () => {
    const known = new Set(variablesFor(program).map((v) => v.name));
    const names = Object.keys(app.env ?? {});
    expect(names.filter((n) => !known.has(n)), `unknown to ${program}`).toEqual([]);
    expect(names.filter((n) => SET_BY_MARATHON.includes(n))).toEqual([]);
    expect(app.env?.ZK_HOSTS, 'ZK_HOSTS to fill in').toMatch(/^[^,/\s]+:\d+(,[^,/\s]+:\d+)*(\/[\w.-]+)*$/);
  });

  it('asks for named dynamic ports the program listens on (PORT0, and PORT1 for the wrappers\' HTTP port)', () => {
    // The wrappers read PORT0 (Redis, Sentinel) and PORT1 (HTTP_PORT); the watcher PORT0 only: a port more
    // would be allocated and never used.
    expect(app.portDefinitions!.map((p) => ({ port: p.port, name: p.name, protocol: p.protocol }))).toEqual(want.ports.map((name) => ({ port: 0, name, protocol: 'tcp' })));
    expect(app.requirePorts ?? false).toBe(false);
    if (want.ports.length > 1) expect(variablesFor(program).map((v) => v.name)).toContain('PORT1');
  });

  it('labels the port that serves /metrics for Prometheus (marathon_sd "metrics" label, DC/OS DCOS_METRICS_*), and only that one', () => {
    const labelled = app.portDefinitions!.flatMap((p, i) => (p.labels === undefined ? [] : [i]));
    expect(labelled).toEqual(want.metricsPort === undefined ? [] : [want.metricsPort]);
    if (want.metricsPort !== undefined) {
      expect(app.portDefinitions![want.metricsPort]!.labels).toEqual({ metrics: '/metrics', DCOS_METRICS_FORMAT: 'prometheus', DCOS_METRICS_ENDPOINT: '/metrics' });
    }
  });

  it('has one Mesos-level health check on an existing port', () => {
    expect(app.healthChecks).toHaveLength(1);
    const hc = app.healthChecks![0]!;
    expect(hc.protocol).toBe(want.check);
    expect(hc.port).toBeUndefined();
    expect(hc.portIndex ?? 0).toBe(want.checkPort);
    if (want.check === 'MESOS_HTTP') expect(hc.path).toBe('/health');
    expect(hc.gracePeriodSeconds).toBeGreaterThan(0);
    expect(hc.timeoutSeconds!).toBeLessThan(hc.intervalSeconds!);
    expect(hc.maxConsecutiveFailures).toBeGreaterThanOrEqual(2);
  });

  it('gives the task longer than its own shutdown before SIGKILL', () => {
    const grace = app.taskKillGracePeriodSeconds;
    expect(grace).toBeTypeOf('number');
    if (variablesFor(program).some((v) => v.name === 'SHUTDOWN_TIMEOUT_MS')) {
      const shutdownMs = Number(plain(app).SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_MS);
      // Room for the wrapper's own clean-up (deregistration, closing the ZooKeeper session).
      expect(grace! * 1000).toBeGreaterThan(shutdownMs + 5_000);
    } else {
      expect(grace!).toBeGreaterThanOrEqual(5);
    }
  });

  it('places and replaces tasks like a stateful service', () => {
    const us = app.upgradeStrategy as { minimumHealthCapacity: number; maximumOverCapacity: number };
    if (program === 'watcher') {
      // Several watchers at once are safe: start the new one before stopping the old.
      expect(app.constraints ?? []).toEqual([]);
      expect(us.minimumHealthCapacity).toBe(1);
    } else {
      expect(app.constraints).toContainEqual(['hostname', 'UNIQUE']);
      // One task at a time: never an extra task (no spare agent under UNIQUE), never more than one down.
      expect(us.maximumOverCapacity).toBe(0);
      expect(Math.floor(app.instances! * (1 - us.minimumHealthCapacity))).toBe(1);
    }
    expect(app.unreachableStrategy).toBeTypeOf('object');
    expect(app.killSelection).toMatch(/^(YOUNGEST|OLDEST)_FIRST$/);
  });

  it('takes ZK_AUTH from a declared Marathon secret: ZooKeeper ACLs are on by default', () => {
    expect(app.env?.ZK_AUTH).toEqual({ secret: 'zk-auth' });
    expect((app as { secrets?: Record<string, { source?: string }> }).secrets?.['zk-auth']?.source).toMatch(/\S/);
  });

  it('keeps secrets out of the definition', () => {
    for (const v of variablesFor(program).filter((x) => x.secret)) {
      const value = app.env?.[v.name];
      if (value !== undefined) expect(value, `${v.name} must be a Marathon secret reference`).toBeTypeOf('object');
    }
  });
});

describe('marathon/group.json', () => {
  it('holds exactly the three app files', () => {
    expect(group.id).toBe('/redis-zk');
    expect(appsOf(group)).toEqual(APP_FILES.map((f) => apps[f]));
  });

  it('starts redis, then the sentinels, then the watcher', () => {
    expect(startOrder(appsOf(group)).map((a) => a.id)).toEqual(['/redis-zk/redis', '/redis-zk/sentinel', '/redis-zk/watcher']);
  });

  it('uses one ZooKeeper connect string and one group name for all apps', () => {
    const envs = appsOf(group).map(plain);
    expect(new Set(envs.map((e) => e.ZK_HOSTS)).size).toBe(1);
    expect(new Set(envs.map((e) => e.MASTER_NAME)).size).toBe(1);
  });
});

describe('marathon/redis-cache.json (a second group beside the shared sentinels and watcher)', () => {
  const cache = readJson<AppDef>(join(marathonDir, 'redis-cache.json'));

  it('is the Redis app again under its own id and MASTER_NAME, nothing else changed', () => {
    expect(cache.id).toBe('/redis-zk/redis-cache');
    expect(plain(cache).MASTER_NAME).toBe('cache');
    const { id: _a, env: envA, ...restA } = cache;
    const { id: _b, env: envB, ...restB } = apps['redis.json'];
    expect(restA).toEqual(restB);
    expect({ ...envA, MASTER_NAME: 'mymaster' }).toEqual(envB);
    expect(plain(cache).ZK_HOSTS).toBe(plain(apps['redis.json']).ZK_HOSTS);
  });
});

describe('withGroups (npm start -- --groups N)', () => {
  it('repeats the server app with MASTER_NAME g2…gN and makes its dependants wait for every copy', () => {
    const three = withGroups(group, 3);
    const all = appsOf(three);
    expect(all.map((a) => a.id)).toEqual(['/redis-zk/redis', '/redis-zk/redis-g2', '/redis-zk/redis-g3', '/redis-zk/sentinel', '/redis-zk/watcher']);
    expect(all.filter((a) => programOf(a) === 'server').map((a) => plain(a).MASTER_NAME)).toEqual(['mymaster', 'g2', 'g3']);
    const order = startOrder(all).map((a) => a.id);
    expect(order.indexOf('/redis-zk/sentinel')).toBeGreaterThan(order.indexOf('/redis-zk/redis-g3'));
    expect(withGroups(group, 1)).toBe(group);
  });
});

describe('withFailoverMode (npm start -- --failover-mode zookeeper)', () => {
  it('drops the sentinel app and what waits for it, and sets FAILOVER_MODE=zookeeper on the rest', () => {
    const zk = withFailoverMode(withGroups(group, 2), 'zookeeper');
    const all = appsOf(zk);
    expect(all.map((a) => a.id)).toEqual(['/redis-zk/redis', '/redis-zk/redis-g2', '/redis-zk/watcher']);
    expect(all.map((a) => plain(a).FAILOVER_MODE)).toEqual(['zookeeper', 'zookeeper', 'zookeeper']);
    expect(startOrder(all).map((a) => a.id).at(-1)).toBe('/redis-zk/watcher');
    expect(withFailoverMode(group, 'sentinel')).toBe(group);
  });
});
