import { describe, expect, it } from 'vitest';
import { parseSentinelChannelEvent } from '../../../packages/core/src/index.js';
import { decideSelected, type SelectedObservation } from '../../../packages/server/src/decide-selected.js';

const M = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };
const C = { host: '10.0.0.3', port: 6379 };
const selected = parseSentinelChannelEvent('+selected-slave', 'slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379')!;
const base: SelectedObservation = { self: C, group: 'mymaster', event: selected, own: { role: 'slave', master: M } };
const at = (o: Partial<SelectedObservation>) => decideSelected({ ...base, ...o });

describe('parseSentinelChannelEvent', () => {
  it('reads the instance, its group and its master from a replica event, and a master event', () => {
    expect(selected).toEqual({ channel: '+selected-slave', instanceType: 'slave', instance: B, group: 'mymaster', master: M });
    expect(parseSentinelChannelEvent('+odown', 'master mymaster 10.0.0.1 6379 #quorum 2/2')).toMatchObject({ instanceType: 'master', group: 'mymaster', master: M });
    expect(parseSentinelChannelEvent('+x', 'short')).toBeUndefined();
  });
});

describe('decideSelected (a replica follows the replica selected to replace its master)', () => {
  it('(4) a replica of the master being failed over replicates the selected replica', () => {
    expect(at({})).toMatchObject({ action: 'replicate', rule: 'follow-selected', master: B });
  });
  it('(2) the selected replica itself does nothing', () => {
    expect(at({ self: B })).toMatchObject({ action: 'none', rule: 'we-are-selected' });
  });
  it('(3) a master, an unreachable node or a replica of another master does nothing', () => {
    expect(at({ own: { role: 'master', master: undefined } }).rule).toBe('not-its-replica');
    expect(at({ own: { role: 'unreachable', master: undefined } }).rule).toBe('not-its-replica');
    expect(at({ own: { role: 'slave', master: B } }).rule).toBe('not-its-replica');
  });
  it('(1) another group or another channel does nothing', () => {
    expect(at({ group: 'other' }).rule).toBe('not-ours');
    expect(at({ event: { ...selected, channel: '+promoted-slave' } }).rule).toBe('not-ours');
  });
});
