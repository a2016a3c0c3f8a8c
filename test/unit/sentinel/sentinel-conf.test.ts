import { describe, expect, it } from 'vitest';
import { generateSentinelConf, type SentinelConfInput } from '../../../packages/sentinel/src/sentinel-conf.js';

const base: SentinelConfInput = {
  port: 26380,
  bind: '127.0.0.1',
  dir: '/tmp/s',
  announceIp: '10.0.0.5',
  announcePort: 26380,
  quorum: 2,
  downAfterMs: 1000,
  failoverTimeoutMs: 3000,
  parallelSyncs: 1,
  authPass: undefined,
  groups: [{ name: 'mymaster', master: { host: '10.0.0.7', port: 6379 } }],
  base: undefined,
};

describe('generateSentinelConf', () => {
  it('writes our directives, the monitor line with the quorum and the timings', () => {
    const text = generateSentinelConf(base);
    const lines = text.split('\n');
    expect(lines).toContain('port 26380');
    expect(lines).toContain('bind 127.0.0.1');
    expect(lines).toContain('dir /tmp/s');
    expect(lines).toContain('sentinel announce-ip 10.0.0.5');
    expect(lines).toContain('sentinel announce-port 26380');
    expect(lines).toContain('sentinel monitor mymaster 10.0.0.7 6379 2');
    expect(lines).toContain('sentinel down-after-milliseconds mymaster 1000');
    expect(lines).toContain('sentinel failover-timeout mymaster 3000');
    expect(lines).toContain('sentinel parallel-syncs mymaster 1');
    expect(text).not.toContain('auth-pass');
    expect(lines.indexOf('sentinel monitor mymaster 10.0.0.7 6379 2')).toBeLessThan(lines.indexOf('sentinel down-after-milliseconds mymaster 1000'));
  });

  it('adds auth-pass for every group when a password is set', () => {
    const text = generateSentinelConf({
      ...base,
      authPass: 's3cret',
      groups: [...base.groups, { name: 'other', master: { host: '10.0.0.8', port: 6380 } }],
    });
    expect(text).toContain('sentinel auth-pass mymaster s3cret');
    expect(text).toContain('sentinel auth-pass other s3cret');
    expect(text).not.toContain('auth-user');
    expect(generateSentinelConf({ ...base, authPass: 's3cret', authUser: 'redis-zk-ops' })).toContain('sentinel auth-user mymaster redis-zk-ops');
    expect(text).toContain('sentinel monitor other 10.0.0.8 6380 2');
  });

  it('with SENTINEL_PASSWORD: requirepass and sentinel-pass are ours, replacing any in the base', () => {
    const text = generateSentinelConf({ ...base, sentinelPass: 'sent-s3', base: 'requirepass other\nsentinel sentinel-pass other\nsentinel sentinel-user bob' });
    expect(text).toContain('requirepass sent-s3');
    expect(text).toContain('sentinel sentinel-pass sent-s3');
    expect(text).not.toMatch(/other|sentinel-user/);
    expect(generateSentinelConf(base)).not.toMatch(/requirepass|sentinel-pass/);
  });

  it('merges the user base without truncating it, dropping only what we own', () => {
    const user = [
      '# my settings',
      'port 1234',
      'bind 0.0.0.0',
      'dir /var/lib',
      'daemonize yes',
      'logfile ""',
      'sentinel myid 0123456789abcdef0123456789abcdef01234567',
      'sentinel announce-ip 1.2.3.4',
      'sentinel deny-scripts-reconfig yes',
      'sentinel monitor mymaster 1.1.1.1 6379 3',
      'sentinel down-after-milliseconds mymaster 99999',
      'sentinel known-sentinel mymaster 9.9.9.9 26379 abc',
      'sentinel notification-script mymaster /bin/notify.sh',
      'sentinel monitor theirs 2.2.2.2 6379 2',
      'sentinel down-after-milliseconds theirs 5000',
      '',
    ].join('\n');
    const text = generateSentinelConf({ ...base, base: user });
    const lines = text.split('\n');
    for (const kept of ['# my settings', 'logfile ""', 'sentinel deny-scripts-reconfig yes', 'sentinel monitor theirs 2.2.2.2 6379 2', 'sentinel down-after-milliseconds theirs 5000']) {
      expect(lines).toContain(kept);
    }
    for (const dropped of ['port 1234', 'bind 0.0.0.0', 'dir /var/lib', 'daemonize yes', 'sentinel announce-ip 1.2.3.4', 'sentinel monitor mymaster 1.1.1.1 6379 3', 'sentinel down-after-milliseconds mymaster 99999']) {
      expect(lines).not.toContain(dropped);
    }
    expect(text).not.toContain('myid');
    expect(text).not.toContain('known-sentinel');
    // A per-group user setting must follow our monitor line, or redis-sentinel refuses the file.
    expect(lines.indexOf('sentinel notification-script mymaster /bin/notify.sh')).toBeGreaterThan(lines.indexOf('sentinel monitor mymaster 10.0.0.7 6379 2'));
    expect(lines.filter((l) => l.startsWith('port '))).toEqual(['port 26380']);
  });

  it('keeps the user protected-mode and asks sentinel to resolve host names when a master is a name', () => {
    const text = generateSentinelConf({ ...base, base: 'protected-mode yes', groups: [{ name: 'mymaster', master: { host: 'redis-1.example', port: 6379 } }] });
    expect(text).toContain('protected-mode yes');
    expect(text).not.toContain('protected-mode no');
    expect(text).toContain('sentinel resolve-hostnames yes');
    expect(generateSentinelConf(base)).toContain('protected-mode no');
  });
});
