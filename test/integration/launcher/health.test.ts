// The local launcher runs Marathon's health checks as Mesos would: MESOS_HTTPS against a server
// whose certificate no CA here vouches for (Mesos does not verify it either), 200–399 healthy,
// anything else or plain HTTP against it unhealthy.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runHealthCheck } from '../../../packages/launcher/src/health.js';
import { makeTestPki } from '../../harness/tls.js';

const pki = makeTestPki();
let status = 200;
const server = createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (req, res) => {
  res.writeHead(req.url === '/health' ? status : 404).end('{}');
});
const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('launcher health checks over HTTPS', () => {
  it('MESOS_HTTPS: 200 healthy, 503 not; MESOS_HTTP against the TLS port is not healthy', async () => {
    const hc = { protocol: 'MESOS_HTTPS', path: '/health', portIndex: 0 };
    expect(await runHealthCheck(hc, '127.0.0.1', [port], 2_000)).toMatchObject({ ok: true, detail: `GET https://127.0.0.1:${port}/health → 200 {}` });
    status = 503;
    expect((await runHealthCheck(hc, '127.0.0.1', [port], 2_000)).ok).toBe(false);
    status = 200;
    expect((await runHealthCheck({ ...hc, protocol: 'MESOS_HTTP' }, '127.0.0.1', [port], 2_000)).ok).toBe(false);
  });
});
