export interface GatherOptions {
  /** Once this many questions have settled, the rest get only `graceMs` more. */
  quorum: number;
  graceMs: number;
  /** Never wait longer than this in all. */
  deadlineMs: number;
}

export interface Gathered<T> {
  answers: T[];
  /** Questions still unsettled when the wait ended (a slow or unreachable server). */
  pending: number;
}

/**
 * Answers to questions asked in parallel, without letting one unreachable server hold the rest
 * for its whole timeout: after a quorum has settled the stragglers get a short grace, and the
 * whole wait has a deadline. `undefined` answers count as settled but are not returned.
 */
export function gather<T>(questions: readonly Promise<T | undefined>[], opts: GatherOptions): Promise<Gathered<T>> {
  return new Promise((resolve) => {
    const answers: T[] = [];
    let settled = 0;
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(grace);
      clearTimeout(deadline);
      resolve({ answers: [...answers], pending: questions.length - settled });
    };
    const deadline = setTimeout(finish, opts.deadlineMs);
    if (questions.length === 0) return finish();
    for (const q of questions) {
      q.then(
        (v) => {
          if (!done && v !== undefined) answers.push(v);
        },
        () => {},
      ).finally(() => {
        if (done) return;
        settled += 1;
        if (settled === questions.length) return finish();
        if (settled >= opts.quorum && grace === undefined) grace = setTimeout(finish, opts.graceMs);
      });
    }
  });
}
