import { describe, expect, it } from 'vitest';
import { parseRejection, rejectionError } from '../../../packages/server/src/config-rejection.js';

const stderr = (line: string) => `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 5\n>>> '${line}'\nBad directive or wrong number of arguments\n`;

describe('parseRejection (whose line redis-server refused)', () => {
  it('names REDIS_CONF for one of its lines, as a ConfigError', () => {
    const r = parseRejection(stderr('no-such-directive yes'), 'maxmemory 1mb\nno-such-directive yes\n', []);
    expect(r).toEqual({ line: 'no-such-directive yes', reason: 'Bad directive or wrong number of arguments', source: 'REDIS_CONF' });
    expect(rejectionError(r!, '/etc/base.conf')?.message).toBe(`REDIS_CONF="/etc/base.conf" is invalid: expected a redis.conf that redis-server accepts (it rejects 'no-such-directive yes': Bad directive or wrong number of arguments)`);
  });
  it('names the arguments after -- for theirs (not a REDIS_CONF error)', () => {
    const r = parseRejection(stderr('bogus "1"'), 'maxmemory 1mb\n', ['--bogus', '1']);
    expect(r?.source).toBe('arguments');
    expect(rejectionError(r!, '/etc/base.conf')).toBeUndefined();
  });
  it('nothing when redis-server died for another reason', () => {
    expect(parseRejection('# Could not create server TCP listening socket *:6379: bind: Address already in use', undefined, [])).toBeUndefined();
  });
});
