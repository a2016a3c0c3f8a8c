import { parseHostPort, probeRedis, type Logger, type RedisAuth } from '@redis-zk/core';
import { authAlarm } from './decide-auth.js';
import type { SentinelControl } from './sentinel-control.js';

/**
 * A password mismatch between the sentinels and the servers leaves every sentinel with the master
 * `s_down,disconnected` and nothing to fail over to, silently. Every few seconds, for a master our
 * sentinel has had no valid reply from for longer than down-after, we ask it ourselves with the
 * same password and say so loudly when the password is why.
 */
export class AuthCheck {
  private timer: NodeJS.Timeout | undefined;
  private readonly said = new Map<string, string>();

  constructor(
    private readonly o: { control: SentinelControl; groups: () => string[]; redisAuth: RedisAuth; log: Logger; everyMs?: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.o.everyMs ?? 3_000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    for (const group of this.o.groups()) {
      try {
        const m = await this.o.control.master(group);
        if (m === undefined) continue;
        const silentMs = Number(m['last-ok-ping-reply'] ?? 0);
        const downAfter = Number(m['down-after-milliseconds'] ?? Number.POSITIVE_INFINITY);
        const addr = parseHostPort(`${m.ip ?? ''} ${m.port ?? ''}`);
        if (!addr.ok || !(silentMs > downAfter)) {
          if (this.said.delete(group)) this.o.log.info({ event: 'SENTINEL_AUTH_RESTORED', group }, `redis-sentinel reaches the master of ${group} again.`);
          continue;
        }
        const probe = await probeRedis(addr.value, this.o.redisAuth);
        const line = probe.reachable ? undefined : authAlarm({ group, master: `${m.ip}:${m.port}`, error: probe.error, passwordSet: this.o.redisAuth.password !== undefined });
        if (line !== undefined && this.said.get(group) !== line) this.o.log.error({ event: 'SENTINEL_AUTH_FAILED', group, code: 'REDIS_AUTH_FAILED' }, line);
        if (line !== undefined) this.said.set(group, line);
      } catch (err) {
        this.o.log.debug({ group, err: String(err) }, 'authentication check failed; next time');
      }
    }
  }
}
