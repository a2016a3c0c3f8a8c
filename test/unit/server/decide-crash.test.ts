import { describe, expect, it } from 'vitest';
import { RedisZkError, type HostPort, type RedisProbe, type SentinelVerdict } from '@redis-zk/core';
import { decideCrash, type CrashObservation } from '../../../packages/server/src/decide-crash.js';
import { classifyFailoverReply } from '../../../packages/core/src/coordination/sentinel-failover.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const B: HostPort = { host: '10.0.0.2', port: 6379 };
const C: HostPort = { host: '10.0.0.3', port: 6379 };

function replica(offset: number, over: Partial<Extract<RedisProbe, { reachable: true }>> = {}): RedisProbe {
  return { reachable: true, role: 'slave', masterHost: SELF.host, masterPort: SELF.port, linkUp: false, priority: 100, lastIoSecondsAgo: 1, offset, keys: 1, keysPerDb: {}, replicas: [], runId: 'x', replid: 'old-master-replid', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15', ...over };
}
const agreed = (master: HostPort): SentinelVerdict => ({ kind: 'agreed', master, epoch: 3, votes: 3, registered: 3, dissenters: [], reason: '3 of 3 name it' });
const base: CrashObservation = {
  self: SELF,
  stopping: false,
  failoverMode: 'sentinel',
  record: { kind: 'valid', addr: SELF },
  verdict: agreed(SELF),
  failoverRunning: false,
  nodes: [
    { addr: B, probe: replica(140) },
    { addr: C, probe: replica(140) },
  ],
};

describe('decideCrash: the failover a master\'s wrapper starts when its redis-server crashes', () => {
  it('fails over at once when every promotable replica holds the same offset: whichever the sentinel selects has every write', () => {
    const d = decideCrash(base);
    expect(d).toMatchObject({ action: 'fail-over', rule: 'crash-failover', offset: 140, candidates: [B, C], previousReplid: 'old-master-replid' });
  });
  it('leaves it to the sentinels when the replicas differ: their stale view could select the one behind', () => {
    const d = decideCrash({ ...base, nodes: [{ addr: B, probe: replica(100) }, { addr: C, probe: replica(140) }] });
    expect(d).toMatchObject({ action: 'none', rule: 'replicas-differ' });
  });
  it.each([
    ['the exit was asked for', { stopping: true }, 'asked-to-stop'],
    ['ZooKeeper mode (the leadership ends with the session)', { failoverMode: 'zookeeper' as const }, 'zookeeper-mode'],
    ['ZooKeeper did not answer', { record: undefined }, 'record-unknown'],
    ['a replica crashed (the record names another)', { record: { kind: 'valid' as const, addr: B } }, 'not-recorded-master'],
    ['the sentinels already name another master', { verdict: agreed(B) }, 'sentinels-name-other'],
    ['a failover is already running', { failoverRunning: true }, 'failover-running'],
    ['no replica answers', { nodes: [{ addr: B, probe: { reachable: false as const, error: 'ECONNREFUSED' } }] }, 'no-replica'],
    ['every replica has replica-priority 0', { nodes: [{ addr: B, probe: replica(5, { priority: 0 }) }] }, 'no-replica'],
    ['the only replica follows another master', { nodes: [{ addr: B, probe: replica(5, { masterHost: C.host }) }] }, 'no-replica'],
  ])('does nothing when %s', (_what, over, rule) => {
    expect(decideCrash({ ...base, ...over })).toMatchObject({ action: 'none', rule });
  });
  it('a fenced master still counts as the master: the record and the sentinels name it', () => {
    expect(decideCrash(base).action).toBe('fail-over');
  });
  it('a replica with replica-priority 0 is never a candidate, and its offset does not matter', () => {
    const d = decideCrash({ ...base, nodes: [{ addr: B, probe: replica(100) }, { addr: C, probe: replica(999, { priority: 0 }) }] });
    expect(d).toMatchObject({ action: 'fail-over', candidates: [B] });
  });
});

describe('classifyFailoverReply: a SENTINEL FAILOVER reply read by its code', () => {
  const reply = (message: string) => Object.assign(new RedisZkError('REDIS_COMMAND_FAILED', `Redis at x refused: ${message}`, { cause: Object.assign(new Error(message), { name: 'ReplyError' }) }));
  it.each([
    [undefined, 'accepted'],
    [reply('INPROG Failover already in progress'), 'in-progress'],
    [reply('NOGOODSLAVE No suitable replica to promote'), 'no-good-replica'],
    [reply('ERR No such master with that name'), 'refused'],
    [new RedisZkError('REDIS_UNREACHABLE', 'INPROG in a connection error is not a reply'), 'refused'],
  ])('%# → %s', (err, expected) => {
    expect(classifyFailoverReply(err)).toBe(expected);
  });
});
