import { createSecureContext } from 'node:tls';
import { ConfigError } from '../errors.js';
import { raw, readConfigFile, readEnum, type Env } from '../config/parse.js';

/** What every Redis and Sentinel link uses when TLS is on (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE). */
export interface TlsSettings {
  /** The paths, for redis-server's and redis-sentinel's own configuration (they read the files). */
  certFile: string;
  keyFile: string;
  caFile: string;
  /** TLS_CLIENT_AUTH: whether redis-server and redis-sentinel demand a client certificate. */
  clientAuth: 'yes' | 'optional' | 'no';
  /** The same files, read once, for the programs' own connections (they present the certificate as clients). */
  client: TlsClient;
}

export interface TlsClient {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

type PemFile = readonly [variable: string, key: string, what: string];

const FILES = [
  ['TLS_CERT_FILE', 'certFile', 'a PEM certificate'],
  ['TLS_KEY_FILE', 'keyFile', 'its PEM private key'],
  ['TLS_CA_FILE', 'caFile', 'the PEM CA certificate that signed the group\'s certificates'],
] as const satisfies readonly PemFile[];

const HTTP_FILES = [
  ['HTTP_TLS_CERT_FILE', 'cert', 'a PEM certificate for the HTTP API'],
  ['HTTP_TLS_KEY_FILE', 'key', 'its PEM private key'],
] as const satisfies readonly PemFile[];

/**
 * A set of PEM files that go together: all of them or none, each readable and PEM; a key's
 * content is never echoed. Read here, once, at start.
 */
function readPemFiles<const F extends readonly PemFile[]>(env: Env, files: F, purpose: string): { paths: Record<F[number][1], string>; contents: Record<F[number][1], Buffer> } | undefined {
  const set = files.filter(([name]) => raw(env, name) !== undefined);
  if (set.length === 0) return undefined;
  if (set.length < files.length) {
    const missing = files.filter(([name]) => raw(env, name) === undefined).map(([name]) => name);
    const [name] = set[0]!;
    throw new ConfigError(name, raw(env, name)!, `to be set together with ${missing.join(' and ')}: ${purpose} needs ${files.map(([n]) => n).join(', ').replace(/, ([^,]+)$/, ' and $1')}`);
  }
  const paths = {} as Record<string, string>;
  const contents = {} as Record<string, Buffer>;
  for (const [name, key, what] of files) {
    const path = raw(env, name)!;
    const content = readConfigFile(name, path, what);
    if (!/-----BEGIN [A-Z ]+-----/.test(content.toString('latin1'))) throw new ConfigError(name, path, `a file holding ${what} (it is not PEM)`);
    paths[key] = path;
    contents[key] = content;
  }
  return { paths, contents } as { paths: Record<F[number][1], string>; contents: Record<F[number][1], Buffer> };
}

/** TLS on every Redis, replication and Sentinel link: TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE. */
export function readTls(env: Env): TlsSettings | undefined {
  const clientAuth = readEnum(env, 'TLS_CLIENT_AUTH', 'yes', ['yes', 'optional', 'no'] as const);
  const read = readPemFiles(env, FILES, 'TLS');
  if (read === undefined) return undefined;
  const { paths, contents } = read;
  return {
    ...paths,
    clientAuth,
    client: { cert: contents.certFile, key: contents.keyFile, ca: contents.caFile },
  };
}

/** The watcher's HTTPS: a certificate and its key, for `https://` on PORT0. */
export interface HttpTls {
  cert: Buffer;
  key: Buffer;
}

/**
 * HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE: the watcher serves HTTPS only. Checked here that the
 * key belongs to the certificate, so that a mismatch is one line at start rather than a failed
 * listen.
 */
export function readHttpTls(env: Env): HttpTls | undefined {
  const read = readPemFiles(env, HTTP_FILES, 'HTTPS');
  if (read === undefined) return undefined;
  try {
    createSecureContext({ cert: read.contents.cert, key: read.contents.key });
  } catch (err) {
    const why = (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '');
    throw new ConfigError('HTTP_TLS_KEY_FILE', read.paths.key, `the private key of the certificate in HTTP_TLS_CERT_FILE (${why})`);
  }
  return read.contents;
}

/**
 * ioredis's `tls` option for a link: the group's CA only. The host name is not checked, as Redis
 * does not check it on its own replication and Sentinel links: on Marathon tasks land on hosts
 * and ports nobody names in advance, and the CA is the group's own.
 */
export function tlsOptions(tls: TlsClient | undefined): { ca: Buffer; cert: Buffer; key: Buffer; checkServerIdentity: () => undefined } | undefined {
  return tls === undefined ? undefined : { ca: tls.ca, cert: tls.cert, key: tls.key, checkServerIdentity: () => undefined };
}

/** A value for redis.conf / sentinel.conf, quoted when it has to be (paths may hold spaces). */
export function confValue(value: string): string {
  return /^[A-Za-z0-9._\/:@+-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * redis-server's and redis-sentinel's listening directives: `port` in the clear, or with TLS the
 * same port speaking TLS only (`port 0`), replication and Sentinel's own links over TLS, clients
 * checked against the CA as TLS_CLIENT_AUTH says.
 */
export function tlsDirectives(port: number, tls: Pick<TlsSettings, 'certFile' | 'keyFile' | 'caFile' | 'clientAuth'> | undefined): string[] {
  if (tls === undefined) return [`port ${port}`];
  return [
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${confValue(tls.certFile)}`,
    `tls-key-file ${confValue(tls.keyFile)}`,
    `tls-ca-cert-file ${confValue(tls.caFile)}`,
    `tls-auth-clients ${tls.clientAuth}`,
    'tls-replication yes',
  ];
}
