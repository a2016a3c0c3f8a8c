import { RedisZkError, formatHostPort, parseHostPort, preview, watchData, type HostPort, type Logger, type Zk } from '@redis-zk/core';

export interface WaitMasterOptions {
  timeoutMs: number;
  log: Logger;
  shutdown: AbortSignal;
  /** How often to say we are still waiting. */
  progressEveryMs?: number;
}

/**
 * Resolves with the first valid `<host> <port>` at `path`, watched (not polled); undefined when
 * shut down while waiting. A malformed record is refused in the log and the wait goes on (the
 * watcher or an operator will fix it). MASTER_WAIT_TIMEOUT when nothing valid came in time.
 */
export function waitForMaster(zk: Zk, path: string, opts: WaitMasterOptions): Promise<HostPort | undefined> {
  const started = Date.now();
  if (opts.shutdown.aborted) return Promise.resolve(undefined);
  return new Promise<HostPort | undefined>((resolve, reject) => {
    let lastRefused: string | undefined;
    let lastState = 'absent';
    const finish = (fn: () => void): void => {
      clearInterval(progress);
      clearTimeout(deadline);
      opts.shutdown.removeEventListener('abort', onAbort);
      watch.close();
      fn();
    };
    const onAbort = (): void => finish(() => resolve(undefined));
    const progress = setInterval(() => {
      opts.log.info({ path, waitedMs: Date.now() - started, state: lastState }, `still waiting for a valid master record at ${path}`);
    }, opts.progressEveryMs ?? 10_000);
    const deadline = setTimeout(() => {
      finish(() =>
        reject(
          new RedisZkError(
            'MASTER_WAIT_TIMEOUT',
            `no valid master record appeared at ${path} within MASTER_WAIT_TIMEOUT_MS=${opts.timeoutMs} (last seen: ${lastState}); start redis-zk-server first or raise MASTER_WAIT_TIMEOUT_MS`,
          ),
        ),
      );
    }, opts.timeoutMs);
    opts.shutdown.addEventListener('abort', onAbort);
    opts.log.info({ path, timeoutMs: opts.timeoutMs }, `waiting for the master record at ${path}`);
    const watch = watchData(zk, path, (value) => {
      if (value === undefined || value.trim() === '') {
        lastState = value === undefined ? 'absent' : 'empty';
        return;
      }
      const parsed = parseHostPort(value);
      if (!parsed.ok) {
        lastState = `invalid ${JSON.stringify(preview(value))}`;
        if (value !== lastRefused) {
          lastRefused = value;
          opts.log.warn({ path, record: preview(value) }, `refusing the master record at ${path}: ${parsed.reason}; expected "<host> <port>", still waiting`);
        }
        return;
      }
      opts.log.info({ path, master: formatHostPort(parsed.value), waitedMs: Date.now() - started }, `master record found at ${path}`);
      finish(() => resolve(parsed.value));
    });
  });
}
