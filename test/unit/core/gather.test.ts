import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gather } from '../../../packages/core/src/coordination/gather.js';

const after = <T>(ms: number, v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));
const never = <T>(): Promise<T> => new Promise<T>(() => {});

describe('gather (answers from several servers, not held by an unreachable one)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('returns as soon as every question settled, without the undefined answers', async () => {
    const p = gather([after(5, 1), after(10, undefined), after(15, 3)], { quorum: 2, graceMs: 100, deadlineMs: 1000 });
    await vi.advanceTimersByTimeAsync(15);
    await expect(p).resolves.toEqual({ answers: [1, 3], pending: 0 });
  });

  it('gives a server that never answers only the grace once a quorum settled', async () => {
    let resolved: unknown;
    void gather([after(5, 1), after(10, 2), never<number>()], { quorum: 2, graceMs: 100, deadlineMs: 1000 }).then((v) => (resolved = v));
    await vi.advanceTimersByTimeAsync(109);
    expect(resolved).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toEqual({ answers: [1, 2], pending: 1 });
  });

  it('a rejected question counts as settled', async () => {
    const p = gather([Promise.reject(new Error('refused')), after(5, 2)], { quorum: 2, graceMs: 100, deadlineMs: 1000 });
    await vi.advanceTimersByTimeAsync(5);
    await expect(p).resolves.toEqual({ answers: [2], pending: 0 });
  });

  it('stops at the deadline when no quorum settles', async () => {
    let resolved: unknown;
    void gather([after(5, 1), never<number>(), never<number>()], { quorum: 2, graceMs: 100, deadlineMs: 300 }).then((v) => (resolved = v));
    await vi.advanceTimersByTimeAsync(299);
    expect(resolved).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toEqual({ answers: [1], pending: 2 });
  });

  it('an answer arriving after the wait ended is not added', async () => {
    const p = gather([after(5, 1), after(500, 2), never<number>()], { quorum: 1, graceMs: 10, deadlineMs: 1000 });
    await vi.advanceTimersByTimeAsync(600);
    await expect(p).resolves.toEqual({ answers: [1], pending: 2 });
  });

  it('no questions: no answers, at once', async () => {
    await expect(gather([], { quorum: 1, graceMs: 10, deadlineMs: 1000 })).resolves.toEqual({ answers: [], pending: 0 });
  });
});
