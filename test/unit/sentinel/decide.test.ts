import { describe, expect, it } from 'vitest';
import { decideStartMaster } from '../../../packages/sentinel/src/decide-start.js';
import { decideAudit, decideDeparture, decideForgetNow } from '../../../packages/sentinel/src/decide-forget.js';
import { generateSentinelConf, pruneKnown } from '../../../packages/sentinel/src/sentinel-conf.js';
import { decideRepoint } from '../../../packages/sentinel/src/decide-repoint.js';
import { decideGroups } from '../../../packages/sentinel/src/decide-groups.js';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };

const S = (i: number) => ({ host: '10.0.1.1', port: 26379 + i });
const agreed = (master: typeof A, votes: number, registered: number) => ({ kind: 'agreed' as const, master, epoch: 1, votes, registered, dissenters: [], reason: `${votes} of the ${registered} registered sentinel(s) name ${master.host} ${master.port}` });
const none = (registered: number) => ({ kind: 'none' as const, registered, votes: 0, refused: [], reason: 'no majority' });

describe('decideStartMaster', () => {
  it('monitors the record when no sentinel is live', () => {
    const d = decideStartMaster({ record: A, verdict: none(0), agreedRole: undefined, recordRole: 'master' });
    expect(d.master).toEqual(A);
    expect(d.warn).toBe(false);
    expect(d.reason).toMatch(/no live sentinel/);
  });
  it('lets a majority of the registered sentinels win when their master answers role:master', () => {
    const d = decideStartMaster({ record: A, verdict: agreed(B, 2, 3), agreedRole: 'master', recordRole: 'slave' });
    expect(d.master).toEqual(B);
    expect(d.reason).toMatch(/sentinels win/);
  });
  it('keeps the record without a majority, or when their master is not a master', () => {
    expect(decideStartMaster({ record: A, verdict: none(3), agreedRole: undefined, recordRole: 'master' }).master).toEqual(A);
    expect(decideStartMaster({ record: A, verdict: agreed(B, 1, 1), agreedRole: 'unreachable', recordRole: 'master' }).master).toEqual(A);
  });
  it('monitors an unreachable recorded master with a warning', () => {
    const d = decideStartMaster({ record: A, verdict: none(0), agreedRole: undefined, recordRole: 'unreachable' });
    expect(d.master).toEqual(A);
    expect(d.warn).toBe(true);
    expect(d.reason).toMatch(/does not answer/);
  });
});

describe('decideDeparture and decideForgetNow (no SENTINEL RESET, ever)', () => {
  const m = (...e: [string, string][]) => new Map(e);
  it('a vanished registration schedules an audit, never an immediate reset', () => {
    const d = decideDeparture({ previous: m(['a', '10.0.0.1 26379'], ['b', '10.0.0.2 26379']), current: m(['a', '10.0.0.1 26379']) });
    expect(d.action).toBe('audit');
    expect(d.departed).toEqual(['10.0.0.2 26379']);
  });
  it('does nothing when sentinels only joined, or one re-registered at the same address (a session expiry)', () => {
    expect(decideDeparture({ previous: m(['a', 'x 1']), current: m(['a', 'x 1'], ['b', 'y 2']) }).action).toBe('none');
    expect(decideDeparture({ previous: m(['a', 'x 1']), current: m(['a2', 'x 1']) }).action).toBe('none');
  });
  it('waits while a failover is in progress', () => {
    expect(decideForgetNow({ masters: new Map([['mymaster', { flags: 'master,failover_in_progress', lastOkPingMs: 100 }]]) }).action).toBe('wait');
    expect(decideForgetNow({ masters: new Map([['mymaster', { flags: 'master', lastOkPingMs: 100 }]]) }).action).toBe('forget');
  });
  it('waits while a master does not answer, flagged down or not yet', () => {
    for (const flags of ['master,s_down', 'master,s_down,o_down', 'master,disconnected']) {
      expect(decideForgetNow({ masters: new Map([['mymaster', { flags, lastOkPingMs: 100 }]]) }).action, flags).toBe('wait');
    }
    const silent = decideForgetNow({ masters: new Map([['mymaster', { flags: 'master', lastOkPingMs: 2_500 }]]) });
    expect(silent.action).toBe('wait');
    expect(silent.reason).toMatch(/not answering/);
    expect(decideForgetNow({ masters: new Map([['a', { flags: 'master', lastOkPingMs: 10 }], ['b', { flags: 'master,s_down', lastOkPingMs: 9_000 }]]) }).action).toBe('wait');
  });
});

describe('pruneKnown (forgetting by restart keeps everything else)', () => {
  it('drops only the departed sentinels and dead replicas', () => {
    const conf = ['sentinel myid abc', 'sentinel known-replica m 10.0.0.2 6379', 'sentinel known-replica m 10.0.0.3 6379', 'sentinel known-sentinel m 10.0.1.1 26379 aaa', 'sentinel known-sentinel m 10.0.1.9 26379 bbb', 'sentinel current-epoch 7'].join('\n');
    const p = pruneKnown(conf, { keepSentinel: (_g, a) => a === '10.0.1.1 26379', keepReplica: (_g, a) => a !== '10.0.0.3 6379' });
    expect(p.text.split('\n')).toEqual(['sentinel myid abc', 'sentinel known-replica m 10.0.0.2 6379', 'sentinel known-sentinel m 10.0.1.1 26379 aaa', 'sentinel current-epoch 7']);
    expect(p).toMatchObject({ sentinels: ['m: 10.0.1.9 26379'], replicas: ['m: 10.0.0.3 6379'] });
  });
  it('a fresh conf carries the claimed myid, the live replicas and the other sentinels', () => {
    const text = generateSentinelConf({
      port: 26379, bind: '10.0.1.1', dir: '/d', announceIp: '10.0.1.1', announcePort: 26379, quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 3000, parallelSyncs: 1, authPass: undefined, base: undefined,
      myid: 'c'.repeat(40),
      groups: [{ name: 'm', master: A, knownReplicas: [A, B], knownSentinels: [{ addr: S(1), id: 'd'.repeat(40) }, { addr: S(2), id: 'c'.repeat(40) }] }],
    });
    expect(text).toContain(`sentinel myid ${'c'.repeat(40)}\n`);
    expect(text).toContain('sentinel known-replica m 10.0.0.2 6379\n');
    expect(text).not.toContain('known-replica m 10.0.0.1 6379');
    expect(text).toContain(`sentinel known-sentinel m 10.0.1.1 26380 ${'d'.repeat(40)}\n`);
    expect(text).not.toContain(`known-sentinel m 10.0.1.1 26381`);
  });
});

describe('decideRepoint', () => {
  const base = { group: 'mymaster', record: B, recordRole: 'master' as const, monitored: A, monitoredFlags: 'master', monitoredReachable: true, recordIsKnownReplica: false, monitoredDownForMs: undefined, failoverTimeoutMs: 3000 };
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
  it('leaves a crash failover to the sentinels: a record naming one of their replicas waits one failover-timeout (re-monitoring would reset their epoch)', () => {
    const crashed = { ...base, monitoredFlags: 'master,s_down', monitoredReachable: false, recordIsKnownReplica: true };
    expect(decideRepoint({ ...crashed, monitoredDownForMs: undefined })).toMatchObject({ action: 'none', rule: 'sentinels-promoted-it' });
    expect(decideRepoint({ ...crashed, monitoredDownForMs: 2999 })).toMatchObject({ action: 'none', rule: 'sentinels-promoted-it' });
    expect(decideRepoint({ ...crashed, monitoredDownForMs: 3000 })).toMatchObject({ action: 'repoint', rule: 'group-restarted' });
    expect(decideRepoint({ ...crashed, recordIsKnownReplica: false })).toMatchObject({ action: 'repoint', rule: 'group-restarted' });
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
      ['refuse', 'g3'],
      ['monitor', 'g2'],
      ['remove', 'old'],
    ]);
  });

  it('never monitors one instance under two names: a record naming another group\'s master, or two new groups naming one instance, are refused', () => {
    const actions = decideGroups(
      'mymaster',
      new Map([
        ['g0', '10.0.0.1 6379'],
        ['g1', '10.0.0.5 6379'],
        ['g2', '10.0.0.5 6379'],
        ['g3', '10.0.0.6 6379'],
      ]),
      new Set(['mymaster']),
      new Map([['10.0.0.1 6379', 'mymaster']]),
    );
    expect(actions.map((a) => [a.action, a.name])).toEqual([
      ['refuse', 'g0'],
      ['refuse', 'g1'],
      ['refuse', 'g2'],
      ['monitor', 'g3'],
    ]);
    expect(actions[0]!.reason).toContain('the master of group mymaster');
  });
});

describe('decideAudit', () => {
  it('forgets only an entry unregistered at two audits in a row', () => {
    expect(decideAudit([], ['h 9']).action).toBe('none');
    expect(decideAudit(['h 9'], ['h 9'])).toMatchObject({ action: 'forget', stale: ['h 9'] });
    expect(decideAudit(['h 8'], ['h 9']).action).toBe('none');
  });
});
