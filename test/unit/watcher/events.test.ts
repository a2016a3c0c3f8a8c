import { describe, expect, it } from 'vitest';
import { parseSwitchMaster } from '../../../packages/watcher/src/events.js';

describe('parseSwitchMaster', () => {
  it('reads the five words of a +switch-master payload', () => {
    expect(parseSwitchMaster('mymaster 10.0.0.1 6379 10.0.0.2 6380')).toEqual({
      ok: true,
      name: 'mymaster',
      from: { host: '10.0.0.1', port: 6379 },
      to: { host: '10.0.0.2', port: 6380 },
    });
  });

  it.each([
    ['', /0|1 words/],
    ['mymaster 10.0.0.1 6379 10.0.0.2', /4 words/],
    ['mymaster 10.0.0.1 6379 10.0.0.2 6380 extra', /6 words/],
    ['mymaster 10.0.0.1 6379 10.0.0.2 99999', /new address.*outside/],
    ['mymaster 10.0.0.1 x 10.0.0.2 6380', /old address.*not a port/],
    ['my$master 10.0.0.1 6379 10.0.0.2 6380', /not a valid master name/],
    ['mymaster 10.0.0.1 6379 bad_host! 6380', /new address/],
    ['x'.repeat(1000), /too long/],
  ])('refuses %j with a reason', (payload, reason) => {
    const r = parseSwitchMaster(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
