export type Bounded<T> = { outcome: 'done'; value: T } | { outcome: 'failed'; err: unknown } | { outcome: 'timeout' };

/**
 * Waits for `work` at most `ms`. On the way out nothing may wait on ZooKeeper unbounded: a frozen
 * server keeps the socket open, so a request only fails at its own (long) deadline, past
 * Marathon's kill grace period. The work itself goes on in the background.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<Bounded<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Bounded<T>>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'timeout' }), ms);
  });
  try {
    return await Promise.race([
      work.then(
        (value): Bounded<T> => ({ outcome: 'done', value }),
        (err: unknown): Bounded<T> => ({ outcome: 'failed', err }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
