import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../packages/watcher/src/behaviours/event-log.js';
import { parseSentinelEvent } from '../../../packages/watcher/src/events.js';
import { bearerMatches } from '../../../packages/watcher/src/http/operations.js';
import { wantsHtml } from '../../../packages/watcher/src/http/negotiate.js';

describe('EventLog (one stream for /status, /events and the metrics)', () => {
  it('numbers events from 1, tells listeners at once, and stops telling one that unsubscribed', () => {
    const log = new EventLog(10);
    const seen: number[] = [];
    const off = log.subscribe((e) => seen.push(e.id));
    log.add({ kind: 'zookeeper', detail: 'connected' });
    log.add({ kind: 'refused', detail: 'x' });
    off();
    log.add({ kind: 'zookeeper', detail: 'disconnected' });
    expect(seen).toEqual([1, 2]);
    expect(log.lastId).toBe(3);
  });

  it('a listener that throws does not keep the event from the others', () => {
    const log = new EventLog(10);
    const seen: string[] = [];
    log.subscribe(() => {
      throw new Error('closed stream');
    });
    log.subscribe((e) => seen.push(e.kind));
    log.add({ kind: 'hook', outcome: 'ok' });
    expect(seen).toEqual(['hook']);
  });

  it('resumes after an id from the bounded history, and says when some fell out of it', () => {
    const log = new EventLog(3);
    for (let i = 0; i < 5; i += 1) log.add({ kind: 'zookeeper', detail: String(i) });
    // Ids 3, 4, 5 are kept.
    expect(log.after(3)).toEqual({ events: [expect.objectContaining({ id: 4 }), expect.objectContaining({ id: 5 })], complete: true });
    expect(log.after(2).complete).toBe(true);
    expect(log.after(1)).toMatchObject({ complete: false, events: [{ id: 3 }, { id: 4 }, { id: 5 }] });
    expect(log.after(5)).toEqual({ events: [], complete: true });
  });

  it('/status shows a group\'s last events and those about no group', () => {
    const log = new EventLog(100);
    log.add({ kind: 'zookeeper', detail: 'connected' });
    for (let i = 0; i < 30; i += 1) log.add({ kind: 'switch-master', name: i % 2 === 0 ? 'a' : 'b' });
    const a = log.recent('a');
    expect(a).toHaveLength(16);
    expect(a.every((e) => e.name === 'a' || e.name === undefined)).toBe(true);
    expect(log.recent('a', 3).map((e) => e.id)).toEqual([26, 28, 30]);
  });
});

describe('parseSentinelEvent', () => {
  it('names the group of a master event, and of a replica or sentinel event (after @)', () => {
    expect(parseSentinelEvent('master mymaster 10.0.0.1 6379')).toEqual({ name: 'mymaster', instanceType: 'master', instance: '10.0.0.1:6379' });
    expect(parseSentinelEvent('slave 10.0.0.2:6379 10.0.0.2 6379 @ g1 10.0.0.1 6379')).toEqual({ name: 'g1', instanceType: 'slave', instance: '10.0.0.2:6379' });
    expect(parseSentinelEvent('sentinel abc 10.0.0.9 26379 @ g2 10.0.0.1 6379')).toMatchObject({ name: 'g2', instanceType: 'sentinel' });
  });

  it('gives undefined for anything else', () => {
    expect(parseSentinelEvent('')).toBeUndefined();
    expect(parseSentinelEvent('master bad$name 1 2')).toBeUndefined();
    expect(parseSentinelEvent('slave a b c')).toBeUndefined();
  });
});

describe('bearerMatches (POST /switchover)', () => {
  const token = 'abcdefghijklmnop0123';
  it('accepts exactly "Bearer <token>" (scheme in any case)', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });
  it.each([undefined, '', token, `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Bearer  `])('refuses %j', (header) => {
    expect(bearerMatches(header, token)).toBe(false);
  });
});

describe('wantsHtml (the status page goes to browsers only)', () => {
  it('is true when text/html is named, false for curl, JSON clients and nothing', () => {
    expect(wantsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(wantsHtml('*/*')).toBe(false);
    expect(wantsHtml('application/json')).toBe(false);
    expect(wantsHtml('text/html;q=0')).toBe(false);
    expect(wantsHtml(undefined)).toBe(false);
  });
});
