import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@redis-zk/core';

/** The user's base sentinel.conf, read once at start. */
export async function readBaseConf(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('SENTINEL_CONF', path, `a readable sentinel.conf file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** Fresh on every start; 0600 because it may hold auth-pass, and writable since redis-sentinel rewrites it. */
export async function writeSentinelConf(dir: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'sentinel.conf');
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}
