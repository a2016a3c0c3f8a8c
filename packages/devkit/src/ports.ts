import { RedisZkError } from '@redis-zk/core';
import { createServer } from 'node:net';

/** Ports handed out by this process: a port stays ours until its user binds it. */
const handed = new Set<number>();

/**
 * Each process draws from its own slice of 10000–31999, below Linux's ephemeral range
 * (32768+): bind(0) in two processes can offer both the same port before either user binds
 * it, and an outgoing connection's source port can take it meanwhile. The slice is the pid's
 * unless the caller names one (a test runner, by its worker number).
 */
const SLICES = 8;
const SLICE_SIZE = 2_750;
let base = sliceBase(process.pid);

function sliceBase(key: number): number {
  return 10_000 + (key % SLICES) * SLICE_SIZE;
}

/** Draws this process's ports from slice `key % 8` (parallel workers each pass their own number). */
export function usePortSlice(key: number): void {
  base = sliceBase(key);
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A TCP port free on `host` right now, from this process's slice, never handed out before by it. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * SLICE_SIZE);
    if (handed.has(port) || !(await isFree(host, port))) continue;
    handed.add(port);
    return port;
  }
  throw new RedisZkError('NO_FREE_PORT', `no free port found on ${host} in ${base}-${base + SLICE_SIZE - 1} after 200 attempts`);
}
