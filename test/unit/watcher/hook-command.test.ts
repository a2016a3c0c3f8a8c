import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@redis-zk/core';
import { hookCommandBehaviour } from '../../../packages/watcher/src/behaviours/hook-command.js';

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
