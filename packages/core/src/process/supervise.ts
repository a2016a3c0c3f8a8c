import type { Logger } from '../log.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the wrapper exits with: the child's code, or 128 + the signal's number. */
  exitCode: number;
}

export interface SuperviseOptions {
  log: Logger;
  /** After `stop()` sends SIGTERM, SIGKILL follows after this long. */
  shutdownTimeoutMs: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface Supervised {
  pid: number;
  /** Settles once, when the child has exited for whatever reason. */
  exited: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after shutdownTimeoutMs; resolves with the exit. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/**
 * Starts a child server with execa, stdio passed through (inherit). Rejects (CHILD_START_FAILED)
 * when the executable cannot be started at all (ENOENT…). While the wrapper lives the child is
 * killed on the wrapper's exit (process 'exit' hook, SIGKILL), so it never outlives us.
 * Signal forwarding is the program runner's job (it calls stop()).
 */
export async function supervise(_command: string, _args: string[], _opts: SuperviseOptions): Promise<Supervised> {
  throw new Error('not implemented');
}
