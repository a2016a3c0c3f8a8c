import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { ConfigError, preview, type Logger } from '@redis-zk/core';
import type { SwitchEvent } from '../events.js';
import type { Behaviour } from './behaviour.js';

const OUTPUT_LIMIT = 4_096;

/** Like Sentinel's client-reconfig-script: `<name> <old-host> <old-port> <new-host> <new-port>`. */
export function hookArguments(e: SwitchEvent): string[] {
  return [e.name, e.from.host, String(e.from.port), e.to.host, String(e.to.port)];
}

/**
 * Runs HOOK_COMMAND through `sh -c '<command> "$@"'` so the user may write a pipeline, while the
 * event's words travel as positional arguments and are never parsed by the shell.
 * The process group is killed after the timeout so a hook that forks cannot outlive it.
 */
/** The hook runs with the watcher's environment minus the API token: a hook has no business switching over. */
export function hookEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { API_TOKEN: _token, ...rest } = env;
  return rest;
}

export type HookOutcome = 'ok' | 'failed' | 'timeout' | 'not-started';

export function hookCommandBehaviour(command: string, timeoutMs: number, log: Logger, report: (e: SwitchEvent, outcome: HookOutcome, detail: string) => void = () => undefined): Behaviour {
  return {
    name: 'hook-command',
    onSwitch: (e) =>
      new Promise<void>((resolve) => {
        const args = hookArguments(e);
        const started = Date.now();
        const child = spawn('sh', ['-c', `${command} "$@"`, 'redis-zk-hook', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: hookEnvironment(process.env) });
        let output = '';
        const keep = (chunk: Buffer): void => {
          if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, timeoutMs);
        child.on('error', (err) => {
          clearTimeout(timer);
          log.warn({ event: 'HOOK_DONE', outcome: 'not-started', hook: args }, `HOOK_COMMAND could not start: ${err.message}.`);
          report(e, 'not-started', err.message);
          resolve();
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const ms = Date.now() - started;
          const outcome = timedOut ? 'timeout' : code === 0 ? 'ok' : 'failed';
          const fields = { outcome, hook: args, code, signal, ms, output: preview(output.trim(), 500) };
          if (timedOut) log.warn({ event: 'HOOK_DONE', ...fields }, `HOOK_COMMAND was killed after ${timeoutMs} ms (HOOK_TIMEOUT_MS).`);
          else if (code !== 0) log.warn({ event: 'HOOK_DONE', ...fields }, `HOOK_COMMAND failed with ${signal ?? `exit code ${code}`}.`);
          else log.info({ event: 'HOOK_DONE', ...fields }, 'HOOK_COMMAND finished.');
          report(e, outcome, timedOut ? `killed after ${timeoutMs} ms` : `${signal ?? `exit code ${code}`} after ${ms} ms`);
          resolve();
        });
      }),
  };
}

/**
 * HOOK_COMMAND is checked at start, not at the first failover: its first word must be a shell
 * builtin, or an executable file (given as a path, or found on PATH).
 */
export async function checkHookCommand(command: string | undefined): Promise<void> {
  if (command === undefined) return;
  const word = command.trim().split(/\s+/)[0] ?? '';
  if (word.includes('/')) {
    try {
      await access(word, constants.X_OK);
      if (!(await stat(word)).isFile()) throw new ConfigError('HOOK_COMMAND', command, `a command that exists and is executable (${word} is not an executable file)`);
    } catch {
      throw new ConfigError('HOOK_COMMAND', command, `a command that exists and is executable (${word} is not an executable file)`);
    }
    return;
  }
  const found = await new Promise<boolean>((resolve) => {
    const child = spawn('sh', ['-c', 'command -v -- "$1" >/dev/null 2>&1', 'redis-zk-hook-check', word], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  if (!found) throw new ConfigError('HOOK_COMMAND', command, `a command that exists and is executable (${word} is not a shell builtin and not found on PATH)`);
}
