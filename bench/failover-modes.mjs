// Client write outage on a failover, FAILOVER_MODE=sentinel and FAILOVER_MODE=zookeeper in the
// same run, on this machine, with Sentinel's default down-after (5 s) and with 1 s: 3
// redis-zk-server (plus 3 redis-zk-sentinel in Sentinel mode) and a watcher, and two clients
// side by side, each SETting every 10 ms: one follows /redis/master with a ZooKeeper watch, the
// other is ioredis's own Sentinel client (Sentinel mode); a third is @redis-zk/client (its
// published bundle), which also counts the writes it failed; a fourth goes through HAProxy
// routing on the wrappers' GET /primary (BENCH_HAPROXY=0 leaves it out). Per fault: the time from the fault to
// ZooKeeper naming the new master, and each client's outage: the longest wait between two of its
// acknowledged writes, from its last OK before the fault to its first OK on the new master. Faults: kill -9 of the master's redis-server (the crash failover), of
// its whole task (wrapper and redis-server), SIGTERM of the master (a rolling restart's hand-off)
// and POST /switchover. Then the partition figures (network namespaces) from the e2e test.
//   node bench/failover-modes.mjs   BENCH_ROUNDS=10  BENCH_DOWN_AFTER=5000,1000  BENCH_MODES=sentinel,zookeeper
//   BENCH_FAULTS=redis-server,whole-task,sigterm,switchover  BENCH_PARTITION=0 skips the partition
//   BENCH_SERVERS=redis,valkey: the same faults on each server in one run (default: the server
//   REDIS_SERVER_BIN / REDIS_SENTINEL_BIN name, else Redis)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisZk } from '../packages/client/dist/index.mjs';
import { buildBundles, flat, loadTestkit, longestGap, percentile, redis, root, spawnTracked, waitFor, zkConnect, zkMkdirp } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SESSION_MS = 4_000;
const FAULTS = (process.env.BENCH_FAULTS ?? 'redis-server,whole-task,sigterm,switchover').split(',');
const TOKEN = 'bench-token-of-sixteen-chars';
const HAPROXY = process.env.BENCH_HAPROXY !== '0';
let DOWN_AFTER_MS = 5_000;
let SERVER = process.env.REDIS_SERVER_BIN?.includes('valkey') ? 'valkey' : 'redis';
const work = mkdtempSync(join(tmpdir(), 'redis-zk-bench-modes-'));
const bundle = (p) => join(root, `packages/${p}/dist/redis-zk-${p}.mjs`);
// BENCH_LOG_DIR=<dir>: every program's output there, for reading what a slow round did.
const logFile = (name) => (process.env.BENCH_LOG_DIR ? join(process.env.BENCH_LOG_DIR, `${name}.log`) : undefined);
const cb = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));

buildBundles();
const tk = await loadTestkit();
const zkServer = await tk.startZooKeeper();
process.on('exit', () => void zkServer.destroy().catch(() => {}));

async function runMode(mode) {
  const chroot = `/bench-${SERVER}-${mode}-${DOWN_AFTER_MS}`;
  const rootClient = await zkConnect(zkServer.connectString);
  await zkMkdirp(rootClient, chroot);
  rootClient.close();
  const hosts = `${zkServer.connectString}${chroot}`;
  const zk = await zkConnect(hosts);
  const common = { ZK_HOSTS: hosts, BIND_IP: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_DIR ? 'debug' : 'warn', ZK_SESSION_TIMEOUT_MS: String(SESSION_MS), FAILOVER_MODE: mode };
  const servers = new Map(); // port → child
  // Every server this run will start, ports chosen now: HAProxy lists them all from the start (a
  // replacement's port is one it already checks), with their role-check ports.
  const pool = [];
  const httpOf = new Map();
  for (let i = 0; i < 3 + ROUNDS * FAULTS.length; i += 1) pool.push({ port: await tk.freePort(), http: await tk.freePort() });
  const startServer = async () => {
    const { port, http } = pool.shift();
    httpOf.set(port, http);
    const child = spawnTracked(process.execPath, ['--lite-mode', bundle('server'), '--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'], {
      ...common,
      PORT0: String(port),
      REDIS_DATA_DIR: mkdtempSync(join(work, 'server-')),
      FENCE_AFTER_MS: '500',
      REDIS_PROBE_TIMEOUT_MS: '500',
      HTTP_PORT: String(http),
    }, logFile(`${mode}-server-${port}`));
    servers.set(port, child);
    return port;
  };
  const get = (p) => cb((d) => zk.getData(p, d)).then((b) => b.toString(), () => undefined);
  const first = await startServer();
  await waitFor(async () => (await get('/redis/master')) === `127.0.0.1 ${first}`, 'the first server to claim');
  await startServer();
  await startServer();
  const linked = async (master, n) => {
    const m = redis(master);
    try {
      return new RegExp(`connected_slaves:${n}`).test(await m.info('replication'));
    } catch {
      return false;
    } finally {
      m.disconnect();
    }
  };
  await waitFor(() => linked(first, 2), 'two replicas linked');
  const sentinelPorts = [];
  if (mode === 'sentinel') {
    for (let i = 0; i < 3; i += 1) {
      const port = await tk.freePort();
      sentinelPorts.push(port);
      spawnTracked(process.execPath, ['--lite-mode', bundle('sentinel')], {
        ...common,
        PORT0: String(port),
        SENTINEL_DIR: mkdtempSync(join(work, 'sentinel-')),
        SENTINEL_DOWN_AFTER_MS: String(DOWN_AFTER_MS),
        SENTINEL_FAILOVER_TIMEOUT_MS: String(Math.max(3_000, DOWN_AFTER_MS)),
      }, logFile(`${mode}-sentinel-${i}`));
    }
  }
  const wport = await tk.freePort();
  spawnTracked(process.execPath, [bundle('watcher')], { ...common, PORT0: String(wport), RECONCILE_INTERVAL_MS: '1000', API_TOKEN: TOKEN }, logFile(`${mode}-watcher`));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${wport}/health`).catch(() => ({ status: 0 }))).status === 200, 'the watcher healthy', 60_000);

  // The client: follows /redis/master by a watch, one SET at a time, every 10 ms.
  let master = await get('/redis/master');
  const changes = []; // { at, to }: when the watch saw the record move
  const follow = () =>
    zk.getData('/redis/master', () => follow(), (err, data) => {
      if (err) return;
      const v = data.toString();
      if (v !== master) changes.push({ at: performance.now(), to: v });
      master = v;
    });
  follow();
  // ioredis's own Sentinel client beside it (Sentinel mode), writing at the same rate.
  const sentinelOks = [];
  let sentinelRunning = mode === 'sentinel';
  const sentinelClient = mode === 'sentinel' ? new Redis({ sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), name: 'mymaster', maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500, sentinelRetryStrategy: () => 50, retryStrategy: () => 50 }) : undefined;
  sentinelClient?.on('error', () => undefined);
  const sentinelWriter = (async () => {
    for (let i = 0; sentinelRunning; i += 1) {
      const ok = await Promise.race([sentinelClient.set(`s:${i}`, '1').then(() => true, () => false), sleep(200).then(() => false)]);
      if (ok) sentinelOks.push(performance.now());
      await sleep(10);
    }
  })();
  // HAProxy on GET /primary, as docs/operations/load-balancers.md configures it.
  const haproxyOks = [];
  let haproxyRunning = HAPROXY;
  let haproxy;
  let viaHaproxy;
  if (HAPROXY) {
    const front = await tk.freePort();
    const cfg = join(work, `haproxy-${mode}.cfg`);
    const all = [...pool, ...[...servers.keys()].map((port) => ({ port, http: httpOf.get(port) }))];
    writeFileSync(cfg, ['global', '  maxconn 200', 'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 60s', '  timeout server 60s', 'frontend redis', `  bind 127.0.0.1:${front}`, '  default_backend primary', 'backend primary', '  option httpchk GET /primary', '  http-check expect status 200', '  default-server inter 200ms fall 1 rise 1 on-marked-down shutdown-sessions', ...all.map((s, i) => `  server s${i} 127.0.0.1:${s.port} check port ${s.http}`), ''].join('\n'));
    haproxy = spawnTracked('haproxy', ['-f', cfg, '-db'], {}, logFile(`${mode}-haproxy`));
    viaHaproxy = new Redis({ host: '127.0.0.1', port: front, retryStrategy: () => 20, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500, commandTimeout: 300, enableReadyCheck: false, disableClientInfo: true });
    viaHaproxy.on('error', () => undefined);
  }
  const haproxyWriter = (async () => {
    for (let i = 0; haproxyRunning; i += 1) {
      const ok = await Promise.race([viaHaproxy.set(`h:${i}`, '1').then(() => true, () => false), sleep(200).then(() => false)]);
      if (ok) haproxyOks.push(performance.now());
      await sleep(10);
    }
  })();
  // @redis-zk/client: one SET at a time, every 10 ms; a failure is a failed write the application saw.
  const rz = await RedisZk.connect({ zkHosts: hosts });
  const rzClient = rz.client();
  rzClient.on('error', () => undefined);
  const rzOks = [];
  const rzFails = [];
  let rzRunning = true;
  const rzWriter = (async () => {
    for (let i = 0; rzRunning; i += 1) {
      await rzClient.set(`c:${i}`, '1').then(() => rzOks.push({ at: performance.now(), to: rz.master() }), () => rzFails.push(performance.now()));
      await sleep(10);
    }
  })();
  let lastOk = 0;
  const oks = [];
  let running = true;
  let conn;
  let connFor;
  const writer = (async () => {
    for (let i = 0; running; i += 1) {
      if (connFor !== master) {
        conn?.disconnect();
        connFor = master;
        conn = redis(Number(master.split(' ')[1]));
      }
      const ok = await Promise.race([conn.set(`w:${i}`, '1').then(() => true, () => false), sleep(200).then(() => false)]);
      if (ok) {
        lastOk = performance.now();
        oks.push({ at: lastOk, to: connFor });
      }
      await sleep(10);
    }
  })();

  const results = Object.fromEntries(FAULTS.map((f) => [f, { record: [], zkClient: [], sentinelClient: [], rzClient: [], rzFromRecord: [], rzFailed: [], haproxy: [] }]));
  for (const fault of FAULTS) {
    for (let r = 0; r < ROUNDS; r += 1) {
      // A steady group first: the recorded master has both replicas linked and, in Sentinel mode,
      // every sentinel names it and knows both live replicas (a kill right after a replica joined,
      // before the sentinels learnt it, is another case). Read afresh each time: on two busy cores
      // Sentinel with 1 s down-after sometimes fails a just-promoted master over again.
      let seen = [];
      const steady = async () => {
        const current = master;
        if (!(await linked(Number(current.split(' ')[1]), 2))) return false;
        seen = [];
        for (const sp of sentinelPorts) {
          const c = redis(sp);
          try {
            const m = flat(await c.call('SENTINEL', 'MASTER', 'mymaster'));
            const replicas = (await c.call('SENTINEL', 'REPLICAS', 'mymaster')).map(flat);
            seen.push(`${sp}: ${m.ip}:${m.port} [${replicas.map((x) => `${x.port} ${x.flags} ${x['master-link-status']}`).join('; ')}]`);
            if (`${m.ip} ${m.port}` !== current || replicas.filter((x) => !/s_down|disconnected/.test(x.flags) && x['master-link-status'] === 'ok').length < 2) return false;
          } catch {
            return false;
          } finally {
            c.disconnect();
          }
        }
        return current === master ? current : false;
      };
      const before = await waitFor(steady, 'a steady group before the fault', 60_000).catch((err) => {
        throw new Error(`${err.message}; sentinels: ${seen.join(' | ')}`);
      });
      const port = Number(before.split(' ')[1]);
      await waitFor(() => performance.now() - lastOk < 50, 'the client writing', 10_000);
      const m = redis(port);
      const pid = Number(/process_id:(\d+)/.exec(await m.info('server'))[1]);
      m.disconnect();
      if (HAPROXY) await waitFor(() => haproxyOks.length > 0 && performance.now() - haproxyOks[haproxyOks.length - 1] < 50, 'the HAProxy client writing', 20_000);
      if (sentinelClient) await waitFor(() => sentinelOks.length > 0 && performance.now() - sentinelOks[sentinelOks.length - 1] < 50, 'the Sentinel client writing', 20_000);
      let t0 = performance.now();
      const okBefore = lastOk;
      const sentinelOkBefore = sentinelOks[sentinelOks.length - 1];
      const rzOkBefore = rzOks[rzOks.length - 1]?.at ?? t0;
      const haproxyOkBefore = haproxyOks[haproxyOks.length - 1];
      if (fault === 'whole-task') servers.get(port).kill('SIGKILL');
      if (fault === 'whole-task' || fault === 'redis-server') process.kill(pid, 'SIGKILL');
      if (fault === 'sigterm') servers.get(port).kill('SIGTERM');
      if (fault === 'switchover') {
        // A refusal (409: the last round's election or failover not over yet) moves nothing: the
        // round is timed from the request that is taken.
        await waitFor(async () => {
          t0 = performance.now();
          const r = await fetch(`http://127.0.0.1:${wport}/switchover`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
          if (r.status === 200) return true;
          if (r.status !== 409) throw new Error(`POST /switchover: ${r.status} ${await r.text()}`);
          return false;
        }, 'POST /switchover to be taken', 30_000);
      }
      const firstAfter = await waitFor(() => oks.find((o) => o.at > t0 && o.to !== before), `the client writing to a new master after ${fault}`, 60_000);
      const recorded = await waitFor(() => changes.find((c) => c.at > t0 && c.to !== before), 'the record moved', 60_000);
      results[fault].record.push(recorded.at - t0);
      results[fault].zkClient.push(longestGap(oks.map((o) => o.at), okBefore, firstAfter.at).ms);
      const rzAfter = await waitFor(() => rzOks.find((o) => o.at > t0 && o.to !== before), '@redis-zk/client writing to the new master', 60_000);
      results[fault].rzClient.push(longestGap(rzOks.map((o) => o.at), rzOkBefore, rzAfter.at).ms);
      results[fault].rzFromRecord.push(rzAfter.at - recorded.at);
      if (HAPROXY) {
        const hAfter = await waitFor(() => haproxyOks.find((at) => at > recorded.at), `the HAProxy client writing again (${haproxyOks.length} writes so far, status ${viaHaproxy.status})`, 60_000);
        results[fault].haproxy.push(longestGap(haproxyOks, haproxyOkBefore, hAfter).ms);
      }
      results[fault].rzFailed.push(rzFails.filter((at) => at > t0 - 50 && at <= rzAfter.at).length);
      if (sentinelClient) {
        const sAfter = await waitFor(() => sentinelOks.find((at) => at > recorded.at), 'the Sentinel client writing again', 60_000);
        results[fault].sentinelClient.push(longestGap(sentinelOks, sentinelOkBefore, sAfter).ms);
      }
      if (fault !== 'switchover') {
        servers.delete(port);
        await startServer();
      }
      await sleep(500); // the replacement's start, not a readiness wait (linked() above waits for it)
    }
  }
  running = false;
  sentinelRunning = false;
  rzRunning = false;
  await rzWriter;
  haproxyRunning = false;
  await haproxyWriter;
  viaHaproxy?.disconnect();
  haproxy?.kill('SIGTERM');
  await rz.close();
  await writer;
  await sentinelWriter;
  sentinelClient?.disconnect();
  conn?.disconnect();
  zk.close();
  for (const child of servers.values()) child.kill('SIGTERM');
  return results;
}

const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p90 ${percentile(s, 90).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms (${s.map((x) => x.toFixed(0)).join(', ')})`;
};
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ZK_SESSION_TIMEOUT_MS=${SESSION_MS}, FENCE_AFTER_MS=500, ${ROUNDS} rounds per fault`);
const LABEL = { 'redis-server': "kill -9 of the master's redis-server", 'whole-task': "kill -9 of the master's whole task", sigterm: 'SIGTERM of the master (hand-off)', switchover: 'POST /switchover' };
for (const server of (process.env.BENCH_SERVERS ?? SERVER).split(',')) {
  if (server !== 'redis' && server !== 'valkey') throw new Error(`BENCH_SERVERS: ${server} is not redis or valkey`);
  // What every program started from here on runs (they inherit this environment).
  SERVER = server;
  process.env.REDIS_SERVER_BIN = `${server}-server`;
  process.env.REDIS_SENTINEL_BIN = `${server}-sentinel`;
  const version = execFileSync(`${server}-server`, ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? '?';
  for (const downAfter of (process.env.BENCH_DOWN_AFTER ?? '5000,1000').split(',').map(Number)) {
    DOWN_AFTER_MS = downAfter;
    for (const mode of (process.env.BENCH_MODES ?? 'sentinel,zookeeper').split(',')) {
      if (mode === 'zookeeper' && downAfter !== 5000 && (process.env.BENCH_DOWN_AFTER ?? '5000,1000').split(',').includes('5000')) continue; // no sentinels: one run is enough
      const r = await runMode(mode);
      for (const [fault, m] of Object.entries(r)) {
        const where = `${server} ${version}, ${mode === 'sentinel' ? `sentinel, down-after ${downAfter} ms` : 'zookeeper mode'}`;
        console.log(`${where.padEnd(44)} ${LABEL[fault].padEnd(38)} recorded ${summary(m.record)}`);
        console.log(`${''.padEnd(44)} ${''.padEnd(38)} ZooKeeper-watch client outage ${summary(m.zkClient)}`);
        console.log(`${''.padEnd(44)} ${''.padEnd(38)} @redis-zk/client outage ${summary(m.rzClient)}; first write after the record moved ${summary(m.rzFromRecord)}; failed writes per round ${m.rzFailed.join(', ')}`);
        if (m.haproxy.length > 0) console.log(`${''.padEnd(44)} ${''.padEnd(38)} HAProxy (GET /primary) client outage ${summary(m.haproxy)}`);
        if (m.sentinelClient.length > 0) console.log(`${''.padEnd(44)} ${''.padEnd(38)} ioredis Sentinel client outage ${summary(m.sentinelClient)}`);
      }
    }
  }
}

if (process.env.BENCH_PARTITION !== '0') {
  // The partition figures need network namespaces (root): the e2e test measures them.
  const out = execFileSync('npx', ['vitest', 'run', 'test/e2e/partition.test.ts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of out.split('\n').filter((l) => l.includes('partition figures (zookeeper mode): '))) {
    const f = JSON.parse(line.slice(line.indexOf('{')));
    console.log(`partition, FAILOVER_MODE=zookeeper, fencing on (FENCE_AFTER_MS=500): new record ${f.electedMs} ms in (session 4 s); the isolated master accepted ${f.minorityAccepted}, refused ${f.minorityRefused} (first refusal ${f.firstRefusalMs} ms in)`);
  }
  for (const line of out.split('\n').filter((l) => l.includes('partition figures: '))) {
    const f = JSON.parse(line.slice(line.indexOf('{')));
    const label = f.fencing ? 'fencing on (FENCE_AFTER_MS=500)' : f.minReplicas ? 'fencing off, min-replicas-to-write 1/max-lag 5' : 'fencing off';
    console.log(`partition, down-after ${f.downAfterMs} ms, ${label.padEnd(48)} new record ${String(f.failoverMs).padStart(5)} ms in; the isolated master accepted ${f.minorityAccepted}, lost ${f.minorityLost}, refused ${f.minorityRefused}${f.firstRefusalMs === undefined ? '' : ` (first refusal ${f.firstRefusalMs} ms in)`}, OK after its first refusal ${f.acceptedAfterRefusal}`);
  }
}
process.exit(0);
