import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { withParentDeathSignal } from '@redis-zk/core';

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
// Kept on globalThis: a test runner may evaluate this module more than once in one process.
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('redis-zk.devkit.groups')] ??= {
  liveGroups: new Set<number>(),
  exitHook: false,
  signalHooks: false,
}) as { liveGroups: Set<number>; exitHook: boolean; signalHooks: boolean };
const liveGroups = shared.liveGroups;

function installExitHook(): void {
  if (shared.exitHook) return;
  shared.exitHook = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

/**
 * Opt-in: on SIGINT/SIGTERM/SIGHUP, SIGKILL every live group and then die of the same signal
 * (a signal death skips 'exit' hooks). Not for programs that want a graceful stop of their
 * children on Ctrl-C (the local launcher handles signals itself).
 */
export function killGroupsOnSignals(): void {
  if (shared.signalHooks) return;
  shared.signalHooks = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.once(sig, handler);
  }
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
  /** Default ['ignore', 'pipe', 'pipe']: read both pipes (or pass files), or a chatty child blocks once they fill. */
  stdio?: StdioOptions;
}

/**
 * Spawns `command` as the leader of a new process group (detached), so that it and whatever it
 * starts (redis-server, redis-sentinel…) can be killed together, and are killed on our exit.
 */
export function spawnGroup(command: string, args: string[], opts: SpawnGroupOptions = {}): GroupProcess {
  installExitHook();
  // The leader also dies with us when we are SIGKILLed (a killed test worker or launcher runs no
  // exit hook); the programs in turn take their own children down the same way.
  const [file, argv] = withParentDeathSignal(command, args);
  const child = spawn(file, argv, {
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
