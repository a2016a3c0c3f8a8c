import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** Settles once when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signal to the whole process group (the process and every child it started). */
  signalGroup(sig: NodeJS.Signals): void;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Leaders of groups still alive, killed when this process exits so nothing outlives a test run. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

/** Sends `sig` to the process group led by `pid`; a group that is already gone is not an error. */
export function killGroup(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}

export interface SpawnGroupOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: StdioOptions;
}

/**
 * Spawns `command` as the leader of a new process group (detached), so that it and whatever it
 * starts (redis-server, redis-sentinel…) can be killed together, and are killed on our exit.
 */
export function spawnGroup(command: string, args: string[], opts: SpawnGroupOptions = {}): GroupProcess {
  installExitHook();
  const child = spawn(command, args, {
    detached: true,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      resolve({ code, signal });
    };
    child.once('exit', finish);
    child.once('error', () => finish(null, null));
  });
  if (child.pid === undefined) {
    // spawn failed (ENOENT…); 'error' fires asynchronously and settles `exited`.
    return { child, pid: -1, exited, signalGroup: () => {}, stop: async () => { await exited; } };
  }
  const pid = child.pid;
  liveGroups.add(pid);
  const signalGroup = (sig: NodeJS.Signals) => killGroup(pid, sig);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        // The leader is gone; children it left in the group may not be.
        signalGroup('SIGKILL');
        return;
      }
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup('SIGKILL');
    })();
    return stopping;
  };
  return { child, pid, exited, signalGroup, stop };
}
