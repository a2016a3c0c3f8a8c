// Maintenance mode in every automatic decision: a paused group is neither elected over, failed
// over after a crash, fenced, handed over by a wrapper that starts, nor switched over to a replica
// nobody named.
import { describe, expect, it } from 'vitest';
import type { HostPort, RedisProbe, SentinelVerdict } from '@redis-zk/core';
import { parsePauseInfo } from '@redis-zk/core';
import { decideCrash, type CrashObservation } from '../../../packages/server/src/decide-crash.js';
import { decideStartup, type Observation as StartObservation } from '../../../packages/server/src/decide.js';
import { decideElection } from '../../../packages/server/src/decide-election.js';
import { decideFence, fenceAfterGap, initialFenceState, type FenceObservation } from '../../../packages/server/src/decide-fence.js';
import { decideSwitchover, type SwitchoverObservation } from '../../../packages/watcher/src/decide-switchover.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const B: HostPort = { host: '10.0.0.2', port: 6379 };
const replica = (offset: number): RedisProbe => ({ reachable: true, role: 'slave', masterHost: SELF.host, masterPort: SELF.port, linkUp: true, priority: 100, lastIoSecondsAgo: 0, offset, keys: 1, keysPerDb: {}, replicas: [], runId: 'x', replid: 'r', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15' });
const DOWN: RedisProbe = { reachable: false, error: 'ECONNREFUSED' };

describe('a paused group', () => {
  it('is not elected over when its leadership is gone (ZooKeeper mode); the same facts elect once resumed', () => {
    const o = { self: B, leaderHeld: false, recorded: { addr: SELF, probe: DOWN }, candidates: [{ addr: B, probe: replica(10) }] };
    expect(decideElection({ ...o, paused: true })).toMatchObject({ action: 'none', rule: 'paused' });
    expect(decideElection({ ...o, paused: false })).toMatchObject({ action: 'promote', rule: 'elected' });
  });

  it('gets no crash failover from its master\'s wrapper; the same facts fail over once resumed', () => {
    const agreed: SentinelVerdict = { kind: 'agreed', master: SELF, epoch: 3, votes: 3, registered: 3, dissenters: [], reason: '' };
    const probe = { ...(replica(140) as Extract<RedisProbe, { reachable: true }>), replid: 'old' };
    const o: CrashObservation = { self: SELF, stopping: false, failoverMode: 'sentinel', record: { kind: 'valid', addr: SELF }, verdict: agreed, failoverRunning: false, nodes: [{ addr: B, probe }] };
    expect(decideCrash({ ...o, paused: true })).toMatchObject({ action: 'none', rule: 'paused' });
    expect(decideCrash(o)).toMatchObject({ action: 'fail-over' });
  });

  it('keeps its master unfenced however long nothing confirms it, and the lease starts afresh on resume', () => {
    const isolated: FenceObservation = { role: 'master', zk: 'unreachable', sentinels: { registered: 3, namingUs: 0 }, replicas: { registered: 2, attached: 0 }, askedAt: 60_000, now: 60_000, fenceAfterMs: 2_000 };
    const s = initialFenceState(0);
    const paused = decideFence(s, { ...isolated, paused: true });
    expect(paused).toMatchObject({ action: 'none', rule: 'paused' });
    expect(paused.next.lastConfirmedAt).toBe(60_000);
    expect(decideFence(paused.next, { ...isolated, askedAt: 61_000, now: 61_000 })).toMatchObject({ action: 'none', rule: 'within-lease' });
    expect(decideFence(s, isolated)).toMatchObject({ action: 'fence', rule: 'unconfirmed' });
    expect(fenceAfterGap(s, 60_000, 10_000, 2_000, true)).toBeUndefined();
    expect(fenceAfterGap(s, 60_000, 10_000, 2_000, false)).toMatchObject({ action: 'fence', rule: 'stopped' });
    // A fence already up is lifted only by its own rules.
    const up = { ...s, fenced: true, fencedAt: 50_000 };
    expect(decideFence(up, { ...isolated, paused: true }).action).toBe('none');
  });

  it('is switched over only to a named target', () => {
    const o: SwitchoverObservation = {
      group: 'mymaster',
      failoverMode: 'zookeeper',
      running: false,
      paused: true,
      record: { kind: 'valid', addr: SELF },
      leader: '10.0.0.1 6379',
      master: { ...(replica(100) as Extract<RedisProbe, { reachable: true }>), role: 'master', masterHost: undefined, masterPort: undefined },
      fenced: false,
      registeredSentinels: 0,
      answers: [],
      replicas: [{ addr: B, probe: replica(100) }],
      members: [SELF, B],
      candidate: undefined,
    } as SwitchoverObservation;
    expect(decideSwitchover(o)).toMatchObject({ action: 'refuse', status: 409 });
    expect(decideSwitchover({ ...o, candidate: B })).toMatchObject({ action: 'switch', candidates: [B] });
    expect(decideSwitchover({ ...o, paused: false })).toMatchObject({ action: 'switch' });
  });

  it('is paused by the node\'s presence whatever it holds (its JSON is only for people)', () => {
    expect(parsePauseInfo('{"since":"2026-12-04T09:00:00Z","by":"ops@host","reason":"ZooKeeper upgrade"}')).toEqual({ since: '2026-12-04T09:00:00Z', by: 'ops@host', reason: 'ZooKeeper upgrade' });
    expect(parsePauseInfo('garbage')).toEqual({});
    expect(parsePauseInfo(undefined)).toEqual({});
  });
});

describe('a wrapper starting while its group is paused', () => {
  const A: HostPort = { host: '10.0.0.9', port: 6379 };
  const withData: RedisProbe = { ...(replica(500) as Extract<RedisProbe, { reachable: true }>), keys: 10 };
  const base: StartObservation = { self: SELF, record: { kind: 'valid', addr: A }, recordProbe: DOWN, sentinelCount: 0, sentinelMaster: undefined, sentinelMasterProbe: undefined, nodes: [{ addr: B, probe: withData }] };

  it('does not hand the master of a dead recorded master to a replica (ZooKeeper mode, Marathon restarting the task): it waits for resume', () => {
    expect(decideStartup(base)).toMatchObject({ action: 'handover', rule: 'data-elsewhere-handover' });
    expect(decideStartup({ ...base, paused: true })).toMatchObject({ action: 'wait', rule: 'paused' });
  });

  it('does not claim over a dead recorded master, but a master restarted in place takes its own record back, and replicas start as usual', () => {
    expect(decideStartup({ ...base, nodes: [], paused: true })).toMatchObject({ action: 'wait', rule: 'paused' });
    expect(decideStartup({ ...base, nodes: [], record: { kind: 'valid', addr: SELF }, recordProbe: undefined, paused: true })).toMatchObject({ action: 'claim' });
    const alive: RedisProbe = { ...(replica(500) as Extract<RedisProbe, { reachable: true }>), role: 'master', masterHost: undefined, masterPort: undefined };
    expect(decideStartup({ ...base, recordProbe: alive, paused: true })).toMatchObject({ action: 'replicate', master: A });
  });
});
