// Planned switchover (POST /switchover) outage, over N rounds against the built watcher and a
// real group (3 redis-server, 3 redis-sentinel with INFO-PERIOD 1 s, ZooKeeper): the watcher's
// own measure (writes paused → ZooKeeper names the new master) and what a client sees (the
// longest gap between acknowledged SETs, one every 2 ms, following /redis/master after a failed
// write). Rounds alternate between no candidate (the sentinel's choice) and a named one.
//   node bench/switchover.mjs          (BENCH_ROUNDS=10)
import { buildBundles, longestGap, percentile, redis, startGroup, startWatcher, waitFor, flat } from './lib.mjs';

const N = Number(process.env.BENCH_ROUNDS ?? 10);
const TOKEN = 'bench-token-0123456789';
buildBundles();
const g = await startGroup();
for (const port of g.sentinels) await redis(port).call('SENTINEL', 'DEBUG', 'INFO-PERIOD', '1000');
const w = await startWatcher(g.hosts, { API_TOKEN: TOKEN });

const recorded = () => new Promise((resolve) => g.client.getData('/redis/master', (err, data) => resolve(err ? undefined : data.toString('utf8'))));
const connect = (addr) => {
  const c = redis(Number(addr.split(' ')[1]));
  c.on('error', () => {});
  return c;
};
let client = connect(await recorded());
const oks = [];
const errors = [];
let running = true;
let failures = 0;
const writer = (async () => {
  for (let i = 0; running; i += 1) {
    const ok = await Promise.race([client.set(`k${i}`, '1').then(() => true, () => false), new Promise((r) => setTimeout(() => r(false), 1_000))]);
    if (ok) oks.push(performance.now());
    else {
      errors.push(performance.now());
      failures += 1;
      client.disconnect();
      client = connect(await recorded());
    }
    await new Promise((r) => setTimeout(r, 2));
  }
})();

async function steady() {
  await waitFor(async () => {
    const rec = await recorded();
    for (const port of g.sentinels) {
      const m = flat(await redis(port).call('SENTINEL', 'MASTER', 'mymaster'));
      if (`${m.ip} ${m.port}` !== rec || m.flags.includes('failover')) return false;
    }
    // Both replicas synced with the master (a fresh replica waits out repl-diskless-sync-delay).
    for (const port of g.redisPorts) {
      if (`127.0.0.1 ${port}` === rec) continue;
      if (!/master_link_status:up/.test(await redis(port).info('replication'))) return false;
    }
    return true;
  }, 'a steady group', 30_000);
}

const watcherMs = [];
const clientMs = [];
for (let i = 0; i < N; i += 1) {
  await steady();
  const before = await recorded();
  const candidate = i % 2 === 1 ? g.redisPorts.map((p) => `127.0.0.1:${p}`).find((a) => a.replace(':', ' ') !== before) : undefined;
  const t0 = performance.now();
  const res = await fetch(`${w.base}/switchover`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(candidate ? { candidate } : {}) });
  const body = await res.json();
  if (!res.ok) {
    console.log(`round ${i + 1}: refused or failed (${res.status}): ${body.message}`);
    continue;
  }
  await waitFor(() => oks.some((t) => t > performance.now() - 1 && t > t0 + body.outageMs), 'the client writing again', 10_000).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300)); // a few writes past the switch before measuring the gap
  const { ms: gap, start } = longestGap(oks, oks.filter((t) => t <= t0).at(-1) ?? t0);
  const gapFrom = start - t0;
  const failedAt = errors.filter((t) => t > t0).map((t) => `${(t - t0).toFixed(0)} ms`);
  watcherMs.push(body.outageMs);
  clientMs.push(gap);
  console.log(`round ${i + 1}: ${body.from} → ${body.to}${candidate ? ' (named)' : ''}: writes paused ${body.outageMs} ms, client's longest gap ${gap.toFixed(0)} ms${process.env.BENCH_STEPS ? ` (from ${gapFrom.toFixed(0)} ms after the request; failed writes at ${failedAt.join(', ') || 'none'})\n  ${body.steps.join('\n  ')}` : ''}`);
}
running = false;
await writer;
const show = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p90 ${percentile(s, 90).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};
console.log(`settings: loopback, 3 redis-server + 3 redis-sentinel (INFO-PERIOD 1000 ms), one SET every 2 ms; ${watcherMs.length} of ${N} rounds done; ${failures} failed writes in all (retried, never acknowledged)`);
console.log(`switchover: writes paused → ZooKeeper names the new master: ${show(watcherMs)}`);
console.log(`switchover: client's longest gap between acknowledged writes: ${show(clientMs)}`);
process.exit(0);
