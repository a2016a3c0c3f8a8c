import { describe, expect, it } from 'vitest';
import type { HostPort, RedisProbe } from '@redis-zk/core';
import { decideFollow, needsTargetProbe } from '../../../packages/server/src/follow-decide.js';
import { classifyRecord } from '../../../packages/server/src/record.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const A: HostPort = { host: '10.0.0.2', port: 6379 };

function probe(role: 'master' | 'slave', master?: HostPort): RedisProbe {
  return { reachable: true, role, masterHost: master?.host, masterPort: master?.port, linkUp: true, offset: 1, keys: 1, keysPerDb: {}, replicas: [], runId: 'x' };
}
const rec = (a: HostPort) => ({ kind: 'valid' as const, addr: a });

describe('decideFollow', () => {
  it('promotes a replica when the record names us', () => {
    expect(decideFollow({ self: SELF, record: rec(SELF), own: probe('slave', A), target: undefined }).action).toBe('promote');
  });
  it('does nothing when the record names us and we are master', () => {
    expect(decideFollow({ self: SELF, record: rec(SELF), own: probe('master'), target: undefined }).action).toBe('none');
  });
  it('re-points a replica whose master differs from the record', () => {
    const d = decideFollow({ self: SELF, record: rec(A), own: probe('slave', { host: '10.0.0.9', port: 1 }), target: undefined });
    expect(d).toMatchObject({ action: 'replicate', master: A });
  });
  it('leaves a replica already following the record (sentinels moved it first)', () => {
    expect(decideFollow({ self: SELF, record: rec(A), own: probe('slave', A), target: undefined }).action).toBe('none');
  });
  it('demotes a master only when the recorded address answers as master', () => {
    expect(needsTargetProbe(SELF, rec(A), probe('master'))).toBe(true);
    expect(decideFollow({ self: SELF, record: rec(A), own: probe('master'), target: probe('master') })).toMatchObject({ action: 'replicate', master: A });
    expect(decideFollow({ self: SELF, record: rec(A), own: probe('master'), target: probe('slave', SELF) }).action).toBe('recheck');
    expect(decideFollow({ self: SELF, record: rec(A), own: probe('master'), target: { reachable: false, error: 'x' } }).action).toBe('recheck');
  });
  it.each(['garbage', 'host', 'host 99999', 'q'.repeat(1_000_000)])('refuses invalid record %#', (raw) => {
    const d = decideFollow({ self: SELF, record: classifyRecord(raw), own: probe('slave', A), target: undefined });
    expect(d.action).toBe('refuse');
    expect(d.reason.length).toBeLessThan(300);
  });
  it('keeps the role on an absent or empty record and when our redis does not answer', () => {
    expect(decideFollow({ self: SELF, record: classifyRecord(undefined), own: probe('slave', A), target: undefined }).action).toBe('none');
    expect(decideFollow({ self: SELF, record: classifyRecord(''), own: probe('master'), target: undefined }).action).toBe('none');
    expect(decideFollow({ self: SELF, record: rec(A), own: { reachable: false, error: 'down' }, target: undefined }).action).toBe('none');
  });
});
