import { describe, expect, it } from 'vitest';
import { sharedZkHosts, zkClient } from '../../harness/index.js';
import { startRedisSentinel } from '../../harness/redis-sentinel.js';
import { registeredSentinels, startSentinel } from './helpers.js';

describe('redis-zk-sentinel on a port another sentinel holds', () => {
  it('never registers the other process: exits non-zero with one clear line, /redis/sentinels stays empty', async () => {
    const hosts = sharedZkHosts();
    const zk = await zkClient(hosts);
    await zk.set('/redis/master', '127.0.0.1 6399');
    const foreign = await startRedisSentinel({ masterPort: 6399 });
    const s = await startSentinel(hosts, { PORT0: String(foreign.port) });
    const exit = await s.proc.exited;
    expect(exit.code).not.toBe(0);
    expect(await registeredSentinels(zk)).toEqual([]);
    // The wording on purpose: this is the one line an operator reads to fix the setting.
    const lines = s.proc.logs().filter((l) => l.level === 'fatal' || l.level === 'error').map((l) => String(l.msg));
    expect(lines.join('\n')).toMatch(/exited before it answered|served by another process/);
  });
});
