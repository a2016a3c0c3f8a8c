import { describe, expect, it } from 'vitest';
import type { RedisObservation, SentinelAnswer } from '../../../packages/core/src/index.js';
import { decideSwitchover, type SwitchoverObservation } from '../../../packages/watcher/src/decide-switchover.js';

const M = { host: '10.0.0.1', port: 6379 };
const R1 = { host: '10.0.0.2', port: 6379 };
const R2 = { host: '10.0.0.3', port: 6379 };
const S = [1, 2, 3].map((i) => ({ host: `10.0.1.${i}`, port: 26379 }));

function info(over: Partial<RedisObservation> = {}): RedisObservation {
  return { reachable: true, role: 'slave', masterHost: M.host, masterPort: M.port, linkUp: true, priority: 100, lastIoSecondsAgo: 0, offset: 100, keys: 1, keysPerDb: { db0: 1 }, replicas: [], runId: 'r', replid: 'x', replid2: '0'.repeat(40), secondReplOffset: -1, server: 'redis 7.0.15', ...over };
}
const naming = (addr = M): SentinelAnswer[] => S.map((sentinel) => ({ kind: 'master', sentinel, master: addr, epoch: 3, flags: ['master'] }));

function observe(over: Partial<SwitchoverObservation> = {}): SwitchoverObservation {
  return {
    group: 'mymaster',
    failoverMode: 'sentinel',
    running: false,
    record: { kind: 'valid', addr: M },
    master: info({ role: 'master', masterHost: undefined, masterPort: undefined, replicas: [{ ...R1, state: 'online', offset: 100, lag: 0 }, { ...R2, state: 'online', offset: 100, lag: 0 }] }),
    fenced: false,
    registeredSentinels: 3,
    answers: naming(),
    replicas: [{ addr: R1, probe: info() }, { addr: R2, probe: info() }],
    members: [M, R1, R2],
    candidate: undefined,
    ...over,
  };
}

describe('decideSwitchover (a planned move refuses anything unusual, with the reason)', () => {
  it('(8) without a candidate: every healthy replica may be the sentinel\'s pick, none excluded', () => {
    expect(decideSwitchover(observe())).toMatchObject({ action: 'switch', from: M, candidates: [R1, R2], exclude: [] });
  });

  it('(7) with a candidate: only it, every other answering replica excluded (replica-priority 0 for the switchover)', () => {
    expect(decideSwitchover(observe({ candidate: R2 }))).toMatchObject({ action: 'switch', candidates: [R2], exclude: [R1] });
  });

  it('(8) an answering replica that is not fit (not a live node) is excluded too, so the sentinel cannot pick it', () => {
    expect(decideSwitchover(observe({ members: [M, R1] }))).toMatchObject({ action: 'switch', candidates: [R1], exclude: [R2] });
  });

  it('(1)(8) FAILOVER_MODE=zookeeper: no sentinel is asked; the replica an election would pick, nothing excluded', () => {
    const zk: Partial<SwitchoverObservation> = { failoverMode: 'zookeeper', leader: '10.0.0.1 6379', registeredSentinels: 0, answers: [] };
    // R2 holds more data: it would win an election, so it is the one.
    const plan = decideSwitchover(observe({ ...zk, replicas: [{ addr: R1, probe: info({ offset: 90 }) }, { addr: R2, probe: info({ offset: 100 }) }] }));
    expect(plan).toMatchObject({ action: 'switch', from: M, candidates: [R2], exclude: [] });
    expect(plan.reason).toMatch(/the replica an election would pick/);
    expect(decideSwitchover(observe({ ...zk, candidate: R1 }))).toMatchObject({ action: 'switch', candidates: [R1], exclude: [] });
  });

  it.each<[string, Partial<SwitchoverObservation>, number, RegExp]>([
    ['(1) FAILOVER_MODE=zookeeper, nobody holds the leadership', { failoverMode: 'zookeeper', leader: undefined }, 409, /nobody holds the leadership of mymaster \(FAILOVER_MODE=zookeeper\)/],
    ['(1) FAILOVER_MODE=zookeeper, another holds the leadership', { failoverMode: 'zookeeper', leader: '10.0.0.2 6379' }, 409, /leadership of mymaster is held by "10\.0\.0\.2 6379" while ZooKeeper records 10\.0\.0\.1 6379/],
    ['(6) FAILOVER_MODE=zookeeper, the master is fenced', { failoverMode: 'zookeeper', leader: '10.0.0.1 6379', fenced: true }, 409, /is fenced/],
    ['(2) one already running', { running: true }, 409, /already running/],
    ['(3) no record', { record: { kind: 'absent' } }, 409, /no valid record/],
    ['(4) a failover in progress', { answers: [...naming().slice(0, 2), { kind: 'failover-in-progress', sentinel: S[2]! }] }, 409, /failover of mymaster is in progress/],
    ['(5) no majority', { answers: [naming()[0]!, { kind: 'unreachable', sentinel: S[1]!, error: 'x' }, { kind: 'unreachable', sentinel: S[2]!, error: 'x' }] }, 409, /do not agree/],
    ['(5) the sentinels name another master', { answers: naming(R1) }, 409, /name 10\.0\.0\.2 6379 while ZooKeeper records 10\.0\.0\.1 6379/],
    ['(6) the master does not answer', { master: { reachable: false, error: 'ECONNREFUSED' } }, 409, /does not answer \(ECONNREFUSED\); that is a failover/],
    ['(6) the master answers as a replica', { master: info() }, 409, /answers as a replica/],
    ['(6) the master is fenced', { fenced: true }, 409, /is fenced/],
    ['(7) the candidate is the master', { candidate: M }, 400, /already the master/],
    ['(7) the candidate is not a replica', { candidate: { host: '10.9.9.9', port: 1 } }, 409, /is not a replica of the master/],
    ['(7) the candidate\'s link is down', { candidate: R1, replicas: [{ addr: R1, probe: info({ linkUp: false }) }, { addr: R2, probe: info() }] }, 409, /link to the master is down/],
    ['(7) the candidate has priority 0', { candidate: R1, replicas: [{ addr: R1, probe: info({ priority: 0 }) }, { addr: R2, probe: info() }] }, 409, /replica-priority is 0/],
    ['(7) the candidate replicates someone else', { candidate: R1, replicas: [{ addr: R1, probe: info({ masterHost: '10.7.7.7' }) }, { addr: R2, probe: info() }] }, 409, /does not replicate the master/],
    ['(8) no healthy replica', { replicas: [{ addr: R1, probe: { reachable: false, error: 'down' } }, { addr: R2, probe: info({ priority: 0 }) }] }, 409, /no replica of mymaster is healthy.*10\.0\.0\.2 6379: it does not answer \(down\).*replica-priority is 0/],
    ['(8) no replica at all', { replicas: [] }, 409, /the master has no replicas/],
  ])('refuses: %s', (_what, over, status, reason) => {
    const plan = decideSwitchover(observe(over));
    expect(plan).toMatchObject({ action: 'refuse', status });
    expect(plan.action === 'refuse' && plan.reason).toMatch(reason);
  });
});
