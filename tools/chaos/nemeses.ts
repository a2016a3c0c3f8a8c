// The faults the chaos soak picks from, each healed before it returns.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Soak, Task } from './main.js';

export interface Nemesis {
  name: 'kill-redis-server' | 'kill-master-task' | 'freeze-master-task' | 'partition-master-host' | 'kill-sentinel' | 'kill-zookeeper-leader' | 'freeze-zookeeper' | 'restart-replica' | 'restart-master';
  modes: readonly ('sentinel' | 'zookeeper')[];
  /** Only where the servers run in network namespaces. */
  needsLab?: boolean;
  /** Applies the fault and heals it; says what it did. */
  run(s: Soak): Promise<string>;
}

/** mulberry32: the same seed gives the same faults in the same order. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(s: Soak, list: readonly T[]): T {
  return list[Math.floor(s.random() * list.length)]!;
}

const between = (s: Soak, lo: number, hi: number) => s.fixedMs ?? Math.round(lo + s.random() * (hi - lo));

async function masterTask(s: Soak): Promise<Task> {
  const port = await s.recorded();
  return s.servers.find((t) => t.port === port) ?? pick(s, s.servers);
}

async function redisServerPid(t: Task): Promise<number | undefined> {
  const c = new Redis({ host: t.host, port: t.port, lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return Number(/process_id:(\d+)/.exec(await c.info('server'))?.[1]);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/** Holds a task down (no restart) for `ms` after `fault`, then lets the supervisor start it again. */
async function downFor(t: Task, ms: number, fault: () => void): Promise<void> {
  t.held = true;
  try {
    fault();
    await t.proc?.exited;
    await sleep(ms);
  } finally {
    t.held = false;
  }
}

export const NEMESES: readonly Nemesis[] = [
  {
    name: 'kill-redis-server',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const t = await masterTask(s);
      const pid = await redisServerPid(t);
      if (pid === undefined || !Number.isSafeInteger(pid)) return `${t.name}: no redis-server answered`;
      s.say(`nemesis kill -9 of ${t.name}'s redis-server (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      await t.proc?.exited;
      return `${t.name} pid ${pid}`;
    },
  },
  {
    name: 'kill-master-task',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const t = await masterTask(s);
      const ms = between(s, 1_000, 4_000);
      s.say(`nemesis kill -9 of the master's task ${t.name}, replaced after ${ms} ms`);
      await downFor(t, ms, () => t.signal('SIGKILL'));
      return `${t.name} down ${ms} ms`;
    },
  },
  {
    name: 'freeze-master-task',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const t = await masterTask(s);
      const ms = between(s, 1_000, 10_000);
      s.say(`nemesis SIGSTOP of the master's task ${t.name} for ${ms} ms`);
      t.signal('SIGSTOP');
      await sleep(ms);
      t.signal('SIGCONT');
      return `${t.name} ${ms} ms`;
    },
  },
  {
    name: 'partition-master-host',
    modes: ['sentinel', 'zookeeper'],
    needsLab: true,
    async run(s) {
      const t = await masterTask(s);
      const ms = between(s, 2_000, 12_000);
      const host = t.netHost;
      if (host === undefined) return `${t.name}: not on a host of its own`;
      s.say(`nemesis partition of the master's host ${host.address} (${t.name}) for ${ms} ms`);
      host.partition();
      await sleep(ms);
      host.heal();
      return `${t.name} ${ms} ms`;
    },
  },
  {
    name: 'kill-sentinel',
    modes: ['sentinel'],
    async run(s) {
      const t = pick(s, s.sentinels);
      const ms = between(s, 500, 3_000);
      s.say(`nemesis kill -9 of ${t.name}, replaced after ${ms} ms`);
      await downFor(t, ms, () => t.signal('SIGKILL'));
      return `${t.name} down ${ms} ms`;
    },
  },
  {
    name: 'kill-zookeeper-leader',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const leader = await s.ensemble.leader();
      if (leader === undefined) return 'no leader';
      const ms = between(s, 1_000, 5_000);
      s.say(`nemesis kill -9 of the ZooKeeper leader ${leader.connectString}, restarted after ${ms} ms`);
      await leader.kill();
      await sleep(ms);
      await leader.start();
      return `${leader.connectString} down ${ms} ms`;
    },
  },
  {
    name: 'freeze-zookeeper',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const ms = between(s, 2_000, 8_000);
      s.say(`nemesis SIGSTOP of the whole ZooKeeper ensemble for ${ms} ms`);
      for (const n of s.ensemble.nodes) n.signal('SIGSTOP');
      await sleep(ms);
      for (const n of s.ensemble.nodes) n.signal('SIGCONT');
      return `${ms} ms`;
    },
  },
  {
    name: 'restart-replica',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const master = await s.recorded();
      const t = pick(s, s.servers.filter((x) => x.port !== master));
      s.say(`nemesis SIGTERM of the replica ${t.name} (a restart)`);
      await downFor(t, 500, () => t.signal('SIGTERM'));
      return t.name;
    },
  },
  {
    // A rolling restart's step: the master's task stopped on purpose hands its role over first.
    name: 'restart-master',
    modes: ['sentinel', 'zookeeper'],
    async run(s) {
      const t = await masterTask(s);
      s.say(`nemesis SIGTERM of the master ${t.name} (a rolling restart's hand-off)`);
      await downFor(t, 500, () => t.signal('SIGTERM'));
      return t.name;
    },
  },
];
