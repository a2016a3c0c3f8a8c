// The one error registry (packages/core/src/errors.ts), as fastify checks its own: every code is
// documented in docs/reference/errors.md with its status, every code is used by some program,
// and no program throws an Error without a code.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, errorBody, EVENTS, RedisZkError } from '@redis-zk/core';

const root = new URL('../../..', import.meta.url).pathname;
const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'dist' || e.name === 'node_modules' ? [] : walk(join(dir, e.name))) : [join(dir, e.name)]));
const sources = walk(join(root, 'packages')).filter((f) => /\/src\/.*\.ts$/.test(f));
const text = new Map(sources.map((f) => [f, readFileSync(f, 'utf8')]));

describe('the error registry', () => {
  it('docs/reference/errors.md lists exactly the codes, each with its HTTP status', () => {
    const doc = readFileSync(join(root, 'docs/reference/errors.md'), 'utf8');
    const table = doc.slice(doc.indexOf('<!-- error-table'));
    const rows = new Map([...table.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [code, spec] of Object.entries(ERRORS)) expect(rows.get(code), code).toBe(spec.status);
  });

  it('every code is thrown, logged or answered somewhere outside the registry', () => {
    const unused = Object.keys(ERRORS).filter((code) => ![...text].some(([f, t]) => !f.endsWith('core/src/errors.ts') && t.includes(`'${code}'`)));
    // CONFIG_INVALID is ConfigError's own code, thrown from the registry's module.
    expect(unused.filter((c) => c !== 'CONFIG_INVALID')).toEqual([]);
  });

  it('no program throws an Error without a code (the status page\'s script runs in the browser, not in a program)', () => {
    const untyped = [...text].filter(([f, t]) => !f.endsWith('watcher/src/http/status-page.ts') && /new Error\(/.test(t)).map(([f]) => relative(root, f));
    expect(untyped).toEqual([]);
  });

  it('an error carries its code and the status the registry gives it; an HTTP body carries the code', () => {
    const e = new RedisZkError('SWITCHOVER_REFUSED', 'a failover is in progress');
    expect(e).toMatchObject({ code: 'SWITCHOVER_REFUSED', statusCode: 409 });
    expect(errorBody('UNKNOWN_GROUP', 'no group "x"')).toEqual({ code: 'UNKNOWN_GROUP', error: 'unknown group', message: 'no group "x"' });
  });
});

describe('the log events', () => {
  it('docs/reference/events.md lists exactly the events; every event logged is registered, and every registered one is logged', () => {
    const doc = readFileSync(join(root, 'docs/reference/events.md'), 'utf8');
    const documented = [...doc.slice(doc.indexOf('<!-- event-table')).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.sort()).toEqual(Object.keys(EVENTS).sort());
    const logged = new Set([...text.values()].flatMap((t) => [...t.matchAll(/\bevent: '([A-Z_]+)'/g)].map((m) => m[1]!)));
    expect([...logged].filter((e) => !(e in EVENTS))).toEqual([]);
    expect(Object.keys(EVENTS).filter((e) => !logged.has(e))).toEqual([]);
  });
});
