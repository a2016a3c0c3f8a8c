import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The executables a wrapper runs when REDIS_SERVER_BIN / REDIS_SENTINEL_BIN are unset: Redis's,
 * or Valkey's when only those are installed (Debian's valkey packages ship no redis-* names unless
 * valkey-redis-compat is installed). Redis first, so a host with both keeps what it ran before.
 */
export const SERVER_BINARIES = ['redis-server', 'valkey-server'] as const;
export const SENTINEL_BINARIES = ['redis-sentinel', 'valkey-sentinel'] as const;

function onPath(name: string, path: string): boolean {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The first of `names` found executable on PATH; the first name when none is (the spawn then names what is missing). */
export function findBinary(names: readonly string[], path = process.env['PATH'] ?? ''): string {
  return names.find((n) => onPath(n, path)) ?? names[0]!;
}
