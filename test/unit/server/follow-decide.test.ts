import { describe, expect, it } from 'vitest';
import type { HostPort, RedisProbe } from '@redis-zk/core';
import { decideFollow, needsTargetProbe } from '../../../packages/server/src/follow-decide.js';
import { classifyRecord } from '../../../packages/core/src/index.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const A: HostPort = { host: '10.0.0.2', port: 6379 };

function probe(role: 'master' | 'slave', master?: HostPort): RedisProbe {
  return { reachable: true, role, masterHost: master?.host, masterPort: master?.port, linkUp: true, priority: 100, lastIoSecondsAgo: 0, offset: 1, keys: 1, keysPerDb: {}, replicas: [], runId: 'x', replid: 'r', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15' };
}
const rec = (a: HostPort) => ({ kind: 'valid' as const, addr: a });
/** Hand-over mode, the recorded address a live node: the record alone is the authority. */
const BACKED = { kind: 'record' as const, recordIsMember: true };

describe('decideFollow', () => {
  it('promotes a replica when the record names us', () => {
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(SELF), own: probe('slave', A), target: undefined }).action).toBe('promote');
  });
  it('does nothing when the record names us and we are master', () => {
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(SELF), own: probe('master'), target: undefined }).action).toBe('none');
  });
  describe('a replica whose master differs from the record', () => {
    const S: HostPort = { host: '10.0.0.9', port: 1 }; // the master the sentinels moved it to
    const own = probe('slave', S);
    it('needs the recorded address probed', () => {
      expect(needsTargetProbe(SELF, rec(A), own)).toBe(true);
      expect(needsTargetProbe(SELF, rec(A), probe('slave', A))).toBe(false);
      // Promoting ourselves on the record's word moves the master too: the authority is asked.
      expect(needsTargetProbe(SELF, rec(SELF), own)).toBe(true);
      expect(needsTargetProbe(SELF, rec(SELF), probe('master'))).toBe(false);
    });
    it('re-points when the recorded address answers as master', () => {
      const d = decideFollow({ authority: BACKED, self: SELF, record: rec(A), own, target: probe('master') });
      expect(d).toMatchObject({ action: 'replicate', rule: 'repoint', master: A });
    });
    it.each([
      ['does not answer (a dead recorded master)', { reachable: false as const, error: 'connect ECONNREFUSED' }, /does not answer \(connect ECONNREFUSED\)/],
      ['answers as a replica (a stale record)', probe('slave', S), /answers as slave/],
      ['was not probed', undefined, /does not answer/],
    ])('stays on its master when the recorded address %s, naming both', (_what, target, why) => {
      const d = decideFollow({ authority: BACKED, self: SELF, record: rec(A), own, target });
      expect(d).toMatchObject({ action: 'recheck', rule: 'target-not-master', master: A });
      if (d.action !== 'recheck') return;
      expect(d.reason).toMatch(why);
      expect(d.reason).toContain('keeps replicating 10.0.0.9 1');
      expect(d.refusal).toBe('Refusing to re-point this replica to 10.0.0.2 6379');
    });
    it('a replica with no master yet also waits for the record to answer as master', () => {
      const d = decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: probe('slave'), target: { reachable: false, error: 'x' } });
      expect(d.action).toBe('recheck');
    });
  });
  it('leaves a replica already following the record (sentinels moved it first)', () => {
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: probe('slave', A), target: undefined }).action).toBe('none');
  });
  it('demotes a master only when the recorded address answers as master', () => {
    expect(needsTargetProbe(SELF, rec(A), probe('master'))).toBe(true);
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: probe('master'), target: probe('master') })).toMatchObject({ action: 'replicate', master: A });
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: probe('master'), target: probe('slave', SELF) }).action).toBe('recheck');
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: probe('master'), target: { reachable: false, error: 'x' } }).action).toBe('recheck');
  });
  it.each(['garbage', 'host', 'host 99999', 'q'.repeat(1_000_000)])('refuses invalid record %#', (raw) => {
    const d = decideFollow({ authority: BACKED, self: SELF, record: classifyRecord(raw), own: probe('slave', A), target: undefined });
    expect(d.action).toBe('refuse');
    expect(d.reason.length).toBeLessThan(300);
  });
  it('keeps the role on an absent or empty record', () => {
    expect(decideFollow({ authority: BACKED, self: SELF, record: classifyRecord(undefined), own: probe('slave', A), target: undefined }).action).toBe('none');
    expect(decideFollow({ authority: BACKED, self: SELF, record: classifyRecord(''), own: probe('master'), target: undefined }).action).toBe('none');
  });
  it('waits for its own redis-server when it does not answer, to apply the record the moment it does (never drops it)', () => {
    const d = decideFollow({ authority: BACKED, self: SELF, record: rec(A), own: { reachable: false, error: 'timeout' }, target: undefined });
    expect(d).toMatchObject({ action: 'wait-own', rule: 'own-unreachable' });
  });
});

describe('decideFollow: a record alone never moves the master (authority rule)', () => {
  const S1 = { host: '10.0.1.1', port: 26379 };
  const agreed = (master: HostPort, votes = 3) => ({ kind: 'sentinels' as const, verdict: { kind: 'agreed' as const, master, epoch: 1, votes, registered: 3, dissenters: [], reason: '' } });
  const noMajority = { kind: 'sentinels' as const, verdict: { kind: 'none' as const, registered: 3, votes: 1, refused: [], reason: 'no majority of the 3 registered sentinel(s)' } };
  it('a live master the sentinels name is not demoted by a record naming a live foreign master', () => {
    const d = decideFollow({ authority: agreed(SELF), self: SELF, record: rec(A), own: probe('master'), target: probe('master') });
    expect(d).toMatchObject({ action: 'recheck', rule: 'sentinels-name-other' });
    expect(d.reason).toMatch(/\(3 of 3\)/);
  });
  it('a replica is not re-pointed to a recorded master the sentinels do not name', () => {
    expect(decideFollow({ authority: agreed(SELF), self: SELF, record: rec(A), own: probe('slave', S1), target: probe('master') }).action).toBe('recheck');
    expect(decideFollow({ authority: noMajority, self: SELF, record: rec(A), own: probe('slave', S1), target: probe('master') })).toMatchObject({ action: 'recheck', rule: 'sentinels-undecided' });
  });
  it('demotes when a majority of the sentinels name the recorded master', () => {
    expect(decideFollow({ authority: agreed(A), self: SELF, record: rec(A), own: probe('master'), target: probe('master') })).toMatchObject({ action: 'replicate', rule: 'demote', master: A });
  });
  it('a replica named by the record promotes itself only when the sentinels (or, with none, membership) back it', () => {
    expect(decideFollow({ authority: agreed(A), self: SELF, record: rec(SELF), own: probe('slave', A), target: undefined }).action).toBe('recheck');
    expect(decideFollow({ authority: agreed(SELF), self: SELF, record: rec(SELF), own: probe('slave', A), target: undefined }).action).toBe('promote');
    expect(decideFollow({ authority: BACKED, self: SELF, record: rec(SELF), own: probe('slave', A), target: undefined }).action).toBe('promote');
  });
  it('with no sentinel registered the record decides, but only for one of the group\'s live nodes', () => {
    const d = decideFollow({ authority: { kind: 'record', recordIsMember: false }, self: SELF, record: rec(A), own: probe('master'), target: probe('master') });
    expect(d).toMatchObject({ action: 'recheck', rule: 'not-a-member' });
  });
});
