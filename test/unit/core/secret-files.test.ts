import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerConfig, loadWatcherConfig } from '@redis-zk/core';
import { configErrorOf as errorOf, configFiles } from './config-files.js';

const { dir, write: file } = configFiles('redis-zk-secret-files-');

describe('secrets from files (<NAME>_FILE, as DC/OS mounts them)', () => {
  it('reads REDIS_PASSWORD_FILE, ZK_AUTH_FILE and API_TOKEN_FILE once, without one trailing newline', () => {
    const c = loadServerConfig({ REDIS_PASSWORD_FILE: file('pw', 's3cret-pw\n'), ZK_AUTH_FILE: file('zk', 'redis:zk-s3cret\r\n') });
    expect(c.redisPassword).toBe('s3cret-pw');
    expect(c.zk.auth).toBe('redis:zk-s3cret');
    expect(loadWatcherConfig({ API_TOKEN_FILE: file('token', 'token-0123456789abcdef') }).apiToken).toBe('token-0123456789abcdef');
  });

  it.each<[string, () => Record<string, string>, RegExp]>([
    ['a missing file', () => ({ REDIS_PASSWORD_FILE: join(dir, 'nope') }), /^REDIS_PASSWORD_FILE=".*nope" is invalid: expected a readable file holding REDIS_PASSWORD \(it does not exist\)$/],
    ['a directory', () => ({ REDIS_PASSWORD_FILE: dir }), /expected a regular file holding REDIS_PASSWORD \(it is a directory\)/],
    ['an empty file', () => ({ REDIS_PASSWORD_FILE: file('empty', '\n') }), /expected a file holding REDIS_PASSWORD \(it is empty\)/],
    ['both the value and the file', () => ({ REDIS_PASSWORD: 's3x', REDIS_PASSWORD_FILE: file('both', 's3y') }), /expected either REDIS_PASSWORD or REDIS_PASSWORD_FILE, not both/],
    ['a value the variable refuses', () => ({ ZK_AUTH_FILE: file('bad', 's3-no-colon') }), /^ZK_AUTH_FILE=".*bad" is invalid: expected a file holding ZK_AUTH as digest credentials "user:password"$/],
  ])('refuses %s in one line naming the file variable, never the content', (_what, env, message) => {
    const err = errorOf(() => loadServerConfig(env()));
    expect(err.variable).toMatch(/_FILE$/);
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/s3/);
  });
});
