// The cost of TLS: the switch latency (+switch-master → ZooKeeper) and GET /status req/s, each
// without and with TLS on every Redis and Sentinel link, one after the other in this run; with
// TLS, GET /status is also measured from a watcher serving HTTPS (keep-alive connections).
//   node bench/tls-cost.mjs          (BENCH_SWITCHES=20, BENCH_DURATION_MS=5000)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const pick = (out, pattern) => out.split('\n').filter((l) => pattern.test(l)).join('\n');
for (const tls of ['0', '1']) {
  const env = { ...process.env, BENCH_TLS: tls };
  const label = tls === '1' ? 'with TLS' : 'without TLS';
  const switches = execFileSync(process.execPath, [join(root, 'bench/switch-latency.mjs')], { env, encoding: 'utf8' });
  const http = execFileSync(process.execPath, [join(root, 'bench/http.mjs')], { env, encoding: 'utf8' });
  console.log(`--- ${label}`);
  console.log(pick(switches, /^switch latency|^  min|switch p50/));
  console.log(pick(http, /^GET \/status|^GET \/\s/));
}
