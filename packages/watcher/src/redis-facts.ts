import { probeMasterBy, sameHostPort, type HostPort, type RedisAuth, type RedisProbe } from '@redis-zk/core';
import { CommandPool } from './command-pool.js';

export interface MasterFacts {
  addr: HostPort;
  probe: RedisProbe;
  /** Whether the master's wrapper has fenced it (min-replicas-to-write at the fence value). */
  fenced: boolean | undefined;
  at: Date;
}

/**
 * /status shows Redis facts (replicas, offsets, keys) without a Redis round trip per request:
 * every group's master is probed in the background and the answers kept. The probes go over
 * kept-open connections: a new connection every second made garbage whose collection could land
 * in the middle of a switch.
 */
export class RedisFacts {
  private readonly latest = new Map<string, MasterFacts>();
  private readonly pool: CommandPool;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    /** Group name → its recorded master. */
    private readonly masters: () => ReadonlyMap<string, HostPort>,
    auth: RedisAuth,
    private readonly intervalMs = 1_000,
    /** A group's master seen fenced, or no longer fenced. */
    private readonly onFencing: (name: string, addr: HostPort, fenced: boolean) => void = () => undefined,
  ) {
    this.pool = new CommandPool(auth);
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.pool.close();
  }

  of(name: string): MasterFacts | undefined {
    return this.latest.get(name);
  }

  private async refresh(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const masters = this.masters();
      for (const name of this.latest.keys()) if (!masters.has(name)) this.latest.delete(name);
      await Promise.all(
        [...masters].map(async ([name, addr]) => {
          const { probe, fenced } = await probeMasterBy((command, ...args) => this.pool.call(addr, command, ...args));
          // The master may have moved while probing; a fact about the old one is not about "the master".
          if (!sameHostPort(this.masters().get(name), addr)) return;
          const before = this.latest.get(name);
          this.latest.set(name, { addr, probe, fenced, at: new Date() });
          const was = before !== undefined && sameHostPort(before.addr, addr) ? before.fenced : false;
          if (fenced !== undefined && fenced !== (was ?? false)) this.onFencing(name, addr, fenced);
        }),
      );
    } finally {
      this.busy = false;
    }
  }
}
