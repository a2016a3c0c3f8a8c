// The watcher's API over HTTPS (HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE) with a CA made in the
// test, checked with curl as a user would: the endpoints, the event stream and the token check
// answer over HTTPS; plain HTTP and a client trusting another CA get nothing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runProgramToExit, sharedZkHosts, startProgram, zkClient } from '../../harness/index.js';
import { makeTestPki } from '../../harness/tls.js';
import { watcherEnv } from '../watcher/group.js';

const run = promisify(execFile);
/** curl's exit code and output: 0 and the body, or its error code (52 empty reply, 60 untrusted certificate). */
const curl = async (args: string[]) => {
  try {
    const r = await run('curl', ['-sS', '--max-time', '5', ...args], { timeout: 10_000 });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

describe('the watcher over HTTPS', () => {
  it('serves the API, the event stream and the token check over HTTPS only; plain HTTP and another CA get nothing', async () => {
    const pki = makeTestPki();
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    await zk.set('/redis/master', '127.0.0.1 6390');
    const env = await watcherEnv(hosts, { HTTP_TLS_CERT_FILE: pki.cert, HTTP_TLS_KEY_FILE: pki.key, API_TOKEN: 'a-token-of-sixteen-or-more' });
    const w = startProgram('watcher', env);
    const started = await w.waitForLog((l) => l.event === 'STARTING', 15_000);
    expect(started).toMatchObject({ tls: true, port: Number(env.PORT0) });
    const base = `https://127.0.0.1:${env.PORT0}`;
    const trusting = ['--cacert', pki.ca];

    expect(await curl([...trusting, `${base}/master`])).toEqual({ code: 0, out: '127.0.0.1:6390' });
    const json = await curl([...trusting, '-H', 'accept: application/json', `${base}/master`]);
    expect(JSON.parse(json.out)).toEqual({ name: 'mymaster', host: '127.0.0.1', port: 6390 });
    expect(await curl([...trusting, '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `${base}/switchover`])).toEqual({ code: 0, out: '401' });
    // The stream: its preamble arrives, then curl's own deadline ends it (exit 28).
    const events = await curl([...trusting, '-N', '--max-time', '2', '-H', 'accept: text/event-stream', `${base}/events`]);
    expect(events.code).toBe(28);
    expect(events.out).toMatch(/^retry: 2000\n: redis-zk-watcher events/);

    // Plain HTTP on the same port: no answer at all (curl: empty reply), and no data leaks.
    const plain = await curl([`http://127.0.0.1:${env.PORT0}/master`]);
    expect(plain.code).toBe(52);
    expect(plain.out).not.toContain('6390');
    // A client that trusts another CA refuses the certificate (curl 60).
    expect((await curl(['--cacert', pki.otherCa, `${base}/master`])).code).toBe(60);
  }, 60_000);

  it('refuses a key that is not the certificate\'s: one line naming HTTP_TLS_KEY_FILE, exit 2', async () => {
    const pki = makeTestPki();
    const env = await watcherEnv(sharedZkHosts(), { HTTP_TLS_CERT_FILE: pki.cert, HTTP_TLS_KEY_FILE: pki.otherKey });
    const r = await runProgramToExit('watcher', env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/HTTP_TLS_KEY_FILE=".*" is invalid: expected the private key of the certificate in HTTP_TLS_CERT_FILE/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/BEGIN|at .*\.m?js:\d+/);
  }, 30_000);
});
