import { probeRedis, sameHostPort, type HostPort, type RedisAuth, type RedisProbe } from '@redis-zk/core';

export interface MasterFacts {
  addr: HostPort;
  probe: RedisProbe;
  at: Date;
}

/**
 * /status shows Redis facts (replicas, offsets, keys) without a Redis round trip per request:
 * the master is probed in the background and the answer kept.
 */
export class RedisFacts {
  latest: MasterFacts | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly master: () => HostPort | undefined,
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

  private async refresh(): Promise<void> {
    if (this.busy) return;
    const addr = this.master();
    if (addr === undefined) {
      this.latest = undefined;
      return;
    }
    this.busy = true;
    try {
      const probe = await probeRedis(addr, this.auth).catch((err: unknown) => ({ reachable: false as const, error: String(err) }));
      // The master may have moved while probing; a fact about the old one is not about "the master".
      if (sameHostPort(this.master(), addr)) this.latest = { addr, probe, at: new Date() };
    } finally {
      this.busy = false;
    }
  }
}
