import { askOnce, redisCommand, type HostPort, type RedisAuth, type Zk } from '@redis-zk/core';
import type { SentinelStatus } from './decide-health.js';

/** A scrape collects every metric at once: they share one reading taken within this long. */
const REUSE_MS = 100;

/**
 * Reads what our redis-sentinel says of every group the wrapper follows: PING, then
 * `SENTINEL MASTER <name>` for each, all in parallel, each bounded by the probe timeout.
 */
export function sentinelStatusReader(o: { self: string; local: HostPort; auth: RedisAuth; zk: Zk; running: () => { groups(): string[] } | undefined }): () => Promise<SentinelStatus> {
  const ask = askOnce(o.auth);
  let last: { at: number; status: Promise<SentinelStatus> } | undefined;
  const read = async (): Promise<SentinelStatus> => {
    const running = o.running();
    if (running === undefined) return { self: o.self, starting: true, error: undefined, groups: [], zookeeper: o.zk.state };
    const names = running.groups();
    const [ping, ...masters] = await Promise.allSettled([redisCommand(o.local, o.auth, 'PING'), ...names.map((n) => ask(o.local, n))]);
    const failed = [ping, ...masters].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    return {
      self: o.self,
      starting: false,
      error: failed === undefined ? undefined : failed.reason instanceof Error ? failed.reason.message : String(failed.reason),
      groups: names.map((name, i) => ({ name, master: masters[i]!.status === 'fulfilled' ? (masters[i] as PromiseFulfilledResult<Record<string, string> | undefined>).value : undefined })),
      zookeeper: o.zk.state,
    };
  };
  return () => {
    if (last !== undefined && performance.now() - last.at < REUSE_MS) return last.status;
    last = { at: performance.now(), status: read() };
    return last.status;
  };
}
