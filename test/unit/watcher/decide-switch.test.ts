import { describe, expect, it } from 'vitest';
import { decideSwitch, type AnnouncerAnswer } from '../../../packages/watcher/src/decide-switch.js';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };
const C = { host: '10.0.0.3', port: 6379 };
const S = { host: '10.0.0.9', port: 26379 };

function verdict(answer: AnnouncerAnswer, over: { storedEpoch?: number | undefined; record?: Parameters<typeof decideSwitch>[0]['record']; lineage?: Parameters<typeof decideSwitch>[0]['lineage'] } = {}) {
  return decideSwitch({ name: 'mymaster', sentinel: S, announced: B, answer, record: over.record ?? { kind: 'valid', addr: A }, storedEpoch: 'storedEpoch' in over ? over.storedEpoch : 3, lineage: over.lineage ?? { ok: true, reason: 'confirmed' } });
}

describe('decideSwitch (the announcing sentinel alone decides a switch only when it is clear-cut)', () => {
  it('decides from the announcer when it names the announced master with an epoch above the stored one', () => {
    const v = verdict({ kind: 'master', addr: B, epoch: 4 });
    expect(v).toMatchObject({ action: 'decide', candidate: { addr: B, epoch: 4, sentinels: 1 } });
  });

  it('decides when ZooKeeper has no epoch or no valid record yet', () => {
    expect(verdict({ kind: 'master', addr: B, epoch: 0 }, { storedEpoch: undefined }).action).toBe('decide');
    expect(verdict({ kind: 'master', addr: B, epoch: 0 }, { record: { kind: 'absent' } }).action).toBe('decide');
    expect(verdict({ kind: 'master', addr: B, epoch: 0 }, { record: { kind: 'invalid', preview: 'x', reason: 'x' } }).action).toBe('decide');
  });

  it('decides a duplicate of what ZooKeeper already records (same address, same epoch): decideRecord then writes nothing', () => {
    expect(verdict({ kind: 'master', addr: B, epoch: 4 }, { record: { kind: 'valid', addr: B }, storedEpoch: 4 }).action).toBe('decide');
  });

  it.each([
    ['no answer', { kind: 'none' } as AnnouncerAnswer, /did not answer/],
    ['a failover still in progress', { kind: 'failover-in-progress' } as AnnouncerAnswer, /in progress/],
    ['an unusable answer', { kind: 'unusable' } as AnnouncerAnswer, /unusable/],
    ['a different address than announced', { kind: 'master', addr: C, epoch: 9 } as AnnouncerAnswer, /now names 10\.0\.0\.3 6379/],
  ])('asks every sentinel on %s', (_what, answer, reason) => {
    const v = verdict(answer);
    expect(v.action).toBe('ask-all');
    expect(v.reason).toMatch(reason);
  });

  it('one sentinel alone never moves the master when the lineage does not confirm it (a rogue sentinel, a foreign Redis): asks every sentinel', () => {
    const v = verdict({ kind: 'master', addr: B, epoch: 50 }, { lineage: { ok: false, reason: '10.0.0.2 6379 is not one of the group\'s live nodes in /redis/nodes' } });
    expect(v.action).toBe('ask-all');
    expect(v.reason).toMatch(/not one of the group's live nodes/);
  });

  it('a duplicate of the recorded master needs no lineage (nothing moves)', () => {
    expect(verdict({ kind: 'master', addr: B, epoch: 4 }, { record: { kind: 'valid', addr: B }, storedEpoch: 4, lineage: { ok: false, reason: 'x' } }).action).toBe('decide');
  });

  it('never moves ZooKeeper to another address on an epoch not above the stored one: asks every sentinel', () => {
    for (const epoch of [2, 3]) {
      const v = verdict({ kind: 'master', addr: B, epoch });
      expect(v.action).toBe('ask-all');
      expect(v.reason).toMatch(/not above ZooKeeper's 10\.0\.0\.1 6379 at epoch 3/);
    }
  });
});
