import type { Redis } from 'ioredis';

export interface Ack {
  at: number;
  key: string;
}

/**
 * A client that SETs one key at a time every 10 ms through `client()` and remembers when each
 * OK came and which key it wrote: the outage is the longest gap between OKs, and every
 * acknowledged key can be checked afterwards. After a failed write it calls `reconnect`, as a
 * careful client does.
 */
export function startWriter(client: () => Redis, prefix: string, reconnect: () => void, timeoutMs = 300) {
  const oks: Ack[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i += 1) {
      const key = `${prefix}${i}`;
      const ok = await Promise.race([client().set(key, '1').then(() => true, () => false), new Promise<false>((r) => setTimeout(() => r(false), timeoutMs))]);
      if (ok) oks.push({ at: Date.now(), key });
      else reconnect();
      await new Promise((r) => setTimeout(r, 10)); // the write rate, not a wait for a condition
    }
  })();
  return {
    oks,
    /** The longest gap between two acknowledged writes after `since`. */
    longestGap(since = 0): number {
      let gap = 0;
      for (let i = 1; i < oks.length; i += 1) if (oks[i]!.at > since) gap = Math.max(gap, oks[i]!.at - oks[i - 1]!.at);
      return gap;
    },
    async stop() {
      running = false;
      await done;
      client().disconnect();
    },
  };
}

/** The acknowledged keys that `redis` does not hold (MGET in chunks): what a failover lost. */
export async function missingKeys(redis: Redis, oks: readonly Pick<Ack, 'key'>[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < oks.length; i += 500) {
    const keys = oks.slice(i, i + 500).map((o) => o.key);
    const there = (await redis.call('MGET', ...keys)) as (string | null)[];
    keys.forEach((k, j) => there[j] === null && missing.push(k));
  }
  return missing;
}
