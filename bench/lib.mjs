// Shared by the benchmarks: real ZooKeeper (devkit, bundled on the fly with esbuild since these
// are plain .mjs scripts), plain redis-server/redis-sentinel processes, and the watcher bundle.
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import zookeeper from 'node-zookeeper-client';

export const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'redis-zk-bench-'));
const children = [];
let devkit;

process.on('exit', () => {
  for (const c of children) {
    if (!c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

export async function loadTestkit() {
  if (devkit) return devkit;
  const out = join(work, 'devkit.mjs');
  await build({ entryPoints: [join(root, 'packages/devkit/src/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning',
    // devkit pulls in core (pino), which requires node built-ins at run time.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  devkit = await import(out);
  return devkit;
}

export function buildBundles() {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

export function spawnTracked(cmd, args, env = {}, logFile = undefined) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (logFile) child.stdout.pipe(createWriteStream(logFile));
  else child.stdout.resume();
  child.stderr.resume();
  children.push(child);
  return child;
}

export async function waitFor(check, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function zkConnect(hosts) {
  const client = zookeeper.createClient(hosts, { sessionTimeout: 10_000, spinDelay: 200, retries: 0 });
  return new Promise((resolve) => {
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

const cb = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));
export const zkMkdirp = (c, p) => cb((d) => c.mkdirp(p, d));
export const zkSet = async (c, p, data) => {
  await zkMkdirp(c, p);
  await cb((d) => c.setData(p, Buffer.from(data), -1, d));
};

/**
 * BENCH_TLS=1: every Redis and Sentinel link over TLS, with a CA made for the run (openssl),
 * as the programs run with TLS_CERT_FILE/TLS_KEY_FILE/TLS_CA_FILE.
 */
export const tls = process.env.BENCH_TLS === '1' ? makePki() : undefined;

function makePki() {
  const dir = mkdtempSync(join(tmpdir(), 'redis-zk-bench-pki-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const f = (x) => join(dir, x);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=bench CA', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=bench node', '-keyout', f('node.key'), '-out', f('node.csr'));
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('node.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('node.crt'));
  const files = { ca: f('ca.crt'), cert: f('node.crt'), key: f('node.key') };
  return {
    ...files,
    env: { TLS_CERT_FILE: files.cert, TLS_KEY_FILE: files.key, TLS_CA_FILE: files.ca },
    client: { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key), checkServerIdentity: () => undefined },
    directives: (port) => ['port 0', `tls-port ${port}`, `tls-cert-file ${files.cert}`, `tls-key-file ${files.key}`, `tls-ca-cert-file ${files.ca}`, 'tls-replication yes'],
  };
}

export function redis(port) {
  const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 100 ? null : 100), tls: tls?.client });
  c.on('error', () => {});
  return c;
}

/** Replicas an `INFO replication` lists as synced (`state=online`). */
export function onlineReplicas(info) {
  return (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
}

export function flat(a) {
  const o = {};
  for (let i = 0; i + 1 < a.length; i += 2) o[a[i]] = a[i + 1];
  return o;
}

/** ZooKeeper + 3 redis-server (1 master, 2 replicas) + 3 sentinels registered under `/redis/sentinels`. */
export async function startGroup({ name = 'mymaster', chroot = '/bench' } = {}) {
  const tk = await loadTestkit();
  const zk = await tk.startZooKeeper();
  process.on('exit', () => void zk.destroy().catch(() => {}));
  const hosts = `${zk.connectString}${chroot}`;
  const rootClient = await zkConnect(zk.connectString);
  await zkMkdirp(rootClient, chroot);
  rootClient.close();
  const client = await zkConnect(hosts);

  const ports = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await tk.freePort();
    const dir = mkdtempSync(join(work, 'redis-'));
    const listen = tls === undefined ? ['--port', String(port)] : tls.directives(port).flatMap((d) => { const [k, ...v] = d.split(' '); return [`--${k}`, v.join(' ')]; });
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    if (i > 0) args.push('--replicaof', '127.0.0.1', String(ports[0]));
    spawnTracked(tk.SERVER_BIN, args);
    ports.push(port);
  }
  const m = redis(ports[0]);
  // Synced, not only connected: a failover before the first sync would promote an empty replica.
  await waitFor(async () => onlineReplicas(await m.info('replication')) === 2, 'replicas in sync');
  m.disconnect();
  await zkSet(client, '/redis/master', `127.0.0.1 ${ports[0]}`);
  // As redis-zk-server does: each server a live node of the group (the watcher's fast path checks it).
  await zkMkdirp(client, '/redis/nodes');
  for (const [i, port] of ports.entries()) await cb((d) => client.create(`/redis/nodes/n${i}`, Buffer.from(`127.0.0.1 ${port}`), zookeeper.CreateMode.EPHEMERAL, d));

  const sentinels = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await tk.freePort();
    const dir = mkdtempSync(join(work, 'sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    const listen = tls === undefined ? `port ${port}` : tls.directives(port).join('\n');
    writeFileSync(conf, `${listen}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${name} 127.0.0.1 ${ports[0]} 2\nsentinel down-after-milliseconds ${name} 1000\nsentinel failover-timeout ${name} 3000\n`);
    spawnTracked(tk.SENTINEL_BIN, [conf]);
    sentinels.push(port);
  }
  const sc = sentinels.map(redis);
  await waitFor(async () => {
    for (const c of sc) {
      const info = flat(await c.call('SENTINEL', 'MASTER', name));
      if (info['num-other-sentinels'] !== '2' || info['num-slaves'] !== '2') return false;
    }
    return true;
  }, 'sentinels to discover each other');
  for (const [i, port] of sentinels.entries()) {
    await zkMkdirp(client, '/redis/sentinels');
    await cb((d) => client.create(`/redis/sentinels/s${i}`, Buffer.from(`127.0.0.1 ${port}`), zookeeper.CreateMode.EPHEMERAL, d));
  }
  return { zk, hosts, client, redisPorts: ports, sentinels, sentinelClients: sc, name };
}

/**
 * The watcher bundle on a free port. `{ https: true }` (needs BENCH_TLS=1's CA): its API over
 * HTTPS with the run's certificate (HTTP_TLS_CERT_FILE/HTTP_TLS_KEY_FILE).
 */
export async function startWatcher(hosts, extraEnv = {}, { https = false } = {}) {
  if (https && tls === undefined) throw new Error('startWatcher: https needs BENCH_TLS=1 (the run\'s CA)');
  const port = await (await loadTestkit()).freePort();
  const child = spawnTracked(process.execPath, [join(root, 'packages/watcher/dist/redis-zk-watcher.mjs')], {
    ZK_HOSTS: hosts,
    BIND_IP: '127.0.0.1',
    PORT0: String(port),
    LOG_LEVEL: process.env.BENCH_WATCHER_LOG ? 'debug' : 'warn',
    ...(tls?.env ?? {}),
    ...(https ? { HTTP_TLS_CERT_FILE: tls.cert, HTTP_TLS_KEY_FILE: tls.key } : {}),
    ...extraEnv,
  }, process.env.BENCH_WATCHER_LOG);
  const base = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  await waitFor(async () => (https ? (await httpsStatus(`${base}/health`, tls.client.ca)) : (await fetch(`${base}/health`)).status) === 200, 'watcher healthy');
  return { child, base, port };
}

/** The status code of one GET over HTTPS trusting `ca` (fetch takes no CA of its own). */
function httpsStatus(url, ca) {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}

/**
 * A client's outage: the longest wait between two of its acknowledged writes (`times`, in order)
 * from `from` (its last one before the fault) to `to` (its first on the new master). A crash stops
 * the old master's OKs at the fault; a planned move keeps them coming until writes are paused,
 * which is what its clients wait for. `start` is when that longest wait began.
 */
export function longestGap(times, from, to = Infinity) {
  let ms = 0;
  let start = from;
  let prev = from;
  for (const at of times) {
    if (at <= from || at > to) continue;
    if (at - prev > ms) {
      ms = at - prev;
      start = prev;
    }
    prev = at;
  }
  return { ms, start };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
