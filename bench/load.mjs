// A small HTTP load generator, run as a separate process by bench/http.mjs: `concurrency`
// keep-alive connections each sending GETs back to back, bounded by time and by count.
//   node bench/load.mjs <url> <concurrency> <durationMs> <maxRequests> [accept]
// An https:// URL is trusted with the CA in BENCH_CA_FILE.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

const [url, concurrencyText = '16', durationText = '5000', maxText = '200000', accept = '*/*'] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const deadline = performance.now() + Number(durationText);
const max = Number(maxText);
const secure = url.startsWith('https:');
const client = secure ? https : http;
const agent = new client.Agent({ keepAlive: true, maxSockets: concurrency, ...(secure ? { ca: readFileSync(process.env.BENCH_CA_FILE ?? '') } : {}) });
const latencies = [];
let sent = 0;
let errors = 0;
const statuses = {};

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = client.get(url, { agent, headers: { accept } }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        latencies.push(performance.now() - t0);
        resolve();
      });
    });
    req.on('error', () => {
      errors += 1;
      resolve();
    });
  });
}

async function worker() {
  while (performance.now() < deadline && sent < max) {
    sent += 1;
    await once();
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
agent.destroy();
process.stdout.write(
  JSON.stringify({ requests: latencies.length, errors, statuses, seconds, rps: latencies.length / seconds, p50: pct(50), p99: pct(99), max: latencies[latencies.length - 1] }) + '\n',
);
