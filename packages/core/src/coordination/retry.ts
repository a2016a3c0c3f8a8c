import { RedisZkError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One retry policy for the programs (kazoo's KazooRetry is the model): a bounded number of
 * attempts, exponential backoff with a cap, and a predicate for what is worth retrying. Lost
 * version races are retried at once (delayMs 0): the loser re-reads and re-decides on fresh data.
 */
export interface RetryPolicy {
  /** Attempts in all, including the first. */
  attempts: number;
  delayMs?: number;
  backoff?: number;
  maxDelayMs?: number;
  retryOn: (err: unknown) => boolean;
  /** Called before each retry with the error that caused it (for the log). */
  onRetry?: (err: unknown, attempt: number) => void;
  signal?: AbortSignal;
}

export class RetriesExhausted extends RedisZkError {
  constructor(
    readonly attempts: number,
    readonly last: unknown,
  ) {
    super('RETRIES_EXHAUSTED', `gave up after ${attempts} attempts: ${last instanceof Error ? last.message : String(last)}`, { cause: last });
    this.name = 'RetriesExhausted';
  }
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, p: RetryPolicy): Promise<T> {
  let delay = p.delayMs ?? 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!p.retryOn(err)) throw err;
      if (attempt >= p.attempts) throw new RetriesExhausted(attempt, err);
      p.onRetry?.(err, attempt);
      if (delay > 0) await sleep(delay, undefined, { signal: p.signal });
      else if (p.signal?.aborted) throw p.signal.reason;
      delay = Math.min((delay || 0) * (p.backoff ?? 2), p.maxDelayMs ?? Number.POSITIVE_INFINITY);
    }
  }
}
