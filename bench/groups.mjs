// Many groups on one chroot, measured: BENCH_GROUPS groups (default 50) of BENCH_SERVERS (default 2)
// redis-zk-server each, 3 redis-zk-sentinel and 1 redis-zk-watcher, all started at once on this
// machine. Prints: the time from start until every group is formed (record written, replicas
// linked), until every sentinel monitors every group, until the watcher serves them all; the
// memory of every process kind at idle; the watcher's /status and /masters latency; then a
// failover in each group in turn (kill -9 of its master's redis-server), each until its record
// names the new master.
//   node bench/groups.mjs            BENCH_GROUPS=10 node bench/groups.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBundles, flat, loadTestkit, percentile, redis, root, spawnTracked, waitFor, zkConnect, zkMkdirp } from './lib.mjs';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 50);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 2);
// The wrappers run as the images run them (WRAPPER_NODE_FLAGS); BENCH_NODE_FLAGS overrides, '' for V8's defaults.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--lite-mode --max-semi-space-size=1').split(' ').filter(Boolean);
const names = Array.from({ length: GROUPS }, (_, i) => (i === 0 ? 'mymaster' : `g${i}`));
const work = mkdtempSync(join(tmpdir(), 'redis-zk-bench-groups-'));
const bundle = (p) => join(root, `packages/${p}/dist/redis-zk-${p}.mjs`);
const cb = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));
const ms = (t0) => Math.round(performance.now() - t0);

buildBundles();
const tk = await loadTestkit();
const zkServer = await tk.startZooKeeper();
process.on('exit', () => void zkServer.destroy().catch(() => {}));
const chroot = '/bench-groups';
const rootClient = await zkConnect(zkServer.connectString);
await zkMkdirp(rootClient, chroot);
rootClient.close();
const hosts = `${zkServer.connectString}${chroot}`;
const zk = await zkConnect(hosts);
const get = (p) => cb((d) => zk.getData(p, d)).then((b) => b.toString(), () => undefined);

const common = { ZK_HOSTS: hosts, BIND_IP: '127.0.0.1', LOG_LEVEL: 'warn', ZK_SESSION_TIMEOUT_MS: '10000' };
const start = (program, env, args = []) => spawnTracked(process.execPath, [...(program === 'watcher' ? [] : NODE_FLAGS), bundle(program), ...args], { ...common, ...env });

console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${GROUPS} groups × ${SERVERS} servers, 3 sentinels, 1 watcher; wrappers run with node ${NODE_FLAGS.join(' ') || '(V8 defaults)'}`);
const t0 = performance.now();
const servers = new Map(names.map((n) => [n, []]));
for (const name of names) {
  for (let i = 0; i < SERVERS; i += 1) {
    const port = await tk.freePort();
    const child = start('server', { PORT0: String(port), MASTER_NAME: name, REDIS_DATA_DIR: join(work, `${name}-${i}`) }, ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0']);
    servers.get(name).push({ port, child });
  }
}
const sentinels = [];
for (let i = 0; i < 3; i += 1) {
  const port = await tk.freePort();
  sentinels.push({ port, child: start('sentinel', { PORT0: String(port), SENTINEL_DIR: join(work, `sentinel-${i}`), SENTINEL_DOWN_AFTER_MS: '2000', SENTINEL_FAILOVER_TIMEOUT_MS: '6000' }) });
}
const watcherPort = await tk.freePort();
const watcher = start('watcher', { PORT0: String(watcherPort), RECONCILE_INTERVAL_MS: '5000' });
const base = `http://127.0.0.1:${watcherPort}`;

// Formed: the record names one of the group's servers, which has SERVERS-1 replicas linked.
const formed = new Set();
const progress = setInterval(() => console.log(`  … ${formed.size} of ${GROUPS} groups formed after ${(ms(t0) / 1000).toFixed(0)} s`), 15_000);
const within = (p, limit = 2_000) => Promise.race([p, sleep(limit).then(() => undefined)]);
await waitFor(async () => {
  await Promise.all(
    names.filter((n) => !formed.has(n)).map(async (n) => {
      const rec = await within(get(n === 'mymaster' ? '/redis/master' : `/redis/masters/${n}`));
      if (rec === undefined) return;
      const c = redis(Number(rec.split(' ')[1]));
      try {
        if (new RegExp(`connected_slaves:${SERVERS - 1}\\b`).test((await within(c.info('replication'))) ?? '')) formed.add(n);
      } catch {} finally {
        c.disconnect();
      }
    }),
  );
  return formed.size === GROUPS;
}, 'every group formed', 600_000);
clearInterval(progress);
const tFormed = ms(t0);
await waitFor(async () => {
  for (const s of sentinels) {
    const c = redis(s.port);
    try {
      if ((await c.call('SENTINEL', 'MASTERS')).length !== GROUPS) return false;
    } finally {
      c.disconnect();
    }
  }
  return true;
}, 'every sentinel monitoring every group', 600_000);
const tMonitored = ms(t0);
await waitFor(async () => Object.keys(await (await fetch(`${base}/masters`, { headers: { accept: 'application/json' } })).json()).length === GROUPS && (await fetch(`${base}/health`)).status === 200, 'the watcher serving every group', 600_000);
const tServed = ms(t0);
console.log(`start → every group formed: ${(tFormed / 1000).toFixed(1)} s; every sentinel monitors every group: ${(tMonitored / 1000).toFixed(1)} s; the watcher serves them all (healthy): ${(tServed / 1000).toFixed(1)} s`);

// Memory at idle: RSS by process kind (each wrapper's redis-server or redis-sentinel is its child).
await sleep(10_000);
const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' }).trim().split('\n').map((l) => {
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l);
  return { pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]), args: m[4] };
});
const kinds = { 'redis-zk-server': [], 'redis-server': [], 'redis-zk-sentinel': [], 'redis-sentinel': [], 'redis-zk-watcher': [] };
const wrapperPids = new Map();
for (const s of [...servers.values()].flat()) wrapperPids.set(s.child.pid, 'server');
for (const s of sentinels) wrapperPids.set(s.child.pid, 'sentinel');
for (const p of table) {
  const kind = wrapperPids.get(p.pid);
  if (kind === 'server') kinds['redis-zk-server'].push(p.rssKb);
  else if (kind === 'sentinel') kinds['redis-zk-sentinel'].push(p.rssKb);
  else if (p.pid === watcher.pid) kinds['redis-zk-watcher'].push(p.rssKb);
  else if (wrapperPids.get(p.ppid) === 'server') kinds['redis-server'].push(p.rssKb);
  else if (wrapperPids.get(p.ppid) === 'sentinel') kinds['redis-sentinel'].push(p.rssKb);
}
let total = 0;
for (const [kind, list] of Object.entries(kinds)) {
  const sum = list.reduce((a, b) => a + b, 0);
  total += sum;
  const sorted = [...list].sort((a, b) => a - b);
  console.log(`memory ${kind.padEnd(18)} ×${String(list.length).padStart(3)}: each ${(percentile(sorted, 50) / 1024).toFixed(1)} MB (max ${(sorted.at(-1) / 1024).toFixed(1)}), total ${(sum / 1024).toFixed(0)} MB`);
}
console.log(`memory total: ${(total / 1024).toFixed(0)} MB, ${(total / 1024 / GROUPS).toFixed(1)} MB per group`);

// HTTP latency from memory, sequential.
for (const path of ['/status', '/masters']) {
  const times = [];
  for (let i = 0; i < 200; i += 1) {
    const t = performance.now();
    const r = await fetch(`${base}${path}`, { headers: { accept: 'application/json' } });
    await r.arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`GET ${path}: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms (200 sequential requests)`);
}

// A failover in each group in turn.
const failovers = [];
for (const name of names) {
  const path = name === 'mymaster' ? '/redis/master' : `/redis/masters/${name}`;
  const before = await get(path);
  const port = Number(before.split(' ')[1]);
  const c = redis(port);
  const pid = Number(/process_id:(\d+)/.exec(await c.info('server'))[1]);
  c.disconnect();
  const t = performance.now();
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => {
    const now = await get(path);
    return now !== undefined && now !== before;
  }, `${name}'s record to move`, 60_000);
  failovers.push(performance.now() - t);
}
failovers.sort((a, b) => a - b);
console.log(`failover in each group in turn (kill -9, down-after 2000 ms): record moved after p50 ${(percentile(failovers, 50) / 1000).toFixed(2)} s, max ${(failovers.at(-1) / 1000).toFixed(2)} s, all ${GROUPS} reached their records`);
const masters = await (await fetch(`${base}/masters`, { headers: { accept: 'application/json' } })).json();
console.log(`the watcher's /masters lists ${Object.keys(masters).length} groups after the failovers`);
process.exit(0);
