import { formatHostPort, type HostPort } from '../hostport.js';

/** What orders replicas for promotion without Sentinel (an election, a switchover in ZooKeeper mode). */
export interface PromotionRank {
  addr: HostPort;
  /** replica-priority: lower first; 0 is never promoted (filtered out before ranking). */
  priority: number;
  /** Replication offset: most data first. */
  offset: number;
  /** master_last_io_seconds_ago: the freshest link first. */
  lastIo: number;
}

/**
 * Negative when `a` should be promoted over `b`. The order is redis-sentinel-micro's (and close
 * to Sentinel's own): replica-priority, then offset, then the freshest link, then the address,
 * so that ties break the same in every program.
 */
export function compareCandidates(a: PromotionRank, b: PromotionRank): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.offset !== b.offset) return b.offset - a.offset;
  if (a.lastIo !== b.lastIo) return a.lastIo < b.lastIo ? -1 : 1;
  const x = formatHostPort(a.addr);
  const y = formatHostPort(b.addr);
  return x < y ? -1 : x > y ? 1 : 0;
}
