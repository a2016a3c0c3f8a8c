import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerConfig, loadWatcherConfig, tlsDirectives, type ConfigError } from '@redis-zk/core';
import { makeTestPki } from '../../harness/tls.js';
import { configErrorOf, configFiles } from './config-files.js';

const { dir, write } = configFiles('redis-zk-tls-settings-');
const pem = (name: string, label: string) => write(name, `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`);
const files = { TLS_CERT_FILE: pem('cert.pem', 'CERTIFICATE'), TLS_KEY_FILE: pem('key.pem', 'PRIVATE KEY'), TLS_CA_FILE: pem('ca.pem', 'CERTIFICATE') };
const errorOf = (env: Record<string, string>, load: (env: Record<string, string>) => unknown = loadServerConfig): ConfigError => configErrorOf(() => load(env));

describe('TLS settings', () => {
  it('reads the three files once, for the programs\' own links, and keeps the paths for redis-server', () => {
    const c = loadServerConfig(files);
    expect(c.tls).toMatchObject({ certFile: files.TLS_CERT_FILE, keyFile: files.TLS_KEY_FILE, caFile: files.TLS_CA_FILE, clientAuth: 'yes' });
    expect(c.tls!.client.key.toString()).toContain('PRIVATE KEY');
    expect(loadServerConfig({}).tls).toBeUndefined();
    expect(loadServerConfig({ ...files, TLS_CLIENT_AUTH: 'optional' }).tls!.clientAuth).toBe('optional');
  });

  it('refuses a partial set, a missing file and a file that is not PEM, naming the variable (never a key\'s content)', () => {
    expect(errorOf({ TLS_CERT_FILE: files.TLS_CERT_FILE }).message).toMatch(/^TLS_CERT_FILE=".*" is invalid: expected to be set together with TLS_KEY_FILE and TLS_CA_FILE/);
    expect(errorOf({ ...files, TLS_KEY_FILE: join(dir, 'nope') }).message).toMatch(/^TLS_KEY_FILE=".*nope" is invalid: expected a readable file holding its PEM private key \(it does not exist\)$/);
    const notPem = join(dir, 'secret-key.txt');
    writeFileSync(notPem, 'hunter2-s3cret');
    const err = errorOf({ ...files, TLS_KEY_FILE: notPem });
    expect(err.message).toMatch(/it is not PEM/);
    expect(err.message).not.toContain('hunter2');
  });

  it('puts redis-server and redis-sentinel on TLS only: port 0, the same port with TLS, replication over TLS', () => {
    expect(tlsDirectives(6379, undefined)).toEqual(['port 6379']);
    expect(tlsDirectives(6379, { certFile: '/c', keyFile: '/k', caFile: '/a b', clientAuth: 'no' })).toEqual([
      'port 0', 'tls-port 6379', 'tls-cert-file /c', 'tls-key-file /k', 'tls-ca-cert-file "/a b"', 'tls-auth-clients no', 'tls-replication yes',
    ]);
  });

  it('serves the watcher over HTTPS with a certificate and its own key; a partial set or a key of another certificate is one line naming the variable', () => {
    const pki = makeTestPki();
    const c = loadWatcherConfig({ HTTP_TLS_CERT_FILE: pki.cert, HTTP_TLS_KEY_FILE: pki.key });
    expect(c.httpTls!.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(loadWatcherConfig({}).httpTls).toBeUndefined();
    expect(errorOf({ HTTP_TLS_CERT_FILE: pki.cert }, loadWatcherConfig).message).toMatch(/^HTTP_TLS_CERT_FILE=".*" is invalid: expected to be set together with HTTP_TLS_KEY_FILE: HTTPS needs HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE$/);
    const mismatch = errorOf({ HTTP_TLS_CERT_FILE: pki.cert, HTTP_TLS_KEY_FILE: pki.otherKey }, loadWatcherConfig);
    expect(mismatch.message).toMatch(/^HTTP_TLS_KEY_FILE=".*" is invalid: expected the private key of the certificate in HTTP_TLS_CERT_FILE \(.*\)$/);
    expect(mismatch.message).not.toMatch(/BEGIN|\n/);
  });
});
