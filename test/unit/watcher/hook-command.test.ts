import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createLogger } from '@redis-zk/core';
import { checkHookCommand, hookCommandBehaviour } from '../../../packages/watcher/src/behaviours/hook-command.js';

const event = { name: 'mymaster', from: { host: '10.0.0.1', port: 6379 }, to: { host: '10.0.0.2', port: 6380 }, source: 'test', at: new Date() };
const log = createLogger('test', 'fatal');

describe('HOOK_COMMAND', () => {
  it('gets the five arguments as positional parameters, never interpolated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hook-'));
    const out = join(dir, 'args');
    await hookCommandBehaviour(`printf '%s|' >${out}`, 5_000, log).onSwitch({ ...event, name: 'a;touch_x' as string });
    expect(readFileSync(out, 'utf8')).toBe('a;touch_x|10.0.0.1|6379|10.0.0.2|6380|');
  });

  it('is killed after the timeout', async () => {
    const started = Date.now();
    await hookCommandBehaviour('sleep 30; true', 300, log).onSwitch(event);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('checkHookCommand (at start, not at the first failover)', () => {
  it('accepts a builtin, a command on PATH, and an executable path', async () => {
    await expect(checkHookCommand(undefined)).resolves.toBeUndefined();
    await expect(checkHookCommand('echo switched')).resolves.toBeUndefined();
    await expect(checkHookCommand('logger -t redis-zk')).resolves.toBeUndefined();
    await expect(checkHookCommand('/bin/sh -c true')).resolves.toBeUndefined();
  });
  it('refuses a command that does not exist or is not executable, naming HOOK_COMMAND', async () => {
    const plain = join(mkdtempSync(join(tmpdir(), 'hook-')), 'not-executable.sh');
    writeFileSync(plain, 'echo hi\n', { mode: 0o644 });
    for (const [cmd, why] of [
      ['no-such-command-xyz --flag', /no-such-command-xyz is not a shell builtin and not found on PATH/],
      ['/nonexistent/hook.sh', /\/nonexistent\/hook.sh is not an executable file/],
      [plain, /is not an executable file/],
    ] as const) {
      const err = await checkHookCommand(cmd).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('HOOK_COMMAND');
      expect((err as Error).message).toMatch(why);
    }
  });
});
