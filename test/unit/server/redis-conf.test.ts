import { describe, expect, it } from 'vitest';
import { redisConfText } from '../../../packages/server/src/redis-conf.js';
import { classifyRecord, HISTORY_LIMIT, parseHistory, recordOps } from '../../../packages/core/src/index.js';

const base = { include: undefined, port: 7001, bind: '127.0.0.1', dir: '/data/r', announce: { host: '10.1.2.3', port: 31001 }, password: undefined, replicaOf: undefined, appendOnly: true };

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
  it('is durable by default (AOF, fsync every second, beside the RDB snapshot defaults); REDIS_APPENDONLY=no keeps RDB only', () => {
    expect(redisConfText(base)).toMatch(/^appendonly yes\nappendfsync everysec$/m);
    expect(redisConfText(base)).not.toMatch(/^save /m);
    expect(redisConfText({ ...base, appendOnly: false })).toMatch(/^appendonly no$/m);
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
  it('with REDIS_USERNAME: defines that ACL user with only the operators\' rules, and replicates as it', () => {
    const t = redisConfText({ ...base, password: 's3cret', username: 'redis-zk-ops' });
    expect(t).toMatch(/^user redis-zk-ops reset on >s3cret resetchannels &__sentinel__:hello -@all \+psync .*\+client\|unpause$/m);
    expect(t).toContain('masteruser redis-zk-ops\n');
    expect(t).not.toMatch(/\+@all|~\*|allkeys|\+get\b|\+set\b/);
    expect(redisConfText({ ...base, username: 'redis-zk-ops' })).not.toMatch(/^user |masteruser/m);
  });
});

describe('recordOps (the one writer)', () => {
  const same = { record: classifyRecord('h 2'), history: [], historyDir: true };
  it('creates missing nodes and sets existing ones with the versions read, epoch first', () => {
    expect(recordOps({ name: 'g', isDefault: true, epoch: 3, versions: { epoch: 7, master: undefined, group: 4, history: undefined }, ...same }, { host: 'h', port: 2 }, 'repair')).toEqual([
      { op: 'set', path: '/redis/epochs/g', data: '3', version: 7 },
      { op: 'set', path: '/redis/masters/g', data: 'h 2', version: 4 },
      { op: 'create', path: '/redis/master', data: 'h 2', mode: 'persistent' },
    ]);
  });
  it('a group other than the default does not touch /redis/master; a new epoch node starts at 0', () => {
    expect(recordOps({ name: 'g', isDefault: false, epoch: undefined, versions: { epoch: undefined, master: undefined, group: undefined, history: undefined }, ...same }, { host: 'h', port: 2 }, 'repair').map((o) => `${o.op} ${o.path}`)).toEqual([
      'create /redis/epochs/g',
      'create /redis/masters/g',
    ]);
  });
  it('a change of master appends to the group\'s history in the same transaction, bounded, creating /redis/history when absent', () => {
    const old = Array.from({ length: HISTORY_LIMIT }, (_, i) => ({ at: new Date(0).toISOString(), epoch: i, from: null, to: 'x 1', cause: 'failover' as const }));
    const ops = recordOps({ name: 'g', isDefault: false, epoch: 4, versions: { epoch: 1, master: undefined, group: 2, history: 9 }, record: classifyRecord('a 1'), history: old, historyDir: true }, { host: 'b', port: 2 }, 'switchover', 5);
    expect(ops.map((o) => `${o.op} ${o.path}`)).toEqual(['set /redis/epochs/g', 'set /redis/masters/g', 'set /redis/history/g']);
    const written = parseHistory(String((ops[2] as { data: string }).data));
    expect(written).toHaveLength(HISTORY_LIMIT);
    expect(written.at(-1)).toMatchObject({ epoch: 5, from: 'a 1', to: 'b 2', cause: 'switchover' });
    expect(ops[2]).toMatchObject({ version: 9 });
    const first = recordOps({ name: 'g', isDefault: false, epoch: undefined, versions: { epoch: undefined, master: undefined, group: undefined, history: undefined }, record: classifyRecord(undefined), history: [], historyDir: false }, { host: 'b', port: 2 }, 'claim');
    expect(first.map((o) => `${o.op} ${o.path}`)).toEqual(['create /redis/epochs/g', 'create /redis/masters/g', 'create /redis/history', 'create /redis/history/g']);
    expect(parseHistory(String((first[3] as { data: string }).data))).toMatchObject([{ from: null, to: 'b 2', cause: 'claim', epoch: 0 }]);
  });
  it('history that is not what the writers write is read as empty, entry by entry', () => {
    expect(parseHistory('garbage')).toEqual([]);
    expect(parseHistory('{"a":1}')).toEqual([]);
    expect(parseHistory(JSON.stringify([{ at: 'x', epoch: 1, from: null, to: 'a 1', cause: 'failover' }, { at: 'y', epoch: 'no' }]))).toHaveLength(1);
  });
});
