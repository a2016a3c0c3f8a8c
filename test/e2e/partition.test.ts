// A real network partition: three "hosts" (network namespaces with their own addresses on a
// bridge), each running redis-zk-server and redis-zk-sentinel, ZooKeeper and redis-zk-watcher in
// the root namespace (the majority side). The master's host is cut off (its bridge port down:
// packets vanish, nothing is refused), the majority fails over, then the cut is healed.
//
// Proved: ZooKeeper names the promoted replica, every WAIT-1-acknowledged write survives, the
// isolated master's wrapper loses its ZooKeeper session (its /redis/nodes entry goes); after the
// heal the old master becomes a replica of the new one, re-registers, and ZooKeeper never moves
// back. With fencing the isolated master refuses writes before the majority replaces it and never
// says OK again. Measured: partition → ZooKeeper names the new master, and how many writes the
// isolated master accepted (all lost) with fencing, and with it off, without and with
// min-replicas-to-write; and the same partition in FAILOVER_MODE=zookeeper (no sentinels).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort, redisClient, startProgram, tempDir, waitFor, zkClient } from '../harness/index.js';
import { createNetLab, netnsUnavailable, startZooKeeperOnBridge, type NetHost, type NetLab } from '../harness/netns.js';
import { recordHistory } from '../harness/zk-history.js';
import type { StartedProcess } from '../harness/index.js';

const unavailable = netnsUnavailable();

const TIMINGS = {
  ZK_SESSION_TIMEOUT_MS: '4000',
  SENTINEL_DOWN_AFTER_MS: '1000',
  SENTINEL_FAILOVER_TIMEOUT_MS: '3000',
};

// Runs inside the isolated host (same namespace as the old master, so it still reaches it):
// one SET at a time over raw RESP for DURATION_MS, one JSON line per write with the reply.
const MINORITY_WRITER = `
const net = require('node:net');
const [host, port, prefix, durationMs, intervalMs] = process.argv.slice(1);
const sock = net.connect({ host, port: Number(port) });
let buf = '';
let pending;
sock.setEncoding('utf8');
sock.on('data', (d) => {
  buf += d;
  const i = buf.indexOf('\\r\\n');
  if (i >= 0 && pending) { const line = buf.slice(0, i); buf = buf.slice(i + 2); const p = pending; pending = undefined; p(line); }
});
sock.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(1); });
const set = (k, v) => new Promise((resolve) => {
  const t = setTimeout(() => { pending = undefined; resolve('TIMEOUT'); }, 1000);
  pending = (line) => { clearTimeout(t); resolve(line); };
  sock.write('*3\\r\\n$3\\r\\nSET\\r\\n$' + Buffer.byteLength(k) + '\\r\\n' + k + '\\r\\n$' + Buffer.byteLength(v) + '\\r\\n' + v + '\\r\\n');
});
sock.on('connect', async () => {
  const start = Date.now();
  for (let i = 0; Date.now() - start < Number(durationMs); i++) {
    const reply = await set(prefix + i, String(i));
    console.log(JSON.stringify({ i, t: Date.now() - start, reply }));
    await new Promise((r) => setTimeout(r, Number(intervalMs)));
  }
  console.log(JSON.stringify({ done: true }));
  process.exit(0);
});
`;

interface Node {
  host: NetHost;
  serverPort: number;
  sentinelPort: number;
  server: StartedProcess;
  sentinel?: StartedProcess;
  addr: string;
}

/** For waitFor checks: true when ok, else throws so the timeout message shows what was seen. */
function seen(ok: boolean, observed: unknown): true {
  if (!ok) throw new Error(`seen ${JSON.stringify(observed)}`);
  return true;
}

const redisAt = (addr: string): Redis => {
  const [h, p] = addr.split(' ');
  return redisClient(Number(p), h);
};

async function role(addr: string): Promise<{ role: string; master?: string; link?: string } | undefined> {
  const c = redisAt(addr);
  try {
    const info = await c.info('replication');
    const get = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const r = get('role') ?? '?';
    return r === 'slave' ? { role: r, master: `${get('master_host')} ${get('master_port')}`, link: get('master_link_status') } : { role: r };
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

async function sentinelView(host: string, port: number): Promise<string | undefined> {
  const c = redisClient(port, host);
  try {
    const a = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as [string, string] | null;
    return a === null ? undefined : `${a[0]} ${a[1]}`;
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

async function sentinelMaster(host: string, port: number): Promise<Record<string, string>> {
  const c = redisClient(port, host);
  try {
    const a = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < a.length; i += 2) out[a[i]!] = a[i + 1]!;
    return out;
  } finally {
    c.disconnect();
  }
}

async function httpMaster(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? (await res.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

interface Figures {
  minReplicas: boolean;
  fencing: boolean;
  downAfterMs: number;
  failoverMs: number;
  sentinelsAgreeMs: number;
  ackedBefore: number;
  minorityAccepted: number;
  minorityRefused: number;
  minorityLost: number;
  firstRefusalMs: number | undefined;
  /** Writes the isolated master said OK to after it had first refused one. */
  acceptedAfterRefusal: number;
  /** From the watcher's first +switch-master to ZooKeeper's /redis/master changing (same clock). */
  switchToZkMs: number | undefined;
  /** SENTINEL RESETs of a majority sentinel while it still monitored the unreachable old master. */
  resetsOfUnreachableMaster: number;
  rejoinMs: number;
}

const figures: Figures[] = [];

describe.skipIf(unavailable !== undefined)(`network partition of the master's host (${unavailable ?? '3 network namespaces'})`, () => {
  let lab: NetLab;
  let zkConnect: string;

  beforeAll(async () => {
    lab = createNetLab(3);
    zkConnect = (await startZooKeeperOnBridge(lab)).connectString;
  });
  // A failed test must not leave the next one with a host cut off.
  afterEach(() => lab.healAll());
  afterAll(() => {
    for (const f of figures) console.log(`partition figures: ${JSON.stringify(f)}`);
  });

  let dumpLogs: (() => void) | undefined;
  afterEach(() => {
    dumpLogs?.();
    dumpLogs = undefined;
  });

  async function scenario(minReplicas: boolean, sentinelTimings: Partial<typeof TIMINGS> = {}, fencing: 'off' | { fenceAfterMs: number } = 'off'): Promise<Figures> {
    const timings = { ...TIMINGS, ...sentinelTimings };
    // Down-after, then room for one aborted attempt (Sentinel retries after 2 x failover-timeout).
    const failoverWithinMs = Number(timings.SENTINEL_DOWN_AFTER_MS) + 2 * Number(timings.SENTINEL_FAILOVER_TIMEOUT_MS) + 15_000;
    const zkHosts = `${zkConnect}/p-${randomBytes(4).toString('hex')}`;
    const zk = await zkClient(zkHosts);
    const extraRedis = ['--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
    if (minReplicas) extraRedis.push('--min-replicas-to-write', '1', '--min-replicas-max-lag', '5');
    const startServer = async (host: NetHost): Promise<Node> => {
      const serverPort = await freePort();
      const server = host.startProgram(
        'server',
        {
          PORT0: String(serverPort),
          ZK_HOSTS: zkHosts,
          ZK_SESSION_TIMEOUT_MS: TIMINGS.ZK_SESSION_TIMEOUT_MS,
          REDIS_PROBE_TIMEOUT_MS: '500',
          SHUTDOWN_TIMEOUT_MS: '3000',
          REDIS_DATA_DIR: tempDir('rzk-part-server-'),
          ...(fencing === 'off' ? { FENCING: 'off' } : { FENCE_AFTER_MS: String(fencing.fenceAfterMs) }),
          LOG_LEVEL: process.env.PARTITION_DUMP ? 'debug' : 'info',
        },
        ['--', ...extraRedis],
      );
      return { host, serverPort, sentinelPort: await freePort(), server, addr: `${host.address} ${serverPort}` };
    };

    // 1. Group up: host 0's server claims master first, the others replicate.
    const [h0, h1, h2] = lab.hosts as [NetHost, NetHost, NetHost];
    const n0 = await startServer(h0);
    await waitFor(async () => (await zk.get('/redis/master')) === n0.addr && (await role(n0.addr))?.role === 'master', {
      what: `host 0 (${n0.addr}) to claim master in ZooKeeper`,
      timeoutMs: 20_000,
    });
    const nodes = [n0, await startServer(h1), await startServer(h2)];
    const m = redisAt(n0.addr);
    await waitFor(async () => /connected_slaves:2/.test(await m.info('replication')), { what: 'two replicas linked to host 0', timeoutMs: 20_000 });
    for (const n of nodes) {
      n.sentinel = n.host.startProgram('sentinel', {
        PORT0: String(n.sentinelPort),
        ZK_HOSTS: zkHosts,
        SENTINEL_DIR: tempDir('rzk-part-sentinel-'),
        ...timings,
      });
    }
    await waitFor(
      async () => {
        const all = await Promise.all(nodes.map((n) => sentinelMaster(n.host.address, n.sentinelPort).catch(() => ({}) as Record<string, string>)));
        return seen(all.every((s) => s['num-other-sentinels'] === '2' && s['num-slaves'] === '2' && `${s.ip} ${s.port}` === n0.addr), all.map((s) => [s.ip, s.port, s['num-other-sentinels'], s['num-slaves']]));
      },
      { what: 'three sentinels monitoring host 0 and knowing each other and both replicas', timeoutMs: 30_000, intervalMs: 250 },
    );
    let t0 = 0;
    const watcherPort = await freePort();
    const watcher = startProgram('watcher', {
      ZK_HOSTS: zkHosts,
      BIND_IP: lab.bridgeAddress,
      PORT0: String(watcherPort),
      ZK_SESSION_TIMEOUT_MS: TIMINGS.ZK_SESSION_TIMEOUT_MS,
      ZK_CONNECT_TIMEOUT_MS: '5000',
      RECONCILE_INTERVAL_MS: '1000',
      LOG_LEVEL: process.env.PARTITION_DUMP ? 'debug' : 'info',
    });
    const watcherMaster = `http://${lab.bridgeAddress}:${watcherPort}/master`;
    await waitFor(async () => (await httpMaster(watcherMaster)) === n0.addr.replace(' ', ':'), { what: 'the watcher to serve host 0 as master', timeoutMs: 20_000 });
    const history = recordHistory(zk);
    // PARTITION_DUMP=<dir>: every program's output, for reading a failure's timeline.
    dumpLogs = () => {
      const dir = process.env.PARTITION_DUMP;
      if (!dir) return;
      const label = `${minReplicas ? 'minrep' : 'plain'}-${timings.SENTINEL_DOWN_AFTER_MS}`;
      for (const n of nodes) {
        writeFileSync(`${dir}/${label}-server-${n.host.index}.log`, n.server.output());
        writeFileSync(`${dir}/${label}-sentinel-${n.host.index}.log`, n.sentinel!.output());
      }
      writeFileSync(`${dir}/${label}-watcher.log`, `partition at ${new Date(t0).toISOString()}\n${watcher.output()}`);
    };

    // 2. Writes acknowledged by a replica (WAIT 1), through a writer that reads /redis/master.
    const acked: string[] = [];
    const writer = redisAt((await zk.get('/redis/master'))!);
    for (let i = 0; i < 200; i += 1) {
      await writer.set(`acked:${i}`, String(i));
      if (((await writer.call('WAIT', '1', '1000')) as number) >= 1) acked.push(`acked:${i}`);
    }
    expect(acked.length).toBe(200);
    writer.disconnect();

    // 3. Partition host 0. A client on host 0 itself keeps writing to the old master.
    const outputBefore = new Map(nodes.map((n) => [n.host.index, n.sentinel!.output().length]));
    t0 = Date.now();
    h0.partition();
    const minority = h0.startProcess('minority-writer', process.execPath, ['-e', MINORITY_WRITER, h0.address, String(n0.serverPort), 'minority:', '9000', '100']);
    const newMaster = await waitFor(
      async () => {
        const v = await zk.get('/redis/master');
        return v !== undefined && v !== n0.addr ? v : false;
      },
      { what: 'ZooKeeper to name a new master after the partition', timeoutMs: failoverWithinMs, intervalMs: 50 },
    );
    const failoverMs = Date.now() - t0;
    const resetsOfUnreachableMaster = nodes
      .filter((n) => n !== n0)
      .map((n) => n.sentinel!.output().slice(outputBefore.get(n.host.index)).split('\n').filter((l) => l.includes(`+reset-master master mymaster ${n0.addr}`)).length)
      .reduce((a, b) => a + b, 0);
    const announced = watcher.logs().find((l) => l.event === 'SWITCH_ANNOUNCED' && l.duplicate === false);
    const recordedAt = history.times[history.values.indexOf(newMaster)];
    const switchToZkMs = announced && recordedAt !== undefined ? recordedAt - Date.parse(String(announced.time)) : undefined;
    expect([nodes[1]!.addr, nodes[2]!.addr]).toContain(newMaster);
    expect((await role(newMaster))?.role).toBe('master');
    const majority = nodes.filter((n) => n.addr !== n0.addr);
    await waitFor(
      async () => {
        const views = await Promise.all(majority.map((n) => sentinelView(n.host.address, n.sentinelPort)));
        return seen(views.every((v) => v === newMaster), views);
      },
      { what: 'both majority sentinels to name the new master', timeoutMs: 15_000 },
    );
    const sentinelsAgreeMs = Date.now() - t0;
    await waitFor(async () => (await httpMaster(watcherMaster)) === newMaster.replace(' ', ':'), { what: "the watcher's /master to name the new master", timeoutMs: 10_000 });

    // Every WAIT-acknowledged key is on the new master.
    const nm = redisAt(newMaster);
    const values = await nm.mget(...acked);
    expect(values.filter((v) => v === null).length, 'WAIT 1-acknowledged keys missing on the new master').toBe(0);
    // The majority side takes acknowledged writes again.
    await waitFor(async () => /connected_slaves:1/.test(await nm.info('replication')), { what: 'the other majority replica to follow the new master', timeoutMs: 15_000 });
    // With fencing, a master just promoted that its record took long to name may have been
    // fenced for a moment; the record lifts it at once.
    await waitFor(async () => (await nm.set('after:1', '1').catch(() => 'refused')) === 'OK', { what: 'the new master to take writes', timeoutMs: 5_000, intervalMs: 20 });
    expect(await nm.call('WAIT', '1', '2000')).toBe(1);

    // The isolated wrapper's session expires: ZooKeeper drops its /redis/nodes entry.
    await waitFor(
      async () => {
        const ids = await zk.children('/redis/nodes');
        const addrs = await Promise.all(ids.map((id) => zk.get(`/redis/nodes/${id}`)));
        return seen(!addrs.includes(n0.addr), addrs);
      },
      { what: "the isolated server's /redis/nodes entry to vanish with its session", timeoutMs: 15_000 },
    );

    // The minority writer's verdicts.
    await minority.exited;
    const results = minority.logs().filter((l) => typeof l.i === 'number') as { i: number; t: number; reply: string }[];
    expect(minority.logs().some((l) => l.done === true), `minority writer output: ${minority.output().slice(-500)}`).toBe(true);
    const accepted = results.filter((r) => r.reply === '+OK');
    const refused = results.filter((r) => r.reply.startsWith('-NOREPLICAS'));
    const acceptedAfterRefusal = refused.length === 0 ? 0 : accepted.filter((r) => r.i > refused[0]!.i).length;
    expect(accepted.length + refused.length).toBe(results.length);

    // 4. Heal: the old master becomes a replica of the new one and re-registers.
    const t2 = Date.now();
    h0.heal();
    await waitFor(
      async () => {
        const r = await role(n0.addr);
        return seen(r?.role === 'slave' && r.master === newMaster && r.link === 'up', r);
      },
      { what: 'the old master to replicate from the new master', timeoutMs: 30_000, intervalMs: 250 },
    );
    await waitFor(
      async () => {
        const ids = await zk.children('/redis/nodes');
        const addrs = await Promise.all(ids.map((id) => zk.get(`/redis/nodes/${id}`)));
        return seen(addrs.includes(n0.addr), addrs);
      },
      { what: "the old master's wrapper to re-register in /redis/nodes", timeoutMs: 20_000 },
    );
    await waitFor(
      async () => {
        const views = await Promise.all(nodes.map((n) => sentinelView(n.host.address, n.sentinelPort)));
        return seen(views.every((v) => v === newMaster), views);
      },
      { what: 'all three sentinels (the healed one too) to name the new master', timeoutMs: 20_000 },
    );
    const rejoinMs = Date.now() - t2;
    expect(await httpMaster(watcherMaster)).toBe(newMaster.replace(' ', ':'));
    // Stable: nothing moves ZooKeeper back to host 0 in the seconds after the heal.
    await new Promise((r) => setTimeout(r, 3_000)); // a window for a wrong move to show, not a wait for readiness
    expect(await zk.get('/redis/master')).toBe(newMaster);
    expect(history.values.slice(history.values.indexOf(newMaster)), `/redis/master history ${JSON.stringify(history.values)}`).toEqual([newMaster]);
    expect((await role(n0.addr))?.role).toBe('slave');

    // 5. What the isolated master accepted is gone; what was acknowledged by a replica is not.
    const minorityKeys = accepted.map((r) => `minority:${r.i}`);
    const surviving = minorityKeys.length === 0 ? [] : (await nm.mget(...minorityKeys)).filter((v) => v !== null);
    const old = redisAt(n0.addr);
    await waitFor(async () => (await old.dbsize()) === (await nm.dbsize()), { what: 'the old master to finish resyncing', timeoutMs: 15_000 });
    expect((await old.mget(...acked)).filter((v) => v === null).length).toBe(0);
    nm.disconnect();
    old.disconnect();
    m.disconnect();

    const f: Figures = {
      minReplicas,
      fencing: fencing !== 'off',
      downAfterMs: Number(timings.SENTINEL_DOWN_AFTER_MS),
      failoverMs,
      sentinelsAgreeMs,
      ackedBefore: acked.length,
      minorityAccepted: accepted.length,
      minorityRefused: refused.length,
      minorityLost: accepted.length - surviving.length,
      firstRefusalMs: refused[0]?.t,
      acceptedAfterRefusal,
      switchToZkMs,
      resetsOfUnreachableMaster,
      rejoinMs,
    };
    figures.push(f);
    return f;
  }

  it('with fencing (FENCE_AFTER_MS=500, below the 1 s down-after): the isolated master refuses writes before anyone replaces it, and never takes one again', async () => {
    const f = await scenario(false, {}, { fenceAfterMs: 500 });
    expect(f.failoverMs).toBeLessThan(20_000);
    expect(f.minorityRefused).toBeGreaterThan(0);
    // Fenced within FENCE_AFTER_MS plus a check period and the load's slack, before the failover.
    expect(f.firstRefusalMs).toBeLessThan(f.failoverMs);
    expect(f.acceptedAfterRefusal).toBe(0);
    // What it took before the fence is still lost: a handful of writes, not the whole partition.
    expect(f.minorityLost).toBe(f.minorityAccepted);
    expect(f.minorityAccepted).toBeLessThan(20);
  }, 90_000);

  it('FENCING=off, without min-replicas-to-write: fails over, keeps WAIT-acknowledged writes, loses what the isolated master accepted', async () => {
    const f = await scenario(false);
    expect(f.failoverMs).toBeLessThan(20_000);
    expect(f.resetsOfUnreachableMaster).toBe(0);
    // Classic Redis: the isolated master keeps saying OK, and every one of those writes is lost.
    expect(f.minorityAccepted).toBeGreaterThan(0);
    expect(f.minorityRefused).toBe(0);
    expect(f.minorityLost).toBe(f.minorityAccepted);
  }, 90_000);

  it('FENCING=off, with min-replicas-to-write 1 / max-lag 5: the isolated master refuses writes once its replicas are stale', async () => {
    const f = await scenario(true);
    expect(f.failoverMs).toBeLessThan(20_000);
    expect(f.minorityRefused).toBeGreaterThan(0);
    // Accepted only inside the lag window (5 s, plus up to 2 s of ack-period granularity and load), then refused.
    expect(f.firstRefusalMs).toBeLessThan(10_000);
    expect(f.minorityLost).toBe(f.minorityAccepted);
  }, 90_000);

  // FAILOVER_MODE=zookeeper, no sentinel: the isolated master fences itself FENCE_AFTER_MS in; its
  // session expires after ZK_SESSION_TIMEOUT_MS and the majority side elects a replica; after the
  // heal the old master follows the new record as a replica.
  it('FAILOVER_MODE=zookeeper: the isolated master fences itself, the majority elects a replica after its session expires, it rejoins as a replica', async () => {
    const zkHosts = `${zkConnect}/z-${randomBytes(4).toString('hex')}`;
    const zk = await zkClient(zkHosts);
    const env = (port: number) => ({
      PORT0: String(port),
      ZK_HOSTS: zkHosts,
      FAILOVER_MODE: 'zookeeper',
      ZK_SESSION_TIMEOUT_MS: TIMINGS.ZK_SESSION_TIMEOUT_MS,
      FENCE_AFTER_MS: '500',
      REDIS_PROBE_TIMEOUT_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '3000',
      REDIS_DATA_DIR: tempDir('rzk-part-zkmode-'),
    });
    const args = ['--', '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'];
    const [h0, h1, h2] = lab.hosts as [NetHost, NetHost, NetHost];
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const addrs = [h0, h1, h2].map((h, i) => `${h.address} ${ports[i]}`);
    h0.startProgram('server', env(ports[0]!), args);
    await waitFor(async () => (await zk.get('/redis/leader')) === addrs[0], { what: 'host 0 to hold the leadership', timeoutMs: 20_000 });
    h1.startProgram('server', env(ports[1]!), args);
    h2.startProgram('server', env(ports[2]!), args);
    const m = redisAt(addrs[0]!);
    await waitFor(async () => /connected_slaves:2/.test(await m.info('replication')), { what: 'two replicas linked to host 0', timeoutMs: 20_000 });
    const acked: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      await m.set(`acked:${i}`, String(i));
      if (((await m.call('WAIT', '1', '1000')) as number) >= 1) acked.push(`acked:${i}`);
    }
    expect(acked.length).toBe(100);

    const t0 = Date.now();
    h0.partition();
    const minority = h0.startProcess('minority-writer', process.execPath, ['-e', MINORITY_WRITER, h0.address, String(ports[0]), 'minority:', '9000', '100']);
    const newMaster = await waitFor(async () => {
      const v = await zk.get('/redis/master');
      return v !== undefined && v !== addrs[0] ? v : false;
    }, { what: 'the majority to elect a new master', timeoutMs: 20_000, intervalMs: 50 });
    const electedMs = Date.now() - t0;
    expect([addrs[1], addrs[2]]).toContain(newMaster);
    expect(await zk.get('/redis/leader')).toBe(newMaster);
    const nm = redisAt(newMaster);
    expect((await nm.mget(...acked)).filter((v) => v === null).length).toBe(0);

    await minority.exited;
    const results = minority.logs().filter((l) => typeof l.i === 'number') as { i: number; t: number; reply: string }[];
    const accepted = results.filter((r) => r.reply === '+OK');
    const refused = results.filter((r) => r.reply.startsWith('-NOREPLICAS'));
    expect(refused.length).toBeGreaterThan(0);
    // Fenced long before the session expired and anyone else was elected.
    expect(refused[0]!.t).toBeLessThan(electedMs);
    expect(accepted.filter((r) => r.i > refused[0]!.i)).toEqual([]);

    h0.heal();
    await waitFor(async () => {
      const r = await role(addrs[0]!);
      return seen(r?.role === 'slave' && r.master === newMaster && r.link === 'up', r);
    }, { what: 'the old master to replicate from the elected one', timeoutMs: 30_000, intervalMs: 250 });
    expect(await zk.get('/redis/master')).toBe(newMaster);
    console.log(`partition figures (zookeeper mode): ${JSON.stringify({ electedMs, minorityAccepted: accepted.length, minorityRefused: refused.length, firstRefusalMs: refused[0]!.t })}`);
    nm.disconnect();
    m.disconnect();
  }, 90_000);

  // The isolated sentinel's /redis/sentinels entry vanishes with its session (4 s) before the
  // majority calls the master down (8 s). A SENTINEL RESET then would forget both replicas (only
  // the unreachable master's INFO names them again) and abort the failover
  // (-failover-abort-no-good-slave, next try 2 x failover-timeout later): the reset must wait
  // while the master does not answer.
  it('fails over promptly, with no sentinel reset, when SENTINEL_DOWN_AFTER_MS exceeds the ZooKeeper session timeout', async () => {
    const f = await scenario(false, { SENTINEL_DOWN_AFTER_MS: '8000' });
    expect(f.resetsOfUnreachableMaster, 'SENTINEL RESETs while the master was unreachable').toBe(0);
    // Healthy path: down-after plus a few seconds; an aborted first attempt adds 2 x failover-timeout.
    expect(f.failoverMs).toBeLessThan(8_000 + 2 * 3_000);
  }, 90_000);
});
