import { describe, expect, it } from 'vitest';
import { negotiate } from '../../../packages/watcher/src/http/negotiate.js';

describe('negotiate', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/plain', 'text'],
    ['application/json', 'json'],
    ['application/json, text/plain;q=0.5', 'json'],
    ['text/plain, application/json;q=0.9', 'text'],
    ['application/*', 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text'],
    ['application/json;q=0, text/plain', 'text'],
    ['image/png', undefined],
    ['application/json;q=0', undefined],
  ])('Accept %j → %s', (accept, expected) => {
    expect(negotiate(accept)).toBe(expected);
  });
});
