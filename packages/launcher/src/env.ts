import { readSecret, readTls, type TlsClient } from '@redis-zk/core';
import { plainEnv, portEnvName, type AppDef } from './definitions.js';

export interface TaskEnvInput {
  app: AppDef;
  ports: number[];
  host: string;
  taskId: string;
  appVersion: string;
  sandbox: string;
  /** Replaces the definition's ZK_HOSTS when set. */
  zkHosts?: string;
  /** Applied last: the caller's per-app overrides. */
  overrides?: Record<string, string>;
  /** Passed through from the launcher's own environment (PATH and the like). */
  inherited?: Record<string, string | undefined>;
}

/**
 * The environment Marathon gives a task (ports by index and by name, PORTS, HOST, app and task
 * metadata, MESOS_SANDBOX) on top of the app's `env`. A definition's own BIND_IP wins over the
 * launcher's loopback default, as it would on an agent.
 */
export function taskEnv(input: TaskEnvInput): Record<string, string> {
  const { app, ports } = input;
  const { env: appEnv } = plainEnv(app);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.inherited ?? {})) if (v !== undefined) env[k] = v;
  Object.assign(env, appEnv);
  if (input.zkHosts !== undefined) env.ZK_HOSTS = input.zkHosts;
  env.BIND_IP ??= input.host;
  const defs = app.portDefinitions ?? [{ port: 0 }];
  ports.forEach((port, i) => {
    env[`PORT${i}`] = String(port);
    const name = defs[i]?.name;
    if (name) env[portEnvName(name)] = String(port);
  });
  if (ports.length > 0) env.PORT = String(ports[0]);
  env.PORTS = ports.join(',');
  env.HOST = input.host;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = input.appVersion;
  env.MARATHON_APP_RESOURCE_CPUS = String(app.cpus ?? 1);
  env.MARATHON_APP_RESOURCE_MEM = String(app.mem ?? 128);
  const labels = app.labels ?? {};
  env.MARATHON_APP_LABELS = Object.keys(labels).join(' ');
  for (const [k, v] of Object.entries(labels)) env[`MARATHON_APP_LABEL_${k.replace(/[^A-Za-z0-9_]/g, '_')}`] = v;
  env.MESOS_TASK_ID = input.taskId;
  env.MESOS_SANDBOX = input.sandbox;
  Object.assign(env, input.overrides ?? {});
  return env;
}

/** Marathon's task id: the app path with `/` as `_`, a dot, a UUID. */
export function marathonTaskId(appId: string, uuid: string): string {
  return `${appId.replace(/^\//, '').replace(/\//g, '_')}.${uuid}`;
}

/**
 * The chroot of a connect string (`a:1,b:2/redis-zk` → `/redis-zk`), kept when the hosts are
 * replaced by a local ZooKeeper so that local and deployed groups use the same paths.
 */
export function chrootOf(connectString: string | undefined): string {
  if (!connectString) return '';
  const slash = connectString.indexOf('/');
  return slash === -1 ? '' : connectString.slice(slash).replace(/\/+$/, '');
}

/**
 * A task's secret and TLS files read exactly as its program reads them (core's readSecret and
 * readTls), for the launcher's own probes and hints; undefined where the program would refuse
 * them (it then says why itself).
 */
export function taskSecret(env: Record<string, string> | undefined, name: string): string | undefined {
  try {
    return readSecret(env ?? {}, name);
  } catch {
    return undefined;
  }
}

export function taskTls(env: Record<string, string> | undefined): TlsClient | undefined {
  try {
    return readTls(env ?? {})?.client;
  } catch {
    return undefined;
  }
}
