// Time from a sentinel's +switch-master to the ZooKeeper watch on /redis/master firing, measured
// in this one process (same clock): the earliest +switch-master seen on any of the 3 sentinels,
// and the watch fire of an independent ZooKeeper client. Switches come from SENTINEL FAILOVER.
// Each switch is also broken into its steps, from the watcher's RECORD_WRITTEN line: asking the
// announcer + the new master (+ ZooKeeper, unless the watcher kept the group's snapshot), deciding,
// the transaction — durations on the watcher's own clock — and what lies outside the watcher (the
// announcement reaching it, the watch and its re-read reaching the independent client): the total
// minus the watcher's part. Splitting that remainder would need the two processes' clocks to
// agree to a fraction of a millisecond, and they do not (performance.timeOrigin drifts by ms).
//   node bench/switch-latency.mjs          (BENCH_SWITCHES=20, BENCH_WARM_ZK=0)
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { buildBundles, onlineReplicas, percentile, redis, startGroup, startWatcher, waitFor, zkConnect } from './lib.mjs';

const N = Number(process.env.BENCH_SWITCHES ?? 20);
// BENCH_WARM_ZK=N: N rounds of a read, a write and a four-node transaction before measuring, so
// that ZooKeeper's JVM has compiled its request path, as a long-running ensemble has. Without it
// ZooKeeper is as fresh as the bench made it, and slower per request.
const WARM = Number(process.env.BENCH_WARM_ZK ?? 0);
buildBundles();
const g = await startGroup();
if (WARM > 0) {
  const c = await zkConnect(g.hosts);
  const call = (f) => new Promise((resolve) => f(resolve));
  await call((d) => c.create('/bench-warm', Buffer.from('x'), () => d()));
  const t = Date.now();
  for (let i = 0; i < WARM; i += 1) {
    await Promise.all([
      call((d) => c.getData('/bench-warm', () => d())),
      call((d) => c.setData('/bench-warm', Buffer.from(String(i)), -1, () => d())),
      call((d) => c.transaction().setData('/bench-warm', Buffer.from('a'), -1).setData('/bench-warm', Buffer.from('b'), -1).setData('/bench-warm', Buffer.from('c'), -1).setData('/bench-warm', Buffer.from('d'.repeat(2000)), -1).commit(() => d())),
    ]);
  }
  c.close();
  console.log(`ZooKeeper warmed: ${WARM} rounds in ${Date.now() - t} ms`);
}
const watcher = await startWatcher(g.hosts, { RECONCILE_INTERVAL_MS: '5000', LOG_LEVEL: 'info' });
const written = new Map(); // new master "host port" → the watcher's step marks
createInterface({ input: watcher.child.stdout }).on('line', (line) => {
  if (!line.includes('"RECORD_WRITTEN"')) return;
  const l = JSON.parse(line);
  if (l.steps !== undefined) written.set(`${l.master.host} ${l.master.port}`, { ...l.steps, ms: l.ms });
});

let switchAt = new Map(); // new master "host port" → first announcement time
for (const port of g.sentinels) {
  const sub = redis(port);
  await sub.subscribe('+switch-master');
  sub.on('message', (_ch, msg) => {
    const w = msg.split(' ');
    const key = `${w[3]} ${w[4]}`;
    if (!switchAt.has(key)) switchAt.set(key, performance.now());
  });
}

let current;
const fires = [];
const watch = () =>
  g.client.getData('/redis/master', () => watch(), (err, data) => {
    if (err) return;
    const v = data.toString('utf8');
    if (v !== current) {
      current = v;
      fires.push({ value: v, at: performance.now() });
    }
  });
watch();
await waitFor(() => current !== undefined, 'first read');

/** All sentinels name one master, it answers as master with both replicas in sync, and ZooKeeper records it. */
async function settled() {
  const named = new Set(await Promise.all(g.sentinelClients.map(async (c) => (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', g.name)).join(' '))));
  if (named.size !== 1) return false;
  const [addr] = named;
  const m = redis(Number(addr.split(' ')[1]));
  try {
    const info = await m.info('replication');
    return /role:master/.test(info) && onlineReplicas(info) === 2 && current === addr;
  } finally {
    m.disconnect();
  }
}

let unrecorded = 0;
const latencies = [];
const stepsOf = { ask: [], sentinel: [], lineage: [], zkRead: [], decide: [], write: [], outside: [] };
const started = Date.now();
for (let i = 0; i < N; i += 1) {
  switchAt = new Map();
  const before = current;
  const c = g.sentinelClients[i % g.sentinelClients.length];
  const followed = () => fires.find((f) => f.value !== before && f.at > 0 && switchAt.has(f.value) && f.value === current);
  // A failover Sentinel accepted can still abort (its chosen replica not good enough at the next
  // tick): nothing is announced then, and it is asked again.
  let fire;
  for (let attempt = 1; fire === undefined && switchAt.size === 0; attempt += 1) {
    if (attempt > 3) throw new Error(`switch ${i + 1}: nothing announced after 3 requests`);
    if (attempt > 1) process.stdout.write(`switch ${i + 1}: nothing announced in 10 s; asking again\n`);
    await waitFor(async () => (await c.call('SENTINEL', 'FAILOVER', g.name)) === 'OK', 'SENTINEL FAILOVER accepted', 30_000);
    fire = await waitFor(followed, `ZooKeeper to follow switch ${i + 1}`, 10_000).catch(() => undefined);
  }
  if (fire === undefined) {
    // Announced, and not recorded: the authority rule found the announced server not answering as
    // master (the watcher's SWITCH_UNCONFIRMED and RECORD_KEPT lines say so). Seen when a failover
    // goes back to a server demoted a few seconds before: a sentinel that had not seen it as a
    // replica yet turned it back into one. No sample; the run goes on once the sentinels agree again.
    unrecorded += 1;
    process.stdout.write(`switch ${String(i + 1).padStart(2)}: ${before} -> ${[...switchAt.keys()].join(', ')} announced, not recorded in 10 s (not a master when asked); waiting for the sentinels to agree\n`);
    await waitFor(settled, 'the sentinels, the servers and ZooKeeper to agree again', 120_000);
    fires.length = 0;
    written.clear();
    continue;
  }
  const ms = fire.at - switchAt.get(fire.value);
  latencies.push(ms);
  fires.length = 0;
  const w = await waitFor(() => written.get(fire.value), `the watcher's RECORD_WRITTEN for ${fire.value}`, 5_000).catch(() => undefined);
  let detail = '';
  if (w !== undefined) {
    const step = { ask: w.askMs, sentinel: w.sentinelMs, lineage: w.lineageMs, zkRead: w.zkReadMs, decide: w.decideMs, write: w.writeMs, outside: ms - w.ms };
    for (const [k, v] of Object.entries(step)) stepsOf[k].push(v);
    detail = `  (${Object.entries(step).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}${w.snapshot === 'kept' ? ', snapshot kept' : ''})`;
  }
  written.clear();
  process.stdout.write(`switch ${String(i + 1).padStart(2)}: ${before} -> ${fire.value}  ${ms.toFixed(2)} ms${detail}\n`);
  // Let the replicas reattach before the next failover (SENTINEL FAILOVER needs a good replica).
  await waitFor(async () => {
    const m = redis(Number(fire.value.split(' ')[1]));
    try {
      return /connected_slaves:2/.test(await m.info('replication'));
    } finally {
      m.disconnect();
    }
  }, 'replicas to reattach', 30_000);
}
// The ZooKeeper floor in the same run: one client's setData to another client's watch firing.
const writer = await zkConnect(g.hosts);
const setData = (value) =>
  new Promise((resolve, reject) => writer.setData('/bench-floor', Buffer.from(value), -1, (err) => (err ? reject(err) : resolve())));
await new Promise((resolve) => writer.create('/bench-floor', Buffer.alloc(0), () => resolve()));
const floor = [];
for (let i = 0; i < N; i += 1) {
  const value = `floor ${i}`;
  // Armed first (as the switch measurement's watch is), then written; the fire is timed with its re-read, like a switch.
  let fired;
  const seen = new Promise((resolve) => (fired = resolve));
  const read = () => g.client.getData('/bench-floor', () => read(), (err, data) => !err && data?.toString('utf8') === value && fired(performance.now()));
  await new Promise((resolve) => g.client.getData('/bench-floor', () => read(), () => resolve()));
  const t0 = performance.now();
  await setData(value);
  floor.push((await seen) - t0);
}
writer.close();
const floorSorted = [...floor].sort((a, b) => a - b);

const sorted = [...latencies].sort((a, b) => a - b);
console.log(`\nswitch latency (+switch-master → ZooKeeper watch on /redis/master), ${latencies.length} switches${unrecorded > 0 ? ` (and ${unrecorded} announced but not recorded, see above)` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  settings: loopback, 3 redis-server + 3 redis-sentinel 7.0 (quorum 2), 1 watcher, ZooKeeper 3.8 standalone${WARM > 0 ? ` warmed by ${WARM} rounds` : ""}, SENTINEL FAILOVER`);
console.log(`  min ${sorted[0].toFixed(2)} ms  p50 ${percentile(sorted, 50).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms  max ${sorted[sorted.length - 1].toFixed(2)} ms`);
console.log(`ZooKeeper floor (setData → another client's watch), same run, ${N} writes`);
console.log(`  min ${floorSorted[0].toFixed(2)} ms  p50 ${percentile(floorSorted, 50).toFixed(2)} ms  p99 ${percentile(floorSorted, 99).toFixed(2)} ms  max ${floorSorted[floorSorted.length - 1].toFixed(2)} ms`);
console.log(`  switch p50 / floor p50: ${(percentile(sorted, 50) / percentile(floorSorted, 50)).toFixed(1)}x`);
console.log(`where a switch's time goes (${stepsOf.ask.length} of ${latencies.length} switches with the watcher's marks), p50 / p90 ms:`);
const names = {
  ask: 'announcer, new master (and ZooKeeper) asked in parallel',
  sentinel: '  of which: the announcer\'s SENTINEL MASTER',
  lineage: '  of which: the new master\'s INFO (lineage probe)',
  zkRead: '  of which: the group\'s snapshot (read, or kept: ~0)',
  decide: 'authority rule and record decision',
  write: 'ZooKeeper transaction (epoch + records)',
  outside: 'outside the watcher: announcement + watch and re-read',
};
for (const [k, v] of Object.entries(stepsOf)) {
  const s = [...v].sort((a, b) => a - b);
  if (s.length > 0) console.log(`  ${names[k].padEnd(58)} ${percentile(s, 50).toFixed(2).padStart(6)} / ${percentile(s, 90).toFixed(2).padStart(6)}`);
}
process.exit(0);
