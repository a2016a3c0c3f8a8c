import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../packages/core/src/index.js';

/** A promise a runner waits on until the test releases it. */
function gated(): { gate: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { gate, release };
}

describe('SingleFlight', () => {
  it('runs one at a time; requests during a run collapse into one more run with the latest job', async () => {
    const ran: number[] = [];
    const { gate, release } = gated();
    const f = new SingleFlight<number>(async (n) => {
      ran.push(n);
      if (n === 1) await gate;
    });
    const first = f.request(1);
    expect(f.busy).toBe(true);
    void f.request(2);
    const last = f.request(3);
    release();
    await Promise.all([first, last]);
    expect(ran).toEqual([1, 3]);
    expect(f.busy).toBe(false);
  });
  it('an error is reported and does not stop the next run; a pending request can be dropped', async () => {
    const errors: unknown[] = [];
    const { gate, release } = gated();
    const ran: string[] = [];
    const f = new SingleFlight<string>(
      async (j) => {
        ran.push(j);
        if (j === 'a') await gate;
        if (j === 'boom') throw new Error('boom');
      },
      (err) => errors.push(err),
    );
    const p = f.request('a');
    void f.request('b');
    expect(f.dropPending()).toBe('b');
    release();
    await p;
    await f.request('boom');
    await f.request('c');
    expect(ran).toEqual(['a', 'boom', 'c']);
    expect(errors).toHaveLength(1);
  });

  it('idle() settles at once when nothing runs, else after the last run, the one a request made meanwhile included', async () => {
    const ran: string[] = [];
    const { gate, release } = gated();
    const f = new SingleFlight<string>(async (j) => {
      ran.push(j);
      if (j === 'a') await gate;
      if (j === 'b') throw new Error('b fails');
    });
    await f.idle();
    void f.request('a');
    const idle = f.idle();
    void f.request('b');
    let settled = false;
    void idle.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    release();
    await idle;
    expect(ran).toEqual(['a', 'b']);
    expect(f.busy).toBe(false);
  });
});
