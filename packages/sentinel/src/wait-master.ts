import { RedisZkError, formatHostPort, parseHostPort, preview, watchChildren, watchData, zkPaths, type Disposable, type HostPort, type Logger, type Zk } from '@redis-zk/core';

export interface WaitMasterOptions {
  timeoutMs: number;
  log: Logger;
  shutdown: AbortSignal;
  /** How often to say we are still waiting. */
  progressEveryMs?: number;
}

/** What the wait found: the default group's record when it has one (other groups are read after). */
export interface FirstRecord {
  defaultMaster: HostPort | undefined;
}

/**
 * Resolves once the default group's record (`/redis/master`) is valid or any other group has a
 * valid `/redis/masters/<name>`, both watched (not polled); undefined when shut down while
 * waiting. A malformed record is refused in the log and the wait goes on (the watcher or an
 * operator will fix it). MASTER_WAIT_TIMEOUT when nothing valid came in time.
 */
export function waitForFirstRecord(zk: Zk, defaultName: string, opts: WaitMasterOptions): Promise<FirstRecord | undefined> {
  const started = Date.now();
  const path = zkPaths.MASTER;
  if (opts.shutdown.aborted) return Promise.resolve(undefined);
  return new Promise<FirstRecord | undefined>((resolve, reject) => {
    const refused = new Map<string, string>();
    let lastState = 'absent';
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearInterval(progress);
      clearTimeout(deadline);
      opts.shutdown.removeEventListener('abort', onAbort);
      watches.forEach((w) => w.close());
      fn();
    };
    const onAbort = (): void => finish(() => resolve(undefined));
    const progress = setInterval(() => {
      opts.log.info({ event: 'WAITING_FOR_MASTER', path, waitedMs: Date.now() - started, state: lastState }, `still waiting for a valid master record at ${path} or ${zkPaths.MASTERS}/<name>`);
    }, opts.progressEveryMs ?? 10_000);
    const deadline = setTimeout(() => {
      finish(() =>
        reject(
          new RedisZkError(
            'MASTER_WAIT_TIMEOUT',
            `no valid master record appeared at ${path} within MASTER_WAIT_TIMEOUT_MS=${opts.timeoutMs} (last seen: ${lastState}), nor any group's at ${zkPaths.MASTERS}/<name>; start redis-zk-server first or raise MASTER_WAIT_TIMEOUT_MS`,
          ),
        ),
      );
    }, opts.timeoutMs);
    opts.shutdown.addEventListener('abort', onAbort);
    opts.log.info({ event: 'WAITING_FOR_MASTER', path, timeoutMs: opts.timeoutMs }, `waiting for the master record at ${path} (group ${defaultName}) or any group's at ${zkPaths.MASTERS}/<name>`);
    const valid = (where: string, value: string | undefined): HostPort | undefined => {
      if (value === undefined || value.trim() === '') return undefined;
      const parsed = parseHostPort(value);
      if (parsed.ok) return parsed.value;
      if (refused.get(where) !== value) {
        refused.set(where, value);
        opts.log.warn({ event: 'RECORD_REFUSED', path: where, record: preview(value) }, `refusing the master record at ${where}: ${parsed.reason}; expected "<host> <port>", still waiting`);
      }
      return undefined;
    };
    const watches: Disposable[] = [];
    watches.push(
      watchData(zk, path, (value) => {
        lastState = value === undefined ? 'absent' : value.trim() === '' ? 'empty' : `invalid ${JSON.stringify(preview(value))}`;
        const master = valid(path, value);
        if (master === undefined) return;
        opts.log.info({ event: 'MASTER_FOUND', path, master: formatHostPort(master), waitedMs: Date.now() - started }, `master record found at ${path}`);
        finish(() => resolve({ defaultMaster: master }));
      }),
      watchChildren(zk, zkPaths.MASTERS, (children) => {
        for (const [name, value] of children) {
          if (name === defaultName || valid(zkPaths.masterOf(name), value) === undefined) continue;
          opts.log.info({ event: 'MASTER_FOUND', group: name, waitedMs: Date.now() - started }, `master record of group ${name} found; starting with the groups there are`);
          finish(() => resolve({ defaultMaster: undefined }));
          return;
        }
      }),
    );
  });
}
