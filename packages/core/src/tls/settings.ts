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

const FILES = [
  ['TLS_CERT_FILE', 'certFile', 'a PEM certificate'],
  ['TLS_KEY_FILE', 'keyFile', 'its PEM private key'],
  ['TLS_CA_FILE', 'caFile', 'the PEM CA certificate that signed the group\'s certificates'],
] as const;

/**
 * TLS on every Redis, replication and Sentinel link: all three files or none, each readable and
 * PEM; the key's content is never echoed. Read here, once, at start.
 */
export function readTls(env: Env): TlsSettings | undefined {
  const clientAuth = readEnum(env, 'TLS_CLIENT_AUTH', 'yes', ['yes', 'optional', 'no'] as const);
  const set = FILES.filter(([name]) => raw(env, name) !== undefined);
  if (set.length === 0) return undefined;
  if (set.length < FILES.length) {
    const missing = FILES.filter(([name]) => raw(env, name) === undefined).map(([name]) => name);
    const [name] = set[0]!;
    throw new ConfigError(name, raw(env, name)!, `to be set together with ${missing.join(' and ')}: TLS needs TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE`);
  }
  const paths = {} as Record<'certFile' | 'keyFile' | 'caFile', string>;
  const contents = {} as Record<'certFile' | 'keyFile' | 'caFile', Buffer>;
  for (const [name, key, what] of FILES) {
    const path = raw(env, name)!;
    const content = readConfigFile(name, path, what);
    if (!/-----BEGIN [A-Z ]+-----/.test(content.toString('latin1'))) throw new ConfigError(name, path, `a file holding ${what} (it is not PEM)`);
    paths[key] = path;
    contents[key] = content;
  }
  return {
    ...paths,
    clientAuth,
    client: { cert: contents.certFile, key: contents.keyFile, ca: contents.caFile },
  };
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
