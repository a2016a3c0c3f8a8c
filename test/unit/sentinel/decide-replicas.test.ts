import { describe, expect, it } from 'vitest';
import { decideReplicaForget, type KnownReplica, type ReplicaGroupObservation } from '../../../packages/sentinel/src/decide-replicas.js';

const live = (addr: string): KnownReplica => ({ addr, flags: ['slave'], downForMs: 0 });
const dead = (addr: string, downForMs: number, flags = ['s_down', 'slave', 'disconnected']): KnownReplica => ({ addr, flags, downForMs });
const group = (replicas: KnownReplica[], masterFlags = ['master']): ReplicaGroupObservation => ({ name: 'mymaster', masterFlags, replicas });
const registered = new Set(['h 1', 'h 2']);
const settleMs = 5_000;

describe('decideReplicaForget', () => {
  it('does nothing while every known replica is registered or answering', () => {
    expect(decideReplicaForget({ groups: [group([live('h 1'), live('h 2')])], registered, settleMs })).toMatchObject({ action: 'none', dead: [], recheckInMs: undefined });
    // Up but not (or not yet) registered: a replica starting, or one whose wrapper lost its session.
    expect(decideReplicaForget({ groups: [group([live('h 1'), live('h 9')])], registered, settleMs }).action).toBe('none');
  });

  it('leaves a registered replica alone even when it is down (restarting in place, its wrapper alive)', () => {
    expect(decideReplicaForget({ groups: [group([dead('h 1', 60_000), live('h 2')])], registered, settleMs }).action).toBe('none');
  });

  it('forgets an unregistered replica down for the settle time, when the master is healthy', () => {
    const d = decideReplicaForget({ groups: [group([live('h 1'), live('h 2'), dead('h 9', 5_000), dead('h 8', 9_000, ['slave', 'disconnected'])])], registered, settleMs });
    expect(d.action).toBe('forget');
    expect(d.dead).toEqual(['mymaster: h 9', 'mymaster: h 8']);
    expect(d.reason).toMatch(/not registered in \/redis\/nodes/);
  });

  it('gives an unregistered replica down for less than the settle time a chance, and says when to look again', () => {
    const d = decideReplicaForget({ groups: [group([live('h 1'), dead('h 9', 1_000), dead('h 8', 3_000)])], registered, settleMs });
    expect(d.action).toBe('none');
    expect(d.recheckInMs).toBe(2_000);
    expect(d.reason).toMatch(/may be restarting/);
  });

  it('waits during a failover and while the master is not healthy', () => {
    const stale = [live('h 1'), dead('h 9', 10_000)];
    expect(decideReplicaForget({ groups: [group(stale, ['master', 'failover_in_progress'])], registered, settleMs })).toMatchObject({ action: 'wait', dead: ['mymaster: h 9'] });
    for (const flag of ['s_down', 'o_down', 'disconnected']) {
      const d = decideReplicaForget({ groups: [group(stale, ['master', flag])], registered, settleMs });
      expect(d.action).toBe('wait');
      expect(d.reason).toMatch(/not healthy/);
    }
  });

  it('waits when any monitored group is failing over, since the restart covers every group', () => {
    const d = decideReplicaForget({
      groups: [group([dead('h 9', 10_000)]), { name: 'g2', masterFlags: ['master', 'failover_in_progress'], replicas: [] }],
      registered,
      settleMs,
    });
    expect(d.action).toBe('wait');
    expect(d.reason).toMatch(/g2/);
  });
});
