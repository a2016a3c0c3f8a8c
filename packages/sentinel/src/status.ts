import { sentinelMasters, type HostPort, type RedisAuth, type Zk } from '@redis-zk/core';
import type { SentinelStatus } from './decide-health.js';

/** A scrape collects every metric at once: they share one reading taken within this long. */
const REUSE_MS = 100;

/**
 * Reads what our redis-sentinel says of every group the wrapper follows: one `SENTINEL MASTERS`
 * (one connection, whatever the number of groups), bounded by the probe timeout. A group it
 * does not list is one it does not monitor.
 */
export function sentinelStatusReader(o: { self: string; local: HostPort; auth: RedisAuth; zk: Zk; running: () => { groups(): string[] } | undefined }): () => Promise<SentinelStatus> {
  let last: { at: number; status: Promise<SentinelStatus> } | undefined;
  const read = async (): Promise<SentinelStatus> => {
    const running = o.running();
    if (running === undefined) return { self: o.self, starting: true, error: undefined, groups: [], zookeeper: o.zk.state };
    const names = running.groups();
    let masters: Map<string, Record<string, string>> | undefined;
    let error: string | undefined;
    try {
      masters = await sentinelMasters(o.local, o.auth);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    return { self: o.self, starting: false, error, groups: names.map((name) => ({ name, master: masters?.get(name) })), zookeeper: o.zk.state };
  };
  return () => {
    if (last !== undefined && performance.now() - last.at < REUSE_MS) return last.status;
    last = { at: performance.now(), status: read() };
    return last.status;
  };
}
