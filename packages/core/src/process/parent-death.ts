import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * util-linux's `setpriv --pdeathsig KILL` execs a command with PR_SET_PDEATHSIG: the kernel kills
 * it when its parent dies, even by SIGKILL, where no exit hook runs. Same pid, no extra process.
 * Undefined where setpriv is missing or too old; exit hooks then cover the ordinary exits.
 */
let setprivPath: string | null | undefined;
function setpriv(): string | undefined {
  if (setprivPath === undefined) {
    const found = findExecutable('setpriv');
    const help = found ? spawnSync(found, ['--help'], { encoding: 'utf8', timeout: 2_000 }) : undefined;
    setprivPath = found && help?.stdout?.includes('--pdeathsig') ? found : null;
  }
  return setprivPath ?? undefined;
}

/** `[file, args]` to spawn so that `command` dies with the spawning process. */
export function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  const launcher = setpriv();
  return launcher === undefined ? [command, args] : [launcher, ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/** `command` as execvp would find it; undefined when missing or not an executable file. */
export function findExecutable(command: string): string | undefined {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}
