import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinary, SENTINEL_BINARIES, SERVER_BINARIES } from '../../../packages/core/src/config/binaries.js';
import { serverFromInfo, parseInfo } from '../../../packages/core/src/redis/probe.js';

function dirWith(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'rzk-bin-'));
  for (const n of names) {
    writeFileSync(join(dir, n), '#!/bin/sh\n');
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

describe('findBinary', () => {
  it('takes redis-* when installed, valkey-* when only those are, and names redis-* when neither is', () => {
    expect(findBinary(SERVER_BINARIES, [dirWith('valkey-server'), dirWith('redis-server')].join(delimiter))).toBe('redis-server');
    expect(findBinary(SENTINEL_BINARIES, dirWith('valkey-sentinel', 'valkey-server'))).toBe('valkey-sentinel');
    expect(findBinary(SERVER_BINARIES, dirWith())).toBe('redis-server');
  });
  it('skips a file that is not executable', () => {
    const dir = dirWith('valkey-server');
    writeFileSync(join(dir, 'redis-server'), 'not a program');
    expect(findBinary(SERVER_BINARIES, dir)).toBe('valkey-server');
  });
});

describe('serverFromInfo', () => {
  it("names Valkey by its own version, not the redis_version it reports for compatibility", () => {
    expect(serverFromInfo(parseInfo('# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n'))).toBe('valkey 8.0.1');
    expect(serverFromInfo(parseInfo('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n'))).toBe('redis 7.0.15');
  });
});
