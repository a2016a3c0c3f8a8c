import { readFileSync, statSync, type Stats } from 'node:fs';
import { ConfigError } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Unset and empty mean the same: Marathon definitions often carry `"VAR": ""` placeholders. */
export function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function readInt(env: Env, name: string, def: number, min: number, max: number): number {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(name, v, `a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

export function readPort(env: Env, name: string, def: number): number {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
    throw new ConfigError(name, v, 'a TCP port number from 1 to 65535');
  }
  return Number(v);
}

export function readString(env: Env, name: string, def: string, pattern?: RegExp, expected?: string): string {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (pattern && !pattern.test(v)) throw new ConfigError(name, v, expected ?? `a value matching ${pattern}`);
  return v;
}

export function readOptional(env: Env, name: string): string | undefined {
  return raw(env, name);
}

function fileKind(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A file a setting names (a secret, a certificate), read once at start; a file that cannot be
 * read is one ConfigError naming the variable and the path, saying why, never the content.
 */
export function readConfigFile(variable: string, path: string, holding: string): Buffer {
  try {
    // Opening a FIFO blocks until someone writes to it, and a device never ends: only a regular
    // file (or a link to one, as Kubernetes and DC/OS mount secrets) is read.
    const kind = fileKind(statSync(path));
    if (kind !== 'file') throw new ConfigError(variable, path, `a regular file holding ${holding} (it is ${kind})`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code;
    throw new ConfigError(variable, path, `a readable file holding ${holding} (${why})`);
  }
}

/**
 * Secrets keep their exact bytes (no trimming) and are never echoed in an error. Each may also
 * come from a file, `<NAME>_FILE` (how DC/OS and Kubernetes mount secrets), read once here; one
 * trailing newline, as `echo` and editors leave, is not part of it. An error then names the
 * file, never its content.
 */
export function readSecret(env: Env, name: string, pattern?: RegExp, expected?: string): string | undefined {
  const fileVar = `${name}_FILE`;
  const path = raw(env, fileVar);
  const direct = env[name];
  if (path !== undefined) {
    if (direct !== undefined && direct !== '') throw new ConfigError(fileVar, path, `either ${name} or ${fileVar}, not both`);
    const v = readConfigFile(fileVar, path, name).toString('utf8').replace(/\r?\n$/, '');
    if (v === '') throw new ConfigError(fileVar, path, `a file holding ${name} (it is empty)`);
    if (pattern && !pattern.test(v)) throw new ConfigError(fileVar, path, `a file holding ${name} as ${expected ?? 'a valid value'}`);
    return v;
  }
  if (direct === undefined || direct === '') return undefined;
  if (pattern && !pattern.test(direct)) throw new ConfigError(name, '[redacted]', expected ?? 'a valid value');
  return direct;
}

export function readEnum<T extends string>(env: Env, name: string, def: T, values: readonly T[]): T {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!(values as readonly string[]).includes(v)) throw new ConfigError(name, v, `one of ${values.join(', ')}`);
  return v as T;
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
export function isIPv4(v: string): boolean {
  return IPV4.test(v);
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export function isHostname(v: string): boolean {
  return HOSTNAME.test(v);
}

export interface ZkHosts {
  /** The connect string as node-zookeeper-client takes it, chroot included. */
  connectString: string;
  servers: { host: string; port: number }[];
  /** `/team-a`, or undefined for the root. */
  chroot: string | undefined;
}

/** `host[:port],host[:port]…[/chroot]`, the ZooKeeper connect string. */
export function parseZkHosts(value: string, name = 'ZK_HOSTS'): ZkHosts {
  const expected = 'a ZooKeeper connect string like "zk1:2181,zk2:2181" with an optional "/chroot"';
  const slash = value.indexOf('/');
  const hostsPart = slash === -1 ? value : value.slice(0, slash);
  let chroot = slash === -1 ? undefined : value.slice(slash);
  if (chroot !== undefined) {
    if (chroot === '/') chroot = undefined;
    else if (!/^(\/[A-Za-z0-9._-]+)+$/.test(chroot)) {
      throw new ConfigError(name, value, `${expected} (the chroot "${chroot}" must be /name[/name…])`);
    }
  }
  const parts = hostsPart.split(',').map((s) => ({ text: s.trim(), m: /^([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(s.trim()) }));
  // "zk1:2182,zk2" is a typo more often than a wish for 2181 on the second server.
  const withPort = parts.filter((p) => p.m?.[2] !== undefined);
  const bare = parts.find((p) => p.m !== null && p.m[2] === undefined);
  if (withPort.length > 0 && bare !== undefined) {
    throw new ConfigError(name, value, `${expected}, with a port on every server when one has one ("${bare.text}" has none)`);
  }
  const servers = parts.map(({ m }) => {
    const port = m?.[2] === undefined ? 2181 : Number(m[2]);
    if (!m || !(isIPv4(m[1]!) || isHostname(m[1]!)) || port < 1 || port > 65535) {
      throw new ConfigError(name, value, expected);
    }
    return { host: m[1]!, port };
  });
  const connectString = servers.map((s) => `${s.host}:${s.port}`).join(',') + (chroot ?? '');
  return { connectString, servers, chroot };
}
