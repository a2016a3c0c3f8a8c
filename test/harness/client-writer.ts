import type { Redis } from 'ioredis';
import type { Ack } from './writer.js';

/**
 * An application's writer through one client: `SET <prefix><n>` then `WAIT 1 <waitMs>`, one at a
 * time; a write counts only when WAIT says a replica has it. Failures are kept with their time
 * and message, so a test can tell an outage from a lost write.
 */
export function startClientWriter(client: Redis, prefix: string, waitMs = 500) {
  const acks: Ack[] = [];
  /** When each SET was answered OK, acknowledged by a replica or not. */
  const sets: number[] = [];
  const failures: { at: number; error: string }[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i += 1) {
      const key = `${prefix}${i}`;
      try {
        await client.set(key, '1');
        sets.push(Date.now());
        const replicas = Number(await client.call('WAIT', '1', String(waitMs)));
        if (replicas >= 1) acks.push({ key, at: Date.now() });
        else failures.push({ at: Date.now(), error: 'WAIT 0' });
      } catch (err) {
        failures.push({ at: Date.now(), error: err instanceof Error ? err.message : String(err) });
      }
      await new Promise((r) => setTimeout(r, 5)); // the write rate, not a wait for a condition
    }
  })();
  return {
    acks,
    sets,
    failures,
    /**
     * Commands that failed, from `index` on: a `WAIT` that found no replica in time (a replica
     * re-linking on a busy machine) is a write not counted, not a command the client failed.
     */
    commandFailures(index = 0): { at: number; error: string }[] {
      return failures.slice(index).filter((f) => f.error !== 'WAIT 0');
    },
    /** The client's outage around `at`: the last SET answered before it to the first one after (ms). */
    outageAround(at: number): number | undefined {
      const before = sets.filter((t) => t <= at).at(-1);
      const after = sets.find((t) => t > at);
      return before === undefined || after === undefined ? undefined : after - before;
    },
    /** From `at` (the record's move) to the first SET answered after it (ms). */
    firstSetAfter(at: number): number | undefined {
      const after = sets.find((t) => t > at);
      return after === undefined ? undefined : after - at;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}
