import { describe, expect, it } from 'vitest';
import { decideStartMaster } from '../../../packages/sentinel/src/decide-start.js';
import { decideReset, decideResetNow, rediscovered } from '../../../packages/sentinel/src/decide-reset.js';
import { decideRepoint } from '../../../packages/sentinel/src/decide-repoint.js';
import { decideGroups } from '../../../packages/sentinel/src/decide-groups.js';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };

describe('decideStartMaster', () => {
  it('monitors the record when no sentinel is live', () => {
    const d = decideStartMaster({ record: A, sentinelsSay: [], agreedRole: undefined, recordRole: 'master' });
    expect(d.master).toEqual(A);
    expect(d.warn).toBe(false);
    expect(d.reason).toMatch(/no live sentinel/);
  });
  it('lets agreeing sentinels win when their master answers role:master', () => {
    const d = decideStartMaster({ record: A, sentinelsSay: [B, B], agreedRole: 'master', recordRole: 'slave' });
    expect(d.master).toEqual(B);
    expect(d.reason).toMatch(/sentinels win/);
  });
  it('keeps the record when the sentinels disagree or their master is not a master', () => {
    expect(decideStartMaster({ record: A, sentinelsSay: [B, A], agreedRole: undefined, recordRole: 'master' }).master).toEqual(A);
    expect(decideStartMaster({ record: A, sentinelsSay: [B], agreedRole: 'unreachable', recordRole: 'master' }).master).toEqual(A);
  });
  it('monitors an unreachable recorded master with a warning', () => {
    const d = decideStartMaster({ record: A, sentinelsSay: [], agreedRole: undefined, recordRole: 'unreachable' });
    expect(d.master).toEqual(A);
    expect(d.warn).toBe(true);
    expect(d.reason).toMatch(/does not answer/);
  });
});

describe('decideReset', () => {
  const m = (...e: [string, string][]) => new Map(e);
  it('resets when a registered sentinel vanished', () => {
    const d = decideReset({ previous: m(['a', '10.0.0.1 26379'], ['b', '10.0.0.2 26379']), current: m(['a', '10.0.0.1 26379']) });
    expect(d.action).toBe('reset');
    expect(d.departed).toEqual(['10.0.0.2 26379']);
  });
  it('does nothing when sentinels only joined', () => {
    expect(decideReset({ previous: m(['a', 'x 1']), current: m(['a', 'x 1'], ['b', 'y 2']) }).action).toBe('none');
  });
  it('waits while a failover is in progress', () => {
    expect(decideResetNow({ masters: new Map([['mymaster', { flags: 'master,failover_in_progress', lastOkPingMs: 100 }]]) }).action).toBe('wait');
    expect(decideResetNow({ masters: new Map([['mymaster', { flags: 'master', lastOkPingMs: 100 }]]) }).action).toBe('reset');
  });
  it('waits while a master does not answer, flagged down or not yet (a partition: the reset would leave no replica to promote)', () => {
    for (const flags of ['master,s_down', 'master,s_down,o_down', 'master,disconnected']) {
      expect(decideResetNow({ masters: new Map([['mymaster', { flags, lastOkPingMs: 100 }]]) }).action, flags).toBe('wait');
    }
    const silent = decideResetNow({ masters: new Map([['mymaster', { flags: 'master', lastOkPingMs: 2_500 }]]) });
    expect(silent.action).toBe('wait');
    expect(silent.reason).toMatch(/not answering/);
    expect(decideResetNow({ masters: new Map([['a', { flags: 'master', lastOkPingMs: 10 }], ['b', { flags: 'master,s_down', lastOkPingMs: 9_000 }]]) }).action).toBe('wait');
  });
  it('counts rediscovery as exactly the registered others (members, not just the count) and the replicas seen before', () => {
    const expected = ['h 1', 'h 2'];
    expect(rediscovered({ known: ['h 2', 'h 1'], expected, numReplicas: 2, replicasBefore: 2 })).toBe(true);
    expect(rediscovered({ known: ['h 1'], expected, numReplicas: 2, replicasBefore: 2 })).toBe(false);
    // A departed sentinel's late hello stands in for a live one not heard yet: not rediscovered.
    expect(rediscovered({ known: ['h 1', 'h 9'], expected, numReplicas: 2, replicasBefore: 2 })).toBe(false);
    expect(rediscovered({ known: ['h 1', 'h 2'], expected, numReplicas: 1, replicasBefore: 2 })).toBe(false);
  });
});

describe('decideRepoint', () => {
  const base = { group: 'mymaster', record: B, recordRole: 'master' as const, monitored: A, monitoredFlags: 'master', monitoredReachable: true };
  it('never re-points while the monitored master is healthy', () => {
    expect(decideRepoint(base).action).toBe('none');
  });
  it('re-points when the monitored master is down and the record is a live master', () => {
    expect(decideRepoint({ ...base, monitoredFlags: 'master,s_down' }).action).toBe('repoint');
    expect(decideRepoint({ ...base, monitoredReachable: false }).action).toBe('repoint');
  });
  it('does not re-point to a record that is not a master, or during a failover', () => {
    expect(decideRepoint({ ...base, monitoredFlags: 'master,s_down', recordRole: 'slave' }).action).toBe('none');
    expect(decideRepoint({ ...base, monitoredFlags: 'master,o_down,failover_in_progress' }).action).toBe('none');
    expect(decideRepoint({ ...base, monitored: B }).action).toBe('none');
  });
});

describe('decideGroups', () => {
  it('monitors new valid groups, refuses bad ones, removes vanished ones, ignores the default group', () => {
    const actions = decideGroups(
      'mymaster',
      new Map([
        ['mymaster', '10.0.0.1 6379'],
        ['g2', '10.0.0.2 6380'],
        ['g3', 'garbage'],
      ]),
      new Set(['mymaster', 'old']),
    );
    expect(actions.map((a) => [a.action, a.name])).toEqual([
      ['monitor', 'g2'],
      ['refuse', 'g3'],
      ['remove', 'old'],
    ]);
  });
});

describe('staleAfterReset and decideAudit', () => {
  it('calls an unregistered entry stale only after the hello period has passed', async () => {
    const { staleAfterReset } = await import('../../../packages/sentinel/src/decide-reset.js');
    const o = { known: ['h 1', 'h 9'], expected: ['h 1'], numReplicas: 2, replicasBefore: 2 };
    expect(staleAfterReset(o, 1_000)).toBe(false);
    expect(staleAfterReset(o, 7_000)).toBe(true);
    expect(staleAfterReset({ ...o, known: ['h 1'] }, 7_000)).toBe(false);
  });
  it('resets only for an entry unregistered at two audits in a row', async () => {
    const { decideAudit } = await import('../../../packages/sentinel/src/decide-reset.js');
    expect(decideAudit([], ['h 9']).action).toBe('none');
    expect(decideAudit(['h 9'], ['h 9'])).toMatchObject({ action: 'reset', stale: ['h 9'] });
    expect(decideAudit(['h 8'], ['h 9']).action).toBe('none');
  });
});
