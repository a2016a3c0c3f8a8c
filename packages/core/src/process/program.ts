import { ConfigError, RedisZkError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';

declare const __REDIS_ZK_VERSION__: string | undefined;
export const VERSION = typeof __REDIS_ZK_VERSION__ === 'string' ? __REDIS_ZK_VERSION__ : '0.0.0-dev';

export interface ProgramContext {
  /** Arguments after `--`, passed through to the child; always [] unless the spec sets `childArgs`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Aborted on the first SIGTERM or SIGINT; `reason` is the signal name. */
  shutdown: AbortSignal;
  /** Set once the program has loaded its config and knows its log level. */
  makeLogger(level: string): Logger;
}

export interface ProgramSpec {
  name: string;
  /** Shown by --help: what the program does, its environment, and its exit codes. */
  help: string;
  /**
   * Whether arguments after `--` are passed to a child (redis-server). Default false: the
   * program takes no arguments at all, and any (after `--` too) is refused rather than ignored.
   */
  childArgs?: boolean;
  /** Returns the process exit code. Throwing a ConfigError prints one line and exits 2. */
  run(ctx: ProgramContext): Promise<number>;
}

/**
 * The shell every program runs in: --help/--version, signal → AbortSignal, and the rule that a
 * user error is one line on stderr and a non-zero exit, never a stack trace.
 */
export async function runProgram(spec: ProgramSpec, argv = process.argv.slice(2), env = process.env): Promise<never> {
  const dashdash = argv.indexOf('--');
  const own = dashdash === -1 ? argv : argv.slice(0, dashdash);
  const args = dashdash === -1 ? [] : argv.slice(dashdash + 1);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${spec.help.trim()}\n`);
    process.exit(0);
  }
  if (own.includes('--version') || own.includes('-V')) {
    process.stdout.write(`${spec.name} ${VERSION}\n`);
    process.exit(0);
  }
  if (spec.childArgs !== true && argv.length > 0) {
    process.stderr.write(`${spec.name}: unknown argument ${JSON.stringify(argv[0])}; ${spec.name} takes no arguments: configuration is by environment (see --help)\n`);
    process.exit(2);
  }
  if (own.length > 0) {
    process.stderr.write(`${spec.name}: unknown argument ${JSON.stringify(own[0])}; configuration is by environment (see --help), arguments for the child go after --\n`);
    process.exit(2);
  }

  const controller = new AbortController();
  let signals = 0;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      signals += 1;
      // A second signal while shutting down means "now": the child is killed by the exit hook.
      if (signals > 1) process.exit(128 + (sig === 'SIGTERM' ? 15 : 2));
      controller.abort(sig);
    });
  }

  let log: Logger | undefined;
  try {
    const code = await spec.run({
      args,
      env,
      shutdown: controller.signal,
      makeLogger: (level) => (log = createLogger(spec.name, level)),
    });
    await flush(log);
    process.exit(code);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${spec.name}: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof RedisZkError) {
      if (log) log.fatal({ code: err.code }, err.message);
      process.stderr.write(`${spec.name}: ${err.message}\n`);
      await flush(log);
      // Credentials that do not match the group's nodes, or a group named so that it would join
      // another group's lock, are bad configuration, like a bad value.
      process.exit(err.code === 'ZK_NO_AUTH' || err.code === 'GROUP_MISMATCH' ? 2 : 1);
    }
    if (log) log.fatal({ err }, 'unexpected failure');
    else process.stderr.write(`${spec.name}: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
    await flush(log);
    process.exit(1);
  }
}

async function flush(log: Logger | undefined): Promise<void> {
  if (!log) return;
  await new Promise<void>((resolve) => log.flush(() => resolve()));
}

/** Resolves (with `value`) once `signal` is aborted — at once if it already is. */
export function whenAborted<T>(signal: AbortSignal, value: T): Promise<T> {
  return new Promise<T>((resolve) => {
    if (signal.aborted) resolve(value);
    else signal.addEventListener('abort', () => resolve(value), { once: true });
  });
}
