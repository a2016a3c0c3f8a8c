import { describe, expect, it } from 'vitest';
import { classifyRecord, parseHostPort, type HostPort } from '../../../packages/core/src/index.js';
import { decideFollow, reResolveCode } from '../../../packages/client/src/decide-follow.js';
import type { FollowFacts } from '../../../packages/client/src/index.js';

const addr = (s: string): HostPort => {
  const p = parseHostPort(s);
  if (!p.ok) throw new Error(s);
  return p.value;
};
const base: FollowFacts = { session: 'connected', record: classifyRecord('10.0.0.1 6379'), members: new Set(['10.0.0.1 6379', '10.0.0.2 6379']), current: undefined, keepOnExpiry: false };

describe('decideFollow: which address a client sends commands to', () => {
  it('follows a record naming a live node of the group', () => {
    expect(decideFollow(base)).toMatchObject({ action: 'follow', rule: 'record-moved', addr: addr('10.0.0.1 6379') });
    expect(decideFollow({ ...base, current: addr('10.0.0.2 6379') })).toMatchObject({ action: 'follow', rule: 'record-moved' });
  });

  it('keeps what it follows when the record does not move', () => {
    expect(decideFollow({ ...base, current: addr('10.0.0.1 6379') })).toMatchObject({ action: 'keep', rule: 'unchanged' });
  });

  it('never follows an address that is not a live node of the group (a forged or stale record)', () => {
    const forged = { ...base, record: classifyRecord('10.9.9.9 6379'), current: addr('10.0.0.1 6379') };
    expect(decideFollow(forged)).toMatchObject({ action: 'keep', rule: 'not-a-member' });
    expect(decideFollow({ ...forged, current: undefined })).toMatchObject({ action: 'stop', rule: 'not-a-member' });
  });

  it('keeps the last master on a garbage, empty or absent record, stops when it has none', () => {
    for (const raw of ['garbage', '', undefined]) {
      expect(decideFollow({ ...base, record: classifyRecord(raw), current: addr('10.0.0.1 6379') })).toMatchObject({ action: 'keep', rule: 'record-unusable' });
      expect(decideFollow({ ...base, record: classifyRecord(raw) })).toMatchObject({ action: 'stop', rule: 'record-unusable' });
    }
  });

  it('keeps the last master while ZooKeeper is only disconnected', () => {
    expect(decideFollow({ ...base, session: 'disconnected', current: addr('10.0.0.2 6379') })).toMatchObject({ action: 'keep', rule: 'zk-disconnected' });
  });

  it('fails closed on an expired session unless told to keep the last master', () => {
    expect(decideFollow({ ...base, session: 'expired', current: addr('10.0.0.1 6379') })).toMatchObject({ action: 'stop', rule: 'session-expired' });
    expect(decideFollow({ ...base, session: 'expired', current: addr('10.0.0.1 6379'), keepOnExpiry: true })).toMatchObject({ action: 'keep', rule: 'session-expired' });
  });

  it('waits for the live nodes before following anything', () => {
    expect(decideFollow({ ...base, members: undefined })).toMatchObject({ action: 'stop', rule: 'not-read-yet' });
  });

  it('stops for good once closed', () => {
    expect(decideFollow({ ...base, session: 'closed', current: addr('10.0.0.1 6379') })).toMatchObject({ action: 'stop', rule: 'session-closed' });
  });
});

describe('reResolveCode: replies that mean "ask ZooKeeper again"', () => {
  it('names the code of a refusal by a node that is not the master to write to', () => {
    expect(reResolveCode("READONLY You can't write against a read only replica.")).toBe('READONLY');
    expect(reResolveCode('NOREPLICAS Not enough good replicas to write.')).toBe('NOREPLICAS');
    expect(reResolveCode('LOADING Redis is loading the dataset in memory')).toBe('LOADING');
    expect(reResolveCode('MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.')).toBe('MASTERDOWN');
  });

  it('leaves application errors to the application', () => {
    expect(reResolveCode('WRONGTYPE Operation against a key holding the wrong kind of value')).toBeUndefined();
    expect(reResolveCode('ERR unknown command')).toBeUndefined();
    expect(reResolveCode('readonly lower case')).toBeUndefined();
  });
});

describe('decideFollow with a watcher to fall back on', () => {
  it('follows the watcher\'s master only while there is no ZooKeeper session', () => {
    const w = addr('10.0.0.2 6379');
    for (const session of ['connecting', 'disconnected', 'expired'] as const) {
      expect(decideFollow({ ...base, session, current: addr('10.0.0.1 6379'), watcherMaster: w })).toMatchObject({ action: 'follow', rule: 'watcher-fallback', addr: w });
      expect(decideFollow({ ...base, session, current: w, watcherMaster: w })).toMatchObject({ action: 'keep', rule: 'watcher-fallback' });
    }
    // Connected: ZooKeeper's record and live nodes decide, whatever the watcher said last.
    expect(decideFollow({ ...base, current: addr('10.0.0.1 6379'), watcherMaster: w })).toMatchObject({ action: 'keep', rule: 'unchanged' });
  });

  it('without an answer from the watcher, an expired session still fails closed', () => {
    expect(decideFollow({ ...base, session: 'expired', current: addr('10.0.0.1 6379'), watcherMaster: undefined })).toMatchObject({ action: 'stop', rule: 'session-expired' });
  });
});
