import { findBinary, SENTINEL_BINARIES, SERVER_BINARIES } from '@redis-zk/core';

/**
 * Which server a test run, the chaos tool or a benchmark drives: what REDIS_SERVER_BIN /
 * REDIS_SENTINEL_BIN name (CI's second pass exports valkey-server and valkey-sentinel), else what
 * the programs themselves would find on PATH. The same rule as the programs', so what a run
 * starts by hand and what the wrappers start are always the same server.
 */
export const SERVER_BIN = process.env['REDIS_SERVER_BIN'] || findBinary(SERVER_BINARIES);
export const SENTINEL_BIN = process.env['REDIS_SENTINEL_BIN'] || findBinary(SENTINEL_BINARIES);

/** The variables to hand a spawned program so its wrapper runs the same server as the run. */
export function serverBinEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  if (process.env['REDIS_SERVER_BIN']) env['REDIS_SERVER_BIN'] = process.env['REDIS_SERVER_BIN'];
  if (process.env['REDIS_SENTINEL_BIN']) env['REDIS_SENTINEL_BIN'] = process.env['REDIS_SENTINEL_BIN'];
  return env;
}

/** The process name (`comm`) of the server binary: what pgrep matches. */
export const SERVER_COMM = SERVER_BIN.split('/').pop()!;
