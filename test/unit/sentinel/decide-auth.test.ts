import { describe, expect, it } from 'vitest';
import { authAlarm } from '../../../packages/sentinel/src/decide-auth.js';

describe('authAlarm', () => {
  it('names REDIS_PASSWORD when the master refuses our password (or its absence)', () => {
    expect(authAlarm({ group: 'g', master: '10.0.0.1:6379', error: 'NOAUTH Authentication required.', passwordSet: false })).toMatch(/with no REDIS_PASSWORD \(it is unset for redis-zk-sentinel\)/);
    expect(authAlarm({ group: 'g', master: '10.0.0.1:6379', error: 'WRONGPASS invalid username-password pair or user is disabled.', passwordSet: true })).toMatch(/with the REDIS_PASSWORD given to redis-zk-sentinel/);
  });
  it('says nothing for other failures (a master that is down is the sentinels\' business)', () => {
    expect(authAlarm({ group: 'g', master: 'x', error: 'connect ECONNREFUSED 10.0.0.1:6379', passwordSet: false })).toBeUndefined();
  });
});
