import { describe, expect, it } from 'vitest';
import { formatHostPort, joinHostPort, parseHostPort, preview, sameHostPort } from '@redis-zk/core';

describe('parseHostPort', () => {
  it.each([
    ['10.0.3.7 31002', { host: '10.0.3.7', port: 31002 }],
    ['redis-1.example.com 6379', { host: 'redis-1.example.com', port: 6379 }],
    ['localhost 1', { host: 'localhost', port: 1 }],
    ['::1 65535', { host: '::1', port: 65535 }],
  ])('accepts %j', (raw, value) => {
    expect(parseHostPort(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['garbage', /separated by one space/],
    ['host', /separated by one space/],
    ['host 99999', /outside 1-65535/],
    ['host 0', /outside 1-65535/],
    ['', /empty/],
    ['10.0.3.7:6379', /separated by one space/],
    ['10.0.3.7  6379', /separated by one space/],
    ['10.0.3.7 63a9', /not a port number/],
    ['bad_host! 6379', /not a host name/],
    ['a b c', /separated by one space/],
  ])('refuses %j with a reason', (raw, reason) => {
    const r = parseHostPort(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses a 1 MB value quickly, with a short reason', () => {
    const big = `${'a'.repeat(1024 * 1024 - 5)} 6379`;
    const t = Date.now();
    const r = parseHostPort(big);
    expect(Date.now() - t).toBeLessThan(50);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(100);
  });

  it('formats and compares', () => {
    expect(formatHostPort({ host: '10.0.0.1', port: 6379 })).toBe('10.0.0.1 6379');
    expect(joinHostPort({ host: '10.0.0.1', port: 6379 })).toBe('10.0.0.1:6379');
    expect(joinHostPort({ host: '::1', port: 6379 })).toBe('[::1]:6379');
    expect(sameHostPort({ host: 'a', port: 1 }, { host: 'a', port: 1 })).toBe(true);
    expect(sameHostPort({ host: 'a', port: 1 }, { host: 'a', port: 2 })).toBe(false);
    expect(sameHostPort(undefined, undefined)).toBe(false);
    expect(preview('x'.repeat(1000)).length).toBeLessThan(100);
  });
});
