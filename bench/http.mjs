// Requests per second and latency of GET /sentinels and GET /status, load from a second process
// (bench/load.mjs) over keep-alive connections, against the built watcher bundle watching a real
// group (3 redis-server + 3 redis-sentinel, ZooKeeper).
//   node bench/http.mjs     (BENCH_CONCURRENCY=32 BENCH_DURATION_MS=5000 BENCH_MAX_REQUESTS=300000)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildBundles, root, startGroup, startWatcher } from './lib.mjs';

const concurrency = process.env.BENCH_CONCURRENCY ?? '32';
const duration = process.env.BENCH_DURATION_MS ?? '5000';
const maxRequests = process.env.BENCH_MAX_REQUESTS ?? '300000';

buildBundles();
const g = await startGroup();
const w = await startWatcher(g.hosts);

console.log(`settings: loopback, ${concurrency} keep-alive connections from a second node process, ${duration} ms per endpoint (at most ${maxRequests} requests), watcher LOG_LEVEL=warn, 3 sentinels + 3 redis-server`);
for (const [path, accept] of [
  ['/sentinels', 'text/plain'],
  ['/sentinels', 'application/json'],
  ['/status', 'application/json'],
]) {
  // Warm-up, then the measured run.
  execFileSync(process.execPath, [join(root, 'bench/load.mjs'), `${w.base}${path}`, concurrency, '1000', maxRequests, accept]);
  const out = JSON.parse(execFileSync(process.execPath, [join(root, 'bench/load.mjs'), `${w.base}${path}`, concurrency, duration, maxRequests, accept], { encoding: 'utf8' }));
  console.log(
    `GET ${path.padEnd(10)} (${accept.padEnd(16)}): ${out.rps.toFixed(0).padStart(6)} req/s  p50 ${out.p50.toFixed(2)} ms  p99 ${out.p99.toFixed(2)} ms  max ${out.max.toFixed(2)} ms  (${out.requests} requests, ${out.errors} errors, statuses ${JSON.stringify(out.statuses)})`,
  );
}
process.exit(0);
