import { describe, expect, it } from 'vitest';
import { decideRecord, type GroupObservation } from '../../../packages/watcher/src/decide-record.js';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };

function obs(over: Partial<GroupObservation>): GroupObservation {
  return {
    name: 'mymaster',
    record: { kind: 'valid', addr: A },
    inSync: true,
    storedEpoch: 3,
    candidate: { addr: B, epoch: 4, sentinels: 3 },
    candidateIsMaster: true,
    recordedIsLiveMaster: undefined,
    ...over,
  };
}

describe('decideRecord', () => {
  it('writes a newer epoch', () => {
    const d = decideRecord(obs({}));
    expect(d).toMatchObject({ action: 'write', master: B, epoch: 4, changed: true });
    expect(d.reason).toMatch(/epoch 4 > 3/);
  });

  it('does nothing when no sentinel knows the group', () => {
    expect(decideRecord(obs({ candidate: undefined })).action).toBe('none');
  });

  it('waits while the candidate does not answer ROLE as master', () => {
    const d = decideRecord(obs({ candidateIsMaster: false }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/ROLE/);
  });

  it('does nothing for a duplicate event (same address, same epoch)', () => {
    const d = decideRecord(obs({ record: { kind: 'valid', addr: B }, storedEpoch: 4 }));
    expect(d.action).toBe('none');
  });

  it('stores the epoch when the address is right but the epoch differs', () => {
    expect(decideRecord(obs({ record: { kind: 'valid', addr: B }, storedEpoch: undefined }))).toMatchObject({ action: 'write', changed: false, epoch: 4 });
  });

  it('repairs the default group when /redis/masters/<name> is out of step with /redis/master', () => {
    expect(decideRecord(obs({ record: { kind: 'valid', addr: B }, storedEpoch: 4, inSync: false }))).toMatchObject({ action: 'write', changed: false });
  });

  it('never goes back to an older master that is still live', () => {
    const d = decideRecord(obs({ storedEpoch: 5, candidate: { addr: B, epoch: 4, sentinels: 1 }, recordedIsLiveMaster: true }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/^Refusing/);
  });

  it('repairs a record naming another live master at the sentinels\' own epoch (written by hand or forged, not by a failover)', () => {
    const d = decideRecord(obs({ storedEpoch: 4, recordedIsLiveMaster: true }));
    expect(d).toMatchObject({ action: 'write', master: B, epoch: 4, changed: true });
    expect(d.reason).toMatch(/was not written from their failover; repairing it/);
  });

  it('accepts a lower epoch when the recorded master is no longer live (full group restart)', () => {
    const d = decideRecord(obs({ storedEpoch: 17, candidate: { addr: B, epoch: 0, sentinels: 3 }, recordedIsLiveMaster: false }));
    expect(d).toMatchObject({ action: 'write', master: B, epoch: 0, changed: true });
    expect(d.reason).toMatch(/no longer a live master/);
  });

  it('writes when there is no record, or the record is garbage, or it has no epoch', () => {
    expect(decideRecord(obs({ record: { kind: 'absent' } }))).toMatchObject({ action: 'write' });
    expect(decideRecord(obs({ record: { kind: 'invalid', preview: '', reason: 'it is empty' }, storedEpoch: 99 }))).toMatchObject({ action: 'write' });
    expect(decideRecord(obs({ storedEpoch: undefined, candidate: { addr: B, epoch: 0, sentinels: 3 } }))).toMatchObject({ action: 'write' });
  });
});
