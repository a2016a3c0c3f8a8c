// TLS on every link (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE) with a CA made in the test:
// redis-server and redis-sentinel listen with TLS only, replication and the sentinels' links use
// it, the programs connect with it; the group forms and fails over. redis-cli --tls works, a plain
// connection gets nothing, a certificate from another CA is refused, and a watcher given the
// wrong CA says which link fails.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sharedZkHosts, startProgram, waitFor } from '../../harness/index.js';
import { makeTestPki } from '../../harness/tls.js';
import { registered, serverUp, startSentinel, startServer } from '../sentinel/helpers.js';
import { killServedMaster, startHealthyWatcher, watcherEnv } from '../watcher/group.js';

const run = promisify(execFile);
const cli = async (args: string[]) => {
  try {
    const r = await run('redis-cli', args, { timeout: 5_000 });
    return { code: 0, out: `${r.stdout}${r.stderr}`.trim() };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
};

describe('TLS on every Redis and Sentinel link', () => {
  it('forms and fails over over TLS; redis-cli --tls works, plain and wrong-CA clients are refused; a watcher with the wrong CA says which link fails', async () => {
    const pki = makeTestPki();
    const hosts = sharedZkHosts();
    const env = { TLS_CERT_FILE: pki.cert, TLS_KEY_FILE: pki.key, TLS_CA_FILE: pki.ca };
    const servers: Awaited<ReturnType<typeof startServer>>[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await startServer(hosts, env);
      await s.proc.waitForLog(serverUp, 20_000);
      servers.push(s);
    }
    const tls = ['--tls', '--cacert', pki.ca, '--cert', pki.cert, '--key', pki.key];
    const info = (port: number) => cli(['-p', String(port), ...tls, 'INFO', 'replication']);
    await waitFor(async () => (await Promise.all(servers.map(async (s) => (await info(s.port)).out))).filter((o) => /master_link_status:up/.test(o)).length === 2, { what: 'both replicas linked over TLS', timeoutMs: 20_000 });
    const sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(hosts, env)));
    await Promise.all(sentinels.map((s) => s.proc.waitForLog(registered, 20_000)));
    await waitFor(async () => {
      for (const s of sentinels) {
        const out = (await cli(['-p', String(s.port), ...tls, 'SENTINEL', 'MASTER', 'mymaster'])).out.split('\n');
        const f = Object.fromEntries(out.flatMap((v, i) => (i % 2 === 0 ? [[v, out[i + 1]]] : [])));
        if (f['num-other-sentinels'] !== '2' || f['num-slaves'] !== '2' || f.flags !== 'master') return false;
      }
      return true;
    }, { what: 'every sentinel monitoring over TLS and knowing the others', timeoutMs: 30_000 });
    const { base } = await startHealthyWatcher(hosts, env);

    // Clients: with the CA and a certificate, yes; in the clear, nothing; another CA, refused.
    const port = servers[0]!.port;
    expect(await cli(['-p', String(port), ...tls, 'PING'])).toEqual({ code: 0, out: 'PONG' });
    expect((await cli(['-p', String(port), 'PING'])).out).not.toBe('PONG');
    const wrongServerCa = await cli(['-p', String(port), '--tls', '--cacert', pki.otherCa, '--cert', pki.cert, '--key', pki.key, 'PING']);
    expect(wrongServerCa.out).toMatch(/certificate verify failed|SSL|TLS/i);
    const wrongClientCert = await cli(['-p', String(port), '--tls', '--cacert', pki.ca, '--cert', pki.otherCert, '--key', pki.otherKey, 'PING']);
    expect(wrongClientCert.out).not.toBe('PONG');
    const noClientCert = await cli(['-p', String(port), '--tls', '--cacert', pki.ca, 'PING']);
    expect(noClientCert.out).not.toBe('PONG');

    // A watcher that trusts another CA: unhealthy, naming the sentinel link and the TLS failure.
    const wrongEnv = await watcherEnv(hosts, { ...env, TLS_CA_FILE: pki.otherCa });
    startProgram('watcher', wrongEnv);
    const health = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${wrongEnv.PORT0}/health`).catch(() => undefined);
      if (r === undefined || r.status !== 503) return false;
      const body = (await r.json()) as { reason: string };
      return body.reason.startsWith('cannot subscribe') ? body : false;
    }, { what: 'the watcher with the wrong CA to say why it is unhealthy', timeoutMs: 15_000 });
    expect(health.reason).toMatch(/127\.0\.0\.1:\d+: .*(certificate|self.signed|verify)/i);

    // kill -9 of the master's redis-server: failover over TLS, recorded by the watcher.
    await killServedMaster(base, servers, 'the new master recorded after a failover over TLS');
  }, 120_000);
});
