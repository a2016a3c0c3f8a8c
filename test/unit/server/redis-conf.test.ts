import { describe, expect, it } from 'vitest';
import { redisConfText } from '../../../packages/server/src/redis-conf.js';
import { agreedAddress } from '../../../packages/server/src/observe.js';
import { recordWrite } from '../../../packages/server/src/startup.js';

const base = { include: undefined, port: 7001, bind: '127.0.0.1', dir: '/data/r', announce: { host: '10.1.2.3', port: 31001 }, password: undefined, replicaOf: undefined };

describe('redisConfText', () => {
  it('writes the wrapper settings for a master', () => {
    const t = redisConfText(base);
    const lines = t.trim().split('\n');
    expect(lines).toContain('port 7001');
    expect(lines).toContain('bind 127.0.0.1');
    expect(lines).toContain('dir /data/r');
    expect(lines).toContain('daemonize no');
    expect(lines).toContain('replica-announce-ip 10.1.2.3');
    expect(lines).toContain('replica-announce-port 31001');
    expect(t).not.toMatch(/replicaof|requirepass|masterauth|include/);
  });
  it('puts the include first so the wrapper settings win', () => {
    const lines = redisConfText({ ...base, include: '/etc/my redis.conf' }).trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(lines[0]).toBe('include "/etc/my redis.conf"');
  });
  it('writes the password only as requirepass/masterauth and the replicaof line for a replica', () => {
    const t = redisConfText({ ...base, password: 's3cret', replicaOf: { host: '10.9.9.9', port: 6380 } });
    expect(t).toContain('requirepass s3cret\n');
    expect(t).toContain('masterauth s3cret\n');
    expect(t).toContain('replicaof 10.9.9.9 6380\n');
  });
});

describe('agreedAddress', () => {
  const a = { host: 'a', port: 1 };
  const b = { host: 'b', port: 1 };
  it('needs a majority of the answers', () => {
    expect(agreedAddress([a, a, b])).toEqual(a);
    expect(agreedAddress([a, b])).toBeUndefined();
    expect(agreedAddress([a, undefined, undefined])).toEqual(a);
    expect(agreedAddress([])).toBeUndefined();
  });
});

describe('recordWrite', () => {
  it('creates missing records and sets existing ones with the versions read', () => {
    expect(recordWrite('g', { host: 'h', port: 2 }, { master: undefined, group: 4 })).toEqual([
      { op: 'create', path: '/redis/master', data: 'h 2', mode: 'persistent' },
      { op: 'set', path: '/redis/masters/g', data: 'h 2', version: 4 },
    ]);
  });
});
