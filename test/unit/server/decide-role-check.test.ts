import { describe, expect, it } from 'vitest';
import type { RedisProbe } from '@redis-zk/core';
import { answerRoleCheck, type RoleCheckInput } from '../../../packages/server/src/decide-role-check.js';

function probe(role: 'master' | 'slave', offset = 1000, linkUp = true): RedisProbe {
  return { reachable: true, role, masterHost: role === 'slave' ? '10.0.0.1' : undefined, masterPort: role === 'slave' ? 6379 : undefined, linkUp: role === 'slave' && linkUp, priority: 100, lastIoSecondsAgo: 0, offset, keys: 1, keysPerDb: {}, replicas: [], runId: 'x', replid: 'r', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15' };
}
const base: RoleCheckInput = { check: 'primary', own: probe('master'), fenced: false, maxLagBytes: undefined, masterOffset: undefined };
const status = (o: Partial<RoleCheckInput>) => answerRoleCheck({ ...base, ...o }).status;

describe('answerRoleCheck (the wrapper\'s HTTP role checks)', () => {
  it('/primary: 200 only on an unfenced master', () => {
    expect(status({})).toBe(200);
    expect(status({ fenced: true })).toBe(503);
    expect(status({ own: probe('slave') })).toBe(503);
    expect(status({ own: { reachable: false, error: 'ECONNREFUSED' } })).toBe(503);
  });

  it('/replica: 200 only on a replica with its link up, within ?lag= when asked', () => {
    expect(status({ check: 'replica', own: probe('slave') })).toBe(200);
    expect(status({ check: 'replica', own: probe('slave', 1000, false) })).toBe(503);
    expect(status({ check: 'replica' })).toBe(503);
    expect(status({ check: 'replica', own: probe('slave', 1000), maxLagBytes: 100, masterOffset: 1050 })).toBe(200);
    const far = answerRoleCheck({ ...base, check: 'replica', own: probe('slave', 1000), maxLagBytes: 100, masterOffset: 5000 });
    expect(far.status).toBe(503);
    expect(far.body.lagBytes).toBe(4000);
    // The lag cannot be known without the master's offset: not a healthy replica for ?lag=.
    expect(status({ check: 'replica', own: probe('slave'), maxLagBytes: 100, masterOffset: undefined })).toBe(503);
  });

  it('/health: 200 in any role while redis-server answers (a replica is never killed for being one)', () => {
    expect(status({ check: 'health', own: probe('slave') })).toBe(200);
    expect(status({ check: 'health', fenced: true })).toBe(200);
    expect(status({ check: 'health', own: { reachable: false, error: 'timeout' } })).toBe(503);
  });
});
