import { describe, expect, it } from 'vitest';
import type { HostPort, RedisObservation, RedisProbe } from '@redis-zk/core';
import { bestNode, decideStartup, HOLD, type NodeView, type Observation, settledWithoutNodes } from '../../../packages/server/src/decide.js';
import { classifyRecord } from '../../../packages/core/src/index.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const A: HostPort = { host: '10.0.0.2', port: 6379 };
const B: HostPort = { host: '10.0.0.3', port: 6379 };

function up(role: 'master' | 'slave', offset = 0, keys = 0): RedisObservation {
  return { reachable: true, role, masterHost: undefined, masterPort: undefined, linkUp: role === 'slave', priority: 100, lastIoSecondsAgo: 0, offset, keys, keysPerDb: {}, replicas: [], runId: 'x', replid: 'r', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15' };
}
const DOWN: RedisProbe = { reachable: false, error: 'ECONNREFUSED' };

function obs(p: Partial<Observation>): Observation {
  return { self: SELF, record: { kind: 'absent' }, recordProbe: undefined, sentinelCount: 0, sentinelMaster: undefined, sentinelMasterProbe: undefined, nodes: [], ...p };
}
const rec = (a: HostPort) => ({ kind: 'valid' as const, addr: a });
const node = (addr: HostPort, probe: RedisProbe): NodeView => ({ addr, probe });

describe('decideStartup', () => {
  it('(1) sentinels agreeing on a live master other than the record win', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, sentinelCount: 2, sentinelMaster: B, sentinelMasterProbe: up('master') }));
    expect(d).toMatchObject({ action: 'replicate', master: B });
    expect(d.rule).toBe('sentinels-newer');
  });
  it('(1) also applies when we are the recorded master restarted in place', () => {
    const d = decideStartup(obs({ record: rec(SELF), sentinelCount: 1, sentinelMaster: B, sentinelMasterProbe: up('master') }));
    expect(d).toMatchObject({ action: 'replicate', master: B });
  });
  it('(1) ignores a sentinel answer that does not answer as master', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: up('master'), sentinelCount: 1, sentinelMaster: B, sentinelMasterProbe: up('slave') }));
    expect(d).toMatchObject({ action: 'replicate', master: A });
  });
  it('(1) ignores sentinels naming ourselves', () => {
    const d = decideStartup(obs({ record: { kind: 'absent' }, sentinelCount: 1, sentinelMaster: SELF }));
    expect(d.action).toBe('claim');
  });
  it('(2) replicates the recorded master when it answers as master', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: up('master', 100, 5), nodes: [node(A, up('master', 100, 5))] }));
    expect(d).toMatchObject({ action: 'replicate', master: A });
    expect(d.rule).toBe('recorded-master-alive');
  });
  it('(2b) the recorded master does not answer us but a live replica is linked to it → replicate it', () => {
    const linked: RedisProbe = { ...up('slave', 10, 1), masterHost: A.host, masterPort: A.port, linkUp: true };
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, nodes: [node(A, DOWN), node(B, linked)] }));
    expect(d).toMatchObject({ action: 'replicate', master: A });
    const unlinked: RedisProbe = { ...linked, linkUp: false };
    expect(decideStartup(obs({ record: rec(A), recordProbe: DOWN, nodes: [node(B, unlinked)] }))).toMatchObject({ action: 'handover', master: B });
  });
  it('(3) restarted in place, live data, sentinels registered → wait', () => {
    const d = decideStartup(obs({ record: rec(SELF), sentinelCount: 3, nodes: [node(A, up('slave', 50, 3))] }));
    expect(d.action).toBe('wait');
    expect(d.reason).toMatch(/restarted in place/);
  });
  it('(3) restarted in place, live data, no sentinels → handover to the best node', () => {
    const d = decideStartup(obs({ record: rec(SELF), nodes: [node(A, up('slave', 50, 3)), node(B, up('slave', 70, 3))] }));
    expect(d).toMatchObject({ action: 'handover', master: B });
  });
  it('(3) a live node reporting master counts even without data', () => {
    const d = decideStartup(obs({ record: rec(SELF), nodes: [node(A, up('master', 0, 0))] }));
    expect(d).toMatchObject({ action: 'handover', master: A });
  });
  it('(3) restarted in place and nobody holds data → claim', () => {
    const d = decideStartup(obs({ record: rec(SELF), nodes: [node(A, up('slave', 0, 0)), node(B, DOWN)] }));
    expect(d.action).toBe('claim');
  });
  it('(4) recorded master dead, live data, sentinels → wait', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, sentinelCount: 1, nodes: [node(B, up('slave', 10, 1))] }));
    expect(d.action).toBe('wait');
  });
  it('(4) recorded master dead, live data, no sentinels → handover', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, nodes: [node(B, up('slave', 10, 1))] }));
    expect(d).toMatchObject({ action: 'handover', master: B });
    expect(d.reason).toMatch(/does not answer/);
  });
  it('(4) recorded address answers as a replica: not a master', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: up('slave', 10, 1), nodes: [node(A, up('slave', 10, 1)), node(B, up('slave', 5, 1))] }));
    expect(d).toMatchObject({ action: 'handover', master: A });
  });
  it('(4) recorded master dead and no data anywhere → claim (whole group restarted)', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN }));
    expect(d.action).toBe('claim');
    expect(d.rule).toBe('record-no-data');
  });
  it.each(['', 'garbage', 'host', 'host 99999', 'x'.repeat(1_000_000)])('(5) record %# unusable, no data → claim', (raw) => {
    const record = classifyRecord(raw);
    expect(record.kind === 'empty' || record.kind === 'invalid').toBe(true);
    const d = decideStartup(obs({ record }));
    expect(d.action).toBe('claim');
    expect(d.reason.length).toBeLessThan(400);
  });
  it('(5) invalid record but live data → handover, reason quotes only a preview', () => {
    const d = decideStartup(obs({ record: classifyRecord('y'.repeat(5000)), nodes: [node(A, up('slave', 3, 1))] }));
    expect(d).toMatchObject({ action: 'handover', master: A });
    expect(d.reason).toMatch(/refused/);
    expect(d.reason.length).toBeLessThan(400);
  });
  it('(5) absent record, nothing live → claim', () => {
    expect(decideStartup(obs({})).action).toBe('claim');
  });
});

describe('bestNode', () => {
  it('prefers a master, then offset, then keys, then the lowest address', () => {
    expect(bestNode([node(A, up('slave', 100, 9)), node(B, up('master', 1, 0))])?.addr).toEqual(B);
    expect(bestNode([node(A, up('slave', 100, 1)), node(B, up('slave', 200, 0))])?.addr).toEqual(B);
    expect(bestNode([node(B, up('slave', 100, 2)), node(A, up('slave', 100, 1))])?.addr).toEqual(B);
    expect(bestNode([node(B, up('slave', 100, 1)), node(A, up('slave', 100, 1))])?.addr).toEqual(A);
    expect(bestNode([node(A, DOWN), node(B, up('slave', 0, 0))])).toBeUndefined();
  });
});

describe('classifyRecord', () => {
  it('classifies every shape', () => {
    expect(classifyRecord(undefined)).toEqual({ kind: 'absent' });
    expect(classifyRecord('')).toEqual({ kind: 'empty' });
    expect(classifyRecord('10.0.0.1 6379')).toEqual({ kind: 'valid', addr: { host: '10.0.0.1', port: 6379 } });
    expect(classifyRecord('host 99999').kind).toBe('invalid');
    const big = classifyRecord('z'.repeat(1_000_000));
    expect(big.kind === 'invalid' && big.preview.length < 100).toBe(true);
  });
});

describe('settledWithoutNodes (node probes skipped under the lock)', () => {
  const anyNodes = [node(B, up('master', 500, 9)), node(A, up('slave', 400, 9))];
  it('a recorded master that answers as master settles it, and the nodes would not change it', () => {
    const o = obs({ record: rec(A), recordProbe: up('master') });
    expect(settledWithoutNodes(o)).toBe(true);
    expect(decideStartup({ ...o, nodes: anyNodes })).toEqual(decideStartup(o));
  });
  it('sentinels agreeing on another live master settle it', () => {
    const o = obs({ record: rec(A), recordProbe: DOWN, sentinelCount: 2, sentinelMaster: B, sentinelMasterProbe: up('master') });
    expect(settledWithoutNodes(o)).toBe(true);
    expect(decideStartup({ ...o, nodes: anyNodes })).toEqual(decideStartup(o));
  });
  it('a dead or absent record, or ourselves recorded, needs the nodes', () => {
    expect(settledWithoutNodes(obs({ record: rec(A), recordProbe: DOWN }))).toBe(false);
    expect(settledWithoutNodes(obs({ record: { kind: 'absent' } }))).toBe(false);
    expect(settledWithoutNodes(obs({ record: rec(SELF) }))).toBe(false);
    expect(settledWithoutNodes(obs({ record: rec(A), recordProbe: up('slave') }))).toBe(false);
  });
});

describe('decideStartup (G): the whole group back from disk', () => {
  const held = (keys: number, offset = 0): RedisObservation => ({ ...up('slave', offset, keys), masterHost: HOLD.host, masterPort: HOLD.port, linkUp: false });
  const me = (keys: number, waitedMs: number, offset = 0) => ({ keys, offset, since: 0, settleMs: 3_000, now: waitedMs });
  it('waits for the rest of the group during the settle window, even alone and holding data', () => {
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, held: me(100, 500) }));
    expect(d.action).toBe('wait');
    expect(d.rule).toBe('group-from-disk-settling');
    expect(d.reason).toMatch(/\(500 of 3000 ms\)/);
  });
  it('after the window, the node holding the most claims; the others wait for it (keys before offset)', () => {
    expect(decideStartup(obs({ record: rec(A), recordProbe: DOWN, held: me(200, 3_000), nodes: [node(B, held(100, 999))] })).action).toBe('claim');
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, held: me(100, 3_000, 999), nodes: [node(B, held(200))] }));
    expect(d.action).toBe('wait');
    expect(d.reason).toMatch(/10\.0\.0\.3 6379 \(role slave, offset 0, 200 keys\) holds the most/);
  });
  it('a tie goes to the lowest address, the same for every wrapper', () => {
    expect(decideStartup(obs({ record: rec(A), recordProbe: DOWN, held: me(5, 3_000), nodes: [node(B, held(5))] })).action).toBe('claim');
    expect(decideStartup(obs({ self: B, record: rec(A), recordProbe: DOWN, held: me(5, 3_000), nodes: [node(SELF, held(5))] })).action).toBe('wait');
  });
  it('not a group restart when a master answers, or live replicas of a real master hold data (the sentinels are on it)', () => {
    expect(decideStartup(obs({ record: rec(A), recordProbe: up('master', 1, 1), held: me(100, 3_000) }))).toMatchObject({ action: 'replicate', master: A });
    const d = decideStartup(obs({ record: rec(A), recordProbe: DOWN, sentinelCount: 3, held: me(100, 3_000), nodes: [node(B, { ...up('slave', 50, 10), masterHost: A.host, masterPort: A.port, linkUp: false })] }));
    expect(d.action).toBe('wait');
    expect(d.reason).toMatch(/sentinels are expected to promote/);
  });
});
