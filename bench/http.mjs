// Requests per second and latency of GET /sentinels, /status and /metrics, beside a bare fastify
// server answering "ok" in the same run (what the framework alone costs), load from a second process
// (bench/load.mjs) over keep-alive connections, against the built watcher bundle watching a real
// group (3 redis-server + 3 redis-sentinel, ZooKeeper).
//   node bench/http.mjs     (BENCH_CONCURRENCY=32 BENCH_DURATION_MS=5000 BENCH_MAX_REQUESTS=300000)
// BENCH_TLS=1: every Redis and Sentinel link over TLS, and /status also from a watcher serving HTTPS.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildBundles, root, startGroup, startWatcher, tls } from './lib.mjs';

const concurrency = process.env.BENCH_CONCURRENCY ?? '32';
const duration = process.env.BENCH_DURATION_MS ?? '5000';
const maxRequests = process.env.BENCH_MAX_REQUESTS ?? '300000';

buildBundles();
const g = await startGroup();
const w = await startWatcher(g.hosts);
// With BENCH_TLS=1, a second watcher serves its API over HTTPS (HTTP_TLS_CERT_FILE) with the run's certificate.
const secure = tls === undefined ? undefined : await startWatcher(g.hosts, {}, { https: true });

console.log(`settings: loopback, ${concurrency} keep-alive connections from a second node process, ${duration} ms per endpoint (at most ${maxRequests} requests), watcher LOG_LEVEL=warn, 3 sentinels + 3 redis-server`);
const barePort = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const bare = spawn(process.execPath, [join(root, 'bench/bare-fastify.mjs'), String(barePort)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => bare.stdout.once('data', resolve));

const loadEnv = { ...process.env, BENCH_CA_FILE: tls?.ca ?? '' };
for (const [base, path, accept, label] of [
  [`http://127.0.0.1:${barePort}`, '/', 'text/plain', 'bare fastify'],
  [w.base, '/sentinels', 'text/plain', ''],
  [w.base, '/sentinels', 'application/json', ''],
  [w.base, '/status', 'application/json', ''],
  [w.base, '/metrics', 'text/plain', ''],
  ...(secure === undefined ? [] : [[secure.base, '/status', 'application/json', 'json over HTTPS']]),
]) {
  // Warm-up, then the measured run.
  execFileSync(process.execPath, [join(root, 'bench/load.mjs'), `${base}${path}`, concurrency, '1000', maxRequests, accept], { env: loadEnv });
  const out = JSON.parse(execFileSync(process.execPath, [join(root, 'bench/load.mjs'), `${base}${path}`, concurrency, duration, maxRequests, accept], { encoding: 'utf8', env: loadEnv }));
  console.log(
    `GET ${path.padEnd(10)} (${(label || accept).padEnd(16)}): ${out.rps.toFixed(0).padStart(6)} req/s  p50 ${out.p50.toFixed(2)} ms  p99 ${out.p99.toFixed(2)} ms  max ${out.max.toFixed(2)} ms  (${out.requests} requests, ${out.errors} errors, statuses ${JSON.stringify(out.statuses)})`,
  );
}
bare.kill();
process.exit(0);
