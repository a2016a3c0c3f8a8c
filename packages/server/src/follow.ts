import {
  type Disposable,
  formatHostPort,
  type HostPort,
  type Logger,
  probeRedis,
  type RedisAuth,
  redisCommand,
  watchData,
  type Zk,
  zkPaths,
} from '@redis-zk/core';
import { decideFollow, needsTargetProbe } from './follow-decide.js';
import { classifyRecord } from './record.js';

export interface FollowOptions {
  zk: Zk;
  self: HostPort;
  /** Where our own redis-server is reached for INFO/REPLICAOF. */
  local: HostPort;
  auth: RedisAuth;
  log: Logger;
  /** How long a master waits for a newly recorded master to answer as master before refusing. */
  demoteWaitMs?: number;
}

export interface Follower {
  close(): void;
}

/**
 * Watches `/redis/master` while redis-server runs and applies decideFollow to every value,
 * one at a time, always with the latest value (changes that arrive meanwhile collapse).
 */
export function follow(opts: FollowOptions): Follower {
  const { zk, self, local, auth, log } = opts;
  const demoteWaitMs = opts.demoteWaitMs ?? 5_000;
  let latest: string | undefined;
  let pending = false;
  let running = false;
  let closed = false;
  let lastRefused: string | undefined;

  const apply = async (raw: string | undefined): Promise<void> => {
    const record = classifyRecord(raw);
    const deadline = Date.now() + demoteWaitMs;
    for (;;) {
      const own = await probeRedis(local, auth);
      const target = needsTargetProbe(self, record, own) && record.kind === 'valid' ? await probeRedis(record.addr, auth) : undefined;
      const d = decideFollow({ self, record, own, target });
      switch (d.action) {
        case 'none':
          log.debug({ record: raw === undefined ? null : record.kind }, d.reason);
          return;
        case 'refuse':
          if (raw !== lastRefused) log.warn({ record: record.kind === 'invalid' ? record.preview : undefined }, d.reason);
          lastRefused = raw;
          return;
        case 'promote':
          log.info({ action: d.action }, d.reason);
          await redisCommand(local, auth, 'REPLICAOF', 'NO', 'ONE');
          return;
        case 'replicate':
          log.info({ action: d.action, master: formatHostPort(d.master) }, d.reason);
          await redisCommand(local, auth, 'REPLICAOF', d.master.host, d.master.port);
          return;
        case 'recheck':
          // A newer value supersedes this one; the loop picks it up.
          if (closed || pending) return;
          if (Date.now() >= deadline) {
            log.warn({ master: formatHostPort(d.master) }, `${d.reason} Refusing to demote after ${demoteWaitMs} ms: it never answered as master.`);
            return;
          }
          log.info({ master: formatHostPort(d.master) }, `${d.reason} Checking again shortly.`);
          await new Promise((r) => setTimeout(r, 300));
      }
    }
  };

  const drain = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      while (pending && !closed) {
        pending = false;
        try {
          await apply(latest);
        } catch (err) {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Could not apply /redis/master to our redis-server; will retry on the next change.');
        }
      }
    } finally {
      running = false;
    }
  };

  const watch: Disposable = watchData(zk, zkPaths.MASTER, (value) => {
    latest = value;
    pending = true;
    void drain();
  });

  return {
    close() {
      closed = true;
      watch.close();
    },
  };
}
