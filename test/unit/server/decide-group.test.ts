import { describe, expect, it } from 'vitest';
import { decideGroupIdentity } from '../../../packages/server/src/decide-group.js';

const records = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('decideGroupIdentity (a server never joins another group\'s lock)', () => {
  it('(3) proceeds in a fresh chroot, for the default group and for another', () => {
    expect(decideGroupIdentity({ name: 'mymaster', isDefault: true, defaultName: 'mymaster', master: undefined, records: records({}) }).action).toBe('proceed');
    expect(decideGroupIdentity({ name: 'cache', isDefault: false, defaultName: 'mymaster', master: undefined, records: records({}) }).action).toBe('proceed');
  });

  it('(3) proceeds beside other groups: each group has its own record', () => {
    const r = records({ mymaster: '10.0.0.1 6379', cache: '10.0.0.2 6379' });
    expect(decideGroupIdentity({ name: 'cache', isDefault: false, defaultName: 'mymaster', master: '10.0.0.1 6379', records: r }).action).toBe('proceed');
    expect(decideGroupIdentity({ name: 'mymaster', isDefault: true, defaultName: 'mymaster', master: '10.0.0.1 6379', records: r }).action).toBe('proceed');
  });

  it('(1) refuses a 0.1.0 group named foo upgraded without DEFAULT_MASTER_NAME=foo (it would split from its old servers)', () => {
    const d = decideGroupIdentity({ name: 'foo', isDefault: false, defaultName: 'mymaster', master: '10.0.0.1 6379', records: records({ foo: '10.0.0.1 6379' }) });
    expect(d.action).toBe('refuse');
    expect(d.reason).toContain('DEFAULT_MASTER_NAME=foo');
  });

  it('(2) refuses a default-group server where /redis/master is another group\'s master (it would join that group)', () => {
    const d = decideGroupIdentity({ name: 'mymaster', isDefault: true, defaultName: 'mymaster', master: '10.0.0.1 6379', records: records({ foo: '10.0.0.1 6379' }) });
    expect(d.action).toBe('refuse');
    expect(d.reason).toContain('group foo');
  });

  it('(3) a default group whose own mirror lags /redis/master is still itself when no other group owns the address', () => {
    const d = decideGroupIdentity({ name: 'mymaster', isDefault: true, defaultName: 'mymaster', master: '10.0.0.1 6379', records: records({ mymaster: '10.0.0.3 6379' }) });
    expect(d.action).toBe('proceed');
  });
});
