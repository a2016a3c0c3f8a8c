/**
 * The network lab of devkit (packages/devkit/src/netns.ts: hosts in network namespaces on a
 * bridge, partitioned by taking a host's bridge port down) with the harness's lifetimes: removed
 * after the test file, or the test when made inside one, and processes started in a host tracked
 * like every other.
 */
import { existsSync } from 'node:fs';
import { createLab, startZooKeeper as devkitStartZooKeeper, type LabHost, type ZooKeeperHandle } from '@redis-zk/devkit';
import { bundlePath, destroyAfterFile, startProcess, type ProgramName, type StartedProcess } from './index.js';
import { track } from './resources.js';

export { netnsUnavailable, removeStaleNetns } from '@redis-zk/devkit';

export interface NetHost extends Omit<LabHost, 'wrap'> {
  /** Any command inside this host, tracked like the harness's startProcess (killed after the test). */
  startProcess(name: string, command: string, args: string[], env?: Record<string, string>): StartedProcess;
  /** `node packages/<p>/dist/redis-zk-<p>.mjs` inside this host with BIND_IP set to its address. */
  startProgram(program: ProgramName, env: Record<string, string>, args?: string[]): StartedProcess;
}

export interface NetLab {
  hosts: NetHost[];
  /** The bridge's name in the root namespace, `rzkbr<k>`. */
  bridge: string;
  /** 10.77.<k>.1: the root namespace's address on the bridge (ZooKeeper, the watcher, the test). */
  bridgeAddress: string;
  /** Heals every host (for an afterEach: the next test starts connected). */
  healAll(): void;
  /** Removes the namespaces, links and bridge (also done after the file). */
  destroy(): void;
}

/** N hosts on a bridge of their own; removed after the test file (or the test, when made inside one). */
export function createNetLab(count: number): NetLab {
  const lab = createLab(count);
  track(`network lab ${lab.bridge} (${count} hosts)`, lab.destroy);
  const hosts = lab.hosts.map((h): NetHost => {
    const host: NetHost = {
      index: h.index,
      ns: h.ns,
      address: h.address,
      rootLink: h.rootLink,
      partition: h.partition,
      heal: h.heal,
      partitioned: h.partitioned,
      startProcess: (name, command, args, env = {}) => {
        const [file, argv] = h.wrap(command, args);
        return startProcess(`${name}@${h.ns}`, file, argv, env);
      },
      startProgram: (program, env, args = []) => {
        const path = bundlePath(program);
        if (!existsSync(path)) throw new Error(`cannot start redis-zk-${program}: ${path} does not exist (run node scripts/build.mjs)`);
        return host.startProcess(`redis-zk-${program}`, process.execPath, [path, ...args], { BIND_IP: h.address, ...env });
      },
    };
    return host;
  });
  return { hosts, bridge: lab.bridge, bridgeAddress: lab.bridgeAddress, healAll: lab.healAll, destroy: lab.destroy };
}

/** A private ZooKeeper on the lab's bridge address (reachable from every unpartitioned host); stopped after the file. */
export async function startZooKeeperOnBridge(lab: NetLab): Promise<ZooKeeperHandle> {
  return destroyAfterFile(await devkitStartZooKeeper({ host: lab.bridgeAddress }));
}
