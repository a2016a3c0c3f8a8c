/**
 * A CA made for the test (openssl): a certificate for 127.0.0.1 signed by it, usable as server
 * and client certificate alike, and a second, unrelated CA with its own certificate, for the
 * "wrong CA" cases. Files under a temp dir removed after the file.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './index.js';

export interface TestPki {
  ca: string;
  cert: string;
  key: string;
  /** Another CA, and a certificate it signed. */
  otherCa: string;
  otherCert: string;
  otherKey: string;
}

function authority(dir: string, name: string): { ca: string; caKey: string; cert: string; key: string } {
  const f = (x: string) => join(dir, `${name}-${x}`);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', f('ca.key'), '-out', f('ca.crt'));
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name} node`, '-keyout', f('node.key'), '-out', f('node.csr'));
  // No extendedKeyUsage: the same certificate serves (redis-server) and authenticates (clients).
  const ext = f('ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '${ext}'`]);
  ssl('x509', '-req', '-in', f('node.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', f('node.crt'));
  chmodSync(f('node.key'), 0o644); // readable by the uid the programs run as here (root) anyway
  return { ca: f('ca.crt'), caKey: f('ca.key'), cert: f('node.crt'), key: f('node.key') };
}

export function makeTestPki(): TestPki {
  const dir = tempDir('redis-zk-pki-');
  const a = authority(dir, 'group');
  const b = authority(dir, 'other');
  return { ca: a.ca, cert: a.cert, key: a.key, otherCa: b.ca, otherCert: b.cert, otherKey: b.key };
}
