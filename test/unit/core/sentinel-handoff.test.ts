import { describe, expect, it } from 'vitest';
import { classifyFailoverReply, FENCED_MIN_REPLICAS, parseSentinelChannelEvent, planWriteGuard, RedisZkError } from '@redis-zk/core';

const online = (lag = 0) => ({ state: 'online', lag });

describe('planWriteGuard: the old master refuses writes by itself once a replica leaves, for the move', () => {
  it('sets min-replicas-to-write to the replicas counted as good now (online, acknowledged within max-lag)', () => {
    expect(planWriteGuard({ toWrite: '0', maxLag: '10', replicas: [online(), online(1), { state: 'wait_bgsave', lag: 0 }, online(11)] })).toMatchObject({ action: 'set', rule: 'guard', toWrite: '2', maxLag: undefined });
  });

  it('never lowers an operator setting: a stricter one is kept as it is', () => {
    expect(planWriteGuard({ toWrite: '3', maxLag: '10', replicas: [online(), online()] })).toMatchObject({ action: 'keep', rule: 'already-strict' });
    expect(planWriteGuard({ toWrite: '1', maxLag: '10', replicas: [online(), online()] })).toMatchObject({ action: 'set', toWrite: '2' });
  });

  it('max-lag 0 switches the check off in Redis: the move sets 10 s (Redis default), even when to-write is already high enough', () => {
    expect(planWriteGuard({ toWrite: '0', maxLag: '0', replicas: [online(2)] })).toMatchObject({ action: 'set', toWrite: '1', maxLag: '10' });
    // A replica silent for longer than those 10 s would make the master refuse every write at once.
    expect(planWriteGuard({ toWrite: '0', maxLag: '0', replicas: [online(30)] })).toMatchObject({ action: 'unguarded' });
    expect(planWriteGuard({ toWrite: '2', maxLag: '0', replicas: [online(), online()] })).toMatchObject({ action: 'set', toWrite: '2', maxLag: '10' });
  });

  it('leaves the fence alone (the wrapper owns it), and has nothing to guard with when no replica follows', () => {
    expect(planWriteGuard({ toWrite: FENCED_MIN_REPLICAS, maxLag: '10', replicas: [online()] })).toMatchObject({ action: 'keep', rule: 'fenced' });
    expect(planWriteGuard({ toWrite: '0', maxLag: '10', replicas: [] })).toMatchObject({ action: 'unguarded', rule: 'no-replica' });
    expect(planWriteGuard({ toWrite: '0', maxLag: '10', replicas: [{ state: 'send_bulk', lag: 0 }] })).toMatchObject({ action: 'unguarded', rule: 'no-replica' });
  });
});

describe('what the hand-off reads from a sentinel', () => {
  it('+selected-slave names the replica and the group it replaces the master of', () => {
    expect(parseSentinelChannelEvent('+selected-slave', 'slave 10.0.0.2:6380 10.0.0.2 6380 @ cache 10.0.0.1 6379')).toMatchObject({ instanceType: 'slave', instance: { host: '10.0.0.2', port: 6380 }, group: 'cache', master: { host: '10.0.0.1', port: 6379 } });
    expect(parseSentinelChannelEvent('-failover-abort-no-good-slave', 'master cache 10.0.0.1 6379')).toMatchObject({ instanceType: 'master', group: 'cache' });
  });

  it('SENTINEL FAILOVER replies are read by their code, never their wording', () => {
    const refused = (message: string) => new RedisZkError('REDIS_COMMAND_FAILED', `refused: ${message}`, { cause: new Error(message) });
    expect(classifyFailoverReply(undefined)).toBe('accepted');
    expect(classifyFailoverReply(refused('INPROG Failover already in progress'))).toBe('in-progress');
    expect(classifyFailoverReply(refused('NOGOODSLAVE No suitable replica to promote'))).toBe('no-good-replica');
    expect(classifyFailoverReply(refused('ERR No such master with that name'))).toBe('refused');
    expect(classifyFailoverReply(new Error('connection lost'))).toBe('refused');
  });
});
