/**
 * Several "hosts" on one machine, each a network namespace with its own address, for tests of
 * real network partitions: a bridge `rzkbr<k>` in the root namespace holds 10.77.<k>.1/24 (where
 * a ZooKeeper started by `startZooKeeperOnBridge` listens), and host i is the namespace
 * `rzk-<k>-<i>` with 10.77.<k>.<10+i> on a veth whose root end is a bridge port. k is the first
 * free lab number (usually 0): two test runs at once (a CI run next to a developer's) each get
 * their own bridge and subnet instead of tearing down each other's. Partitioning a host takes
 * its bridge port down: its packets (and everyone's to it) are silently lost, like a pulled
 * cable — no RST, no ICMP, connections just hang.
 *
 * Needs root and `ip` (iproute2). Everything made here is removed by destroy() or when the
 * process exits; labs left by a run that died (their owner pid, kept in the bridge's alias, is
 * gone) are removed first. The test harness (test/harness/netns.ts) and the chaos soak use it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RedisZkError } from '@redis-zk/core';

const NS_PREFIX = 'rzk-';
const BRIDGE_PREFIX = 'rzkbr';
const OWNER_ALIAS = 'rzk-owner-';
const MAX_LABS = 200;

function findIp(): string | undefined {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) if (existsSync(p)) return p;
  return undefined;
}
const IP = findIp();

function ip(...args: string[]): string {
  if (IP === undefined) throw new RedisZkError('ENVIRONMENT_UNAVAILABLE', 'ip (iproute2) is not installed');
  try {
    return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new RedisZkError('ENVIRONMENT_UNAVAILABLE', `ip ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

function ipQuiet(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    /* already gone */
  }
}

/**
 * Why network-namespace tests cannot run here, or undefined when they can. Probes for real (a
 * throw-away namespace), since containers often lack CAP_SYS_ADMIN even as uid 0.
 */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth, bridge)';
  if (IP === undefined) return 'ip (iproute2) is not installed: apt-get install -y iproute2';
  const probe = `${NS_PREFIX}probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('link', 'add', `rzkprobe${process.pid % 10000}`, 'type', 'bridge');
    ip('link', 'del', `rzkprobe${process.pid % 10000}`);
    return undefined;
  } catch (err) {
    return `cannot create network namespaces/links here: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    ipQuiet('netns', 'del', probe);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes lab k: its namespaces `rzk-<k>-*`, veths `rzk<k>r*` and bridge. */
function removeLab(k: number): void {
  for (const ns of ip('netns', 'list').split('\n').map((l) => l.split(' ')[0] ?? '')) {
    if (ns.startsWith(`${NS_PREFIX}${k}-`)) ipQuiet('netns', 'del', ns);
  }
  for (const link of linkNames()) if (new RegExp(`^rzk${k}r\\d+$`).test(link)) ipQuiet('link', 'del', link);
  ipQuiet('link', 'del', `${BRIDGE_PREFIX}${k}`);
}

function linkNames(): string[] {
  return ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** Removes the labs of runs that died without cleaning up (their owner pid is gone, or unknown). */
export function removeStaleNetns(): void {
  for (const link of linkNames()) {
    const k = new RegExp(`^${BRIDGE_PREFIX}(\\d+)$`).exec(link)?.[1];
    if (k === undefined) continue;
    const alias = /alias (\S+)/.exec(ip('link', 'show', link))?.[1] ?? '';
    const owner = alias.startsWith(OWNER_ALIAS) ? Number(alias.slice(OWNER_ALIAS.length)) : NaN;
    if (!Number.isSafeInteger(owner) || !pidAlive(owner)) removeLab(Number(k));
  }
}

export interface LabHost {
  index: number;
  /** The namespace's name, `rzk-<k>-<index>`. */
  ns: string;
  /** 10.77.<k>.<10+index> */
  address: string;
  /** The veth end in the root namespace (a bridge port). */
  rootLink: string;
  /** `[file, argv]` that run `command args` inside this host (`ip netns exec`). */
  wrap(command: string, args: string[]): [string, string[]];
  /** Cuts the host off from the bridge (ZooKeeper, the root namespace, every other host). */
  partition(): void;
  heal(): void;
  partitioned(): boolean;
}

export interface Lab {
  hosts: LabHost[];
  /** The bridge's name in the root namespace, `rzkbr<k>`. */
  bridge: string;
  /** 10.77.<k>.1: the root namespace's address on the bridge. */
  bridgeAddress: string;
  /** Heals every host. */
  healAll(): void;
  /** Removes the namespaces, links and bridge (also on this process's exit). */
  destroy(): void;
}

/** N hosts on a bridge of their own, removed by destroy() or when this process exits. */
export function createLab(count: number): Lab {
  const reason = netnsUnavailable();
  if (reason !== undefined) throw new RedisZkError('ENVIRONMENT_UNAVAILABLE', `network namespaces unavailable: ${reason}`);
  removeStaleNetns();
  // Claiming a lab number is creating its bridge: link names are unique, so a concurrent run
  // that picked the same number gets "File exists" and tries the next.
  let k = -1;
  for (let candidate = 0; candidate < MAX_LABS && k === -1; candidate += 1) {
    try {
      ip('link', 'add', `${BRIDGE_PREFIX}${candidate}`, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
      k = candidate;
    } catch (err) {
      if (!/exists/i.test(err instanceof Error ? err.message : '')) throw err;
    }
  }
  if (k === -1) throw new RedisZkError('ENVIRONMENT_UNAVAILABLE', `no free network lab: ${MAX_LABS} bridges ${BRIDGE_PREFIX}<k> exist`);
  const bridge = `${BRIDGE_PREFIX}${k}`;
  const prefix = `10.77.${k}`;
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    removeLab(k);
  };
  // A process that exits without cleaning up still leaves nothing behind.
  process.once('exit', destroy);
  try {
    ip('link', 'set', bridge, 'alias', `${OWNER_ALIAS}${process.pid}`);
    ip('addr', 'add', `${prefix}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hosts: LabHost[] = [];
    for (let i = 0; i < count; i += 1) hosts.push(makeHost(k, prefix, bridge, i));
    return {
      hosts,
      bridge,
      bridgeAddress: `${prefix}.1`,
      healAll: () => {
        for (const h of hosts) if (h.partitioned()) h.heal();
      },
      destroy,
    };
  } catch (err) {
    destroy();
    throw err;
  }
}

function makeHost(k: number, prefix: string, bridge: string, index: number): LabHost {
  const ns = `${NS_PREFIX}${k}-${index}`;
  const address = `${prefix}.${10 + index}`;
  const rootLink = `rzk${k}r${index}`;
  const peer = `rzk${k}p${index}`;
  ip('netns', 'add', ns);
  ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', peer, 'netns', ns);
  // eth0 inside, so NET_IFACE's default would find this host's address too.
  ip('-n', ns, 'link', 'set', peer, 'name', 'eth0');
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
  ip('-n', ns, 'link', 'set', 'eth0', 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('link', 'set', rootLink, 'master', bridge);
  ip('link', 'set', rootLink, 'up');
  let cut = false;
  return {
    index,
    ns,
    address,
    rootLink,
    wrap: (command, args) => [IP!, ['netns', 'exec', ns, command, ...args]],
    partition: () => {
      ip('link', 'set', rootLink, 'down');
      cut = true;
    },
    heal: () => {
      ip('link', 'set', rootLink, 'up');
      cut = false;
    },
    partitioned: () => cut,
  };
}
