import { statSync } from 'node:fs';
import { constants } from 'node:os';
import { findExecutable, withParentDeathSignal } from './parent-death.js';
import { execa, type ResultPromise } from 'execa';
import { RedisZkError } from '../errors.js';
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
  /** Added to (and overriding) the wrapper's own environment. */
  env?: Record<string, string | undefined>;
  /**
   * Pass stderr through a pipe and keep its last bytes (Supervised.stderrTail), so a child that
   * dies at start can be explained in one line; it still reaches our stderr unchanged.
   */
  keepStderr?: boolean;
}

export interface Supervised {
  pid: number;
  /** Settles once, when the child has exited for whatever reason. */
  exited: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after shutdownTimeoutMs; resolves with the exit. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
  /** The last few KB of stderr, with keepStderr; '' otherwise. */
  stderrTail(): string;
}

const STDERR_TAIL = 8_192;

/** Children still running, SIGKILLed synchronously when the wrapper exits (normally or by process.exit). */
const running = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/** The exit status a shell would report: the code, or 128 + the signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return 1;
}

/** True when the path exists (so a failure to run it is about permissions or type, not absence). */
function existsExecutableBits(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function startFailure(command: string, err: { code?: string; message?: string } | undefined): RedisZkError {
  const reason =
    err?.code === 'ENOENT'
      ? 'no such executable (not found on PATH or at that path)'
      : err?.code === 'EACCES'
        ? 'permission denied (is it executable?)'
        : (err?.message ?? 'unknown error');
  return new RedisZkError('CHILD_START_FAILED', `cannot start ${JSON.stringify(command)}: ${reason}`);
}

/**
 * Starts a child server with execa, stdio passed through (inherit). Rejects (CHILD_START_FAILED)
 * when the executable cannot be started at all (ENOENT…). The child never outlives us: the
 * kernel kills it if the wrapper dies (parent-death signal via setpriv), and an exit hook
 * SIGKILLs it on ordinary exits.
 * Signal forwarding is the program runner's job (it calls stop()).
 */
export async function supervise(command: string, args: string[], opts: SuperviseOptions): Promise<Supervised> {
  installExitHook();
  // Through setpriv a missing executable would only show as exit 127; say it plainly up front.
  if (findExecutable(command) === undefined) {
    throw startFailure(command, { code: command.includes('/') && existsExecutableBits(command) ? 'EACCES' : 'ENOENT' });
  }
  // Every child we supervise writes files that may hold secrets, and rewrites them with
  // 0666/0644 & ~umask: redis-server's CONFIG REWRITE (which Sentinel triggers after a failover)
  // replaces our 0600 redis.conf holding requirepass/masterauth by a renamed temp file, and
  // redis-sentinel rewrites its auth-pass the same way. A child inherits the umask at spawn, so
  // set it here, for the whole wrapper: it writes nothing that others need to read.
  process.umask(0o077);
  const [file, argv] = withParentDeathSignal(command, args);
  const child: ResultPromise = execa(file, argv, {
    stdio: opts.keepStderr === true ? ['inherit', 'inherit', 'pipe'] : 'inherit',
    reject: false,
    cwd: opts.cwd,
    env: opts.env,
    // Our own exit hook kills with SIGKILL; execa's cleanup would only send SIGTERM.
    cleanup: false,
    forceKillAfterDelay: false,
  });
  // Listen before anything is awaited so a child that dies at once is not missed.
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  const exitEvent = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const started = await Promise.race([
    new Promise<true>((resolve) => child.once('spawn', () => resolve(true))),
    child.then((result) => result),
  ]);
  if (started !== true || child.pid === undefined) {
    const cause = started === true ? undefined : (started as { cause?: unknown }).cause;
    throw startFailure(command, cause as { code?: string; message?: string } | undefined);
  }
  const pid = child.pid;
  running.add(pid);
  opts.log.info({ event: 'CHILD_STARTED', pid, command }, `started ${command} as pid ${pid}`);

  const exited: Promise<ChildExit> = exitEvent.then(({ code, signal }) => {
    running.delete(pid);
    return { code, signal, exitCode: exitCodeOf(code, signal) };
  });
  // execa's own promise settles too; nothing to do with it beyond not leaving it unobserved.
  void child.catch(() => {});

  let stopping: Promise<ChildExit> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> => {
    stopping ??= (async () => {
      if (!running.has(pid)) return exited;
      opts.log.info({ event: 'CHILD_STOPPING', pid, signal, shutdownTimeoutMs: opts.shutdownTimeoutMs }, `stopping ${command} (pid ${pid}) with ${signal}`);
      child.kill(signal);
      const timer = setTimeout(() => {
        opts.log.warn({ event: 'CHILD_KILLED', pid, shutdownTimeoutMs: opts.shutdownTimeoutMs }, `${command} (pid ${pid}) did not exit within ${opts.shutdownTimeoutMs} ms of ${signal}; sending SIGKILL`);
        child.kill('SIGKILL');
      }, opts.shutdownTimeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    })();
    return stopping;
  };

  return { pid, exited, stop, stderrTail: () => tail };
}
