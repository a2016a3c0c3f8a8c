/**
 * Podman for the image test: its own storage under a directory of the run (never the machine's),
 * host networking only, and everything — containers, mounts, images — removed after the file,
 * even when a test fails.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './index.js';
import { track } from './resources.js';

const run = promisify(execFile);

/** Why the container test cannot run here, or undefined when it can. */
export function podmanUnavailable(): string | undefined {
  if (process.env.REDIS_ZK_SKIP_IMAGES === '1') return 'REDIS_ZK_SKIP_IMAGES=1';
  for (const bin of ['podman', 'runc', 'mmdebstrap']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `no ${bin} (bash scripts/setup.sh --for-tests installs podman, runc and mmdebstrap)`;
    }
  }
  if (process.getuid?.() !== 0) return 'not root (the local base image is made with mmdebstrap and chroot)';
  return undefined;
}

export interface Podman {
  /** `podman --root … --runroot … <args>`; resolves with stdout, trimmed. */
  cmd(args: string[], timeoutMs?: number): Promise<string>;
  storage: string;
  /** scripts/images.sh --local-base into this storage; its output (build times, sizes, layers). */
  /** scripts/images.sh into this storage; `valkey`: the server and sentinel images run Valkey 8. */
  buildImages(tag: string, opts?: { valkey?: boolean }): Promise<string>;
}

export function startPodman(): Podman {
  const storage = mkdtempSync(join(tmpdir(), 'redis-zk-podman-'));
  const env = { ...process.env, CONTAINERS_CONF: join(storage, 'containers.conf') };
  const base = ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot')];
  const cmd = async (args: string[], timeoutMs = 60_000) => (await run('podman', [...base, ...args], { env, timeout: timeoutMs, maxBuffer: 64 << 20 })).stdout.trim();
  track(`podman storage ${storage}`, async () => {
    await cmd(['rm', '--force', '--all', '--time', '0']).catch(() => undefined);
    await cmd(['rmi', '--force', '--all']).catch(() => undefined);
    // Overlay mounts left under the storage keep rm from removing it.
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(storage)).sort().reverse();
    for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
    rmSync(storage, { recursive: true, force: true });
  }, 'file');
  return {
    cmd,
    storage,
    async buildImages(tag, opts = {}) {
      // At the lowest CPU priority: the builds run beside timing-sensitive tests (failovers,
      // fencing) on the same two cores, which must not be starved by mmdebstrap and pnpm.
      const { stdout } = await run('nice', ['-n', '19', 'bash', join(repoRoot, 'scripts/images.sh'), '--local-base', '--storage', storage, '--tag', tag, ...(opts.valkey === true ? ['--valkey'] : [])], { env: process.env, timeout: 600_000, maxBuffer: 64 << 20 });
      return stdout;
    },
  };
}
