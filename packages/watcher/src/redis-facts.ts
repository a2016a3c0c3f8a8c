import { probeRedis, sameHostPort, type HostPort, type RedisAuth, type RedisProbe } from '@redis-zk/core';

export interface MasterFacts {
  addr: HostPort;
  probe: RedisProbe;
  at: Date;
}

/**
 * /status shows Redis facts (replicas, offsets, keys) without a Redis round trip per request:
 * every group's master is probed in the background and the answers kept.
 */
export class RedisFacts {
  private readonly latest = new Map<string, MasterFacts>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    /** Group name → its recorded master. */
    private readonly masters: () => ReadonlyMap<string, HostPort>,
    private readonly auth: RedisAuth,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
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
          const probe = await probeRedis(addr, this.auth).catch((err: unknown) => ({ reachable: false as const, error: String(err) }));
          // The master may have moved while probing; a fact about the old one is not about "the master".
          if (sameHostPort(this.masters().get(name), addr)) this.latest.set(name, { addr, probe, at: new Date() });
        }),
      );
    } finally {
      this.busy = false;
    }
  }
}
