/**
 * Several "hosts" on one machine, each a network namespace with its own address, for tests of
 * real network partitions: a bridge `rzkbr0` in the root namespace holds 10.77.0.1/24 (where a
 * ZooKeeper started by `startZooKeeperOnBridge` listens), and host i is the namespace
 * `rzk-<id>-<i>` with 10.77.0.<10+i> on a veth whose root end is a bridge port. Partitioning a
 * host takes its bridge port down: its packets (and everyone's to it) are silently lost, like a
 * pulled cable — no RST, no ICMP, connections just hang.
 *
 * Needs root and `ip` (iproute2). Everything made here is removed after the test file, even when
 * a test fails, and stale `rzk-*` namespaces and links from a killed run are removed first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startZooKeeper as testkitStartZooKeeper, type ZooKeeperHandle } from '@redis-zk/testkit';
import { bundlePath, startProcess, type ProgramName, type StartedProcess } from './index.js';
import { removeDirOnExit, track } from './resources.js';

export const BRIDGE = 'rzkbr0';
export const SUBNET_PREFIX = '10.77.0';
export const BRIDGE_ADDRESS = `${SUBNET_PREFIX}.1`;
const NS_PREFIX = 'rzk-';

function findIp(): string | undefined {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) if (existsSync(p)) return p;
  return undefined;
}
const IP = findIp();

function ip(...args: string[]): string {
  if (IP === undefined) throw new Error('ip (iproute2) is not installed');
  try {
    return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
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

/** Removes every `rzk-*` namespace, `rzk*` link and the bridge left by an earlier (killed) run. */
export function removeStaleNetns(): void {
  const namespaces = ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NS_PREFIX));
  for (const ns of namespaces) ipQuiet('netns', 'del', ns);
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n.startsWith('rzk'));
  for (const link of links) ipQuiet('link', 'del', link);
}

export interface NetHost {
  index: number;
  /** The namespace's name, `rzk-<id>-<index>`. */
  ns: string;
  /** 10.77.0.<10+index> */
  address: string;
  /** The veth end in the root namespace (a bridge port). */
  rootLink: string;
  /** Any command inside this host, tracked like the harness's startProcess (killed after the test). */
  startProcess(name: string, command: string, args: string[], env?: Record<string, string>): StartedProcess;
  /** `node packages/<p>/dist/redis-zk-<p>.mjs` inside this host with BIND_IP set to its address. */
  startProgram(program: ProgramName, env: Record<string, string>, args?: string[]): StartedProcess;
  /** Cuts the host off from the bridge (ZooKeeper, the test process, every other host). */
  partition(): void;
  heal(): void;
  partitioned(): boolean;
}

export interface NetLab {
  hosts: NetHost[];
  bridgeAddress: string;
  /** Heals every host (for an afterEach: the next test starts connected). */
  healAll(): void;
  /** Removes the namespaces, links and bridge (also done after the file). */
  destroy(): void;
}

/** N hosts on the bridge; removed after the test file (or the test, when made inside one). */
export function createNetLab(count: number): NetLab {
  const reason = netnsUnavailable();
  if (reason !== undefined) throw new Error(`network namespaces unavailable: ${reason}`);
  removeStaleNetns();
  // Four hex digits keep veth names within the kernel's 15 characters: rzk<id>r<i>.
  const id = randomBytes(2).toString('hex');
  const made: { namespaces: string[]; links: string[] } = { namespaces: [], links: [] };
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const ns of made.namespaces) ipQuiet('netns', 'del', ns);
    for (const link of made.links) ipQuiet('link', 'del', link);
    ipQuiet('link', 'del', BRIDGE);
  };
  // A worker that exits without running afterAll still leaves nothing behind.
  process.once('exit', destroy);
  track(`network lab rzk-${id} (${count} hosts)`, destroy);

  try {
    ip('link', 'add', BRIDGE, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
    made.links.push(BRIDGE);
    ip('addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    const hosts: NetHost[] = [];
    for (let i = 0; i < count; i += 1) hosts.push(makeHost(id, i, made));
    return {
      hosts,
      bridgeAddress: BRIDGE_ADDRESS,
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

function makeHost(id: string, index: number, made: { namespaces: string[]; links: string[] }): NetHost {
  const ns = `${NS_PREFIX}${id}-${index}`;
  const address = `${SUBNET_PREFIX}.${10 + index}`;
  const rootLink = `rzk${id}r${index}`;
  const peer = `rzk${id}p${index}`;
  ip('netns', 'add', ns);
  made.namespaces.push(ns);
  ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', peer);
  made.links.push(rootLink);
  ip('link', 'set', peer, 'netns', ns);
  // eth0 inside, so NET_IFACE's default would find this host's address too.
  ip('-n', ns, 'link', 'set', peer, 'name', 'eth0');
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
  ip('-n', ns, 'link', 'set', 'eth0', 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('link', 'set', rootLink, 'master', BRIDGE);
  ip('link', 'set', rootLink, 'up');
  let cut = false;
  const inNs = (command: string, args: string[]): [string, string[]] => [IP!, ['netns', 'exec', ns, command, ...args]];
  const host: NetHost = {
    index,
    ns,
    address,
    rootLink,
    startProcess: (name, command, args, env = {}) => {
      const [file, argv] = inNs(command, args);
      return startProcess(`${name}@${ns}`, file, argv, env);
    },
    startProgram: (program, env, args = []) => {
      const path = bundlePath(program);
      if (!existsSync(path)) throw new Error(`cannot start redis-zk-${program}: ${path} does not exist (run node scripts/build.mjs)`);
      return host.startProcess(`redis-zk-${program}`, process.execPath, [path, ...args], { BIND_IP: address, ...env });
    },
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
  return host;
}

/** A private ZooKeeper on the bridge address (reachable from every unpartitioned host); stopped after the file. */
export async function startZooKeeperOnBridge(): Promise<ZooKeeperHandle> {
  const zk = await testkitStartZooKeeper({ host: BRIDGE_ADDRESS });
  const forget = removeDirOnExit(zk.dir);
  track(`ZooKeeper ${zk.connectString}`, async () => {
    await zk.destroy();
    forget();
  }, 'file');
  return zk;
}
