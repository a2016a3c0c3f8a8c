// The two examples docs/concepts/client-protocol.md gives for applications not on Node: Python
// following the record with kazoo + redis-py (the protocol: watch, live-node check, ROLE), and
// Ruby's redis gem with the sentinels the watcher hands out. Both across a crash failover and a
// switchover of a real Sentinel-mode group: each writes to the new master afterwards, and the
// Ruby writer (SET + WAIT 1) loses nothing it counted.
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, startProcess, waitFor } from '../../harness/index.js';
import { killRedisServer, linkedTo, recordMovedFrom, startFullGroup } from '../../harness/full-group.js';
import { missingKeys } from '../../harness/writer.js';

describe('client examples in other languages', () => {
  it('kazoo + redis-py and Ruby\'s redis with the sentinels follow a crash failover and a switchover', async () => {
    const token = 'other-languages-token';
    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, env: { SENTINEL_DOWN_AFTER_MS: '30000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000', API_TOKEN: token } });
    const first = await g.steady('the group to form');
    const sentinels = await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${g.watcher.port}/sentinels`)).text();
      return text.split(',').filter(Boolean).length === 3 ? text : undefined;
    }, { what: 'GET /sentinels to hand out the three sentinels', timeoutMs: 20_000 });
    const python = startProcess('kazoo', '/usr/bin/python3', ['test/clients/zk_follower.py', zkHosts, '/redis/master', '/redis/nodes', 'py:', '90']);
    const ruby = startProcess('ruby-redis', '/usr/bin/ruby', ['test/clients/sentinel_writer.rb', 'mymaster', sentinels, 'rb:', '90']);
    const acks = (p: typeof ruby) => p.logs().filter((l) => l.event === 'ack') as { key: string; at: number; master?: string }[];
    try {
      await steps();
    } catch (err) {
      // What each example said last, to tell a slow group from an example that stopped following.
      const tail = (p: typeof ruby) => p.output().split('\n').filter((l) => !l.includes('"ack"') && !l.includes('"error"')).slice(-15).join('\n');
      throw new Error(`${(err as Error).message}\n--- python (neither ack nor error) ---\n${tail(python)}\n--- ruby (neither ack nor error) ---\n${tail(ruby)}`);
    } finally {
      python.killGroup();
      ruby.killGroup();
    }
    async function steps(): Promise<void> {
      await waitFor(() => acks(python).length > 20 && acks(ruby).length > 20, { what: 'both examples writing', timeoutMs: 20_000 });
      await killRedisServer(g.servers.find((s) => s.port === first)!);
      const second = await recordMovedFrom(g, first, 20_000);
      await waitFor(() => acks(python).some((a) => a.master === `127.0.0.1 ${second}`), { what: 'the Python example to write to the new master', timeoutMs: 10_000 });
      // Ruby follows the sentinels: after their +switch-master.
      const other = g.servers.find((s) => s.port !== first && s.port !== second)!;
      await linkedTo(other.port, second, 'the other replica linked to the new master', 30_000);
      const beforeSwitch = Date.now();
      await waitFor(async () => (await fetch(`http://127.0.0.1:${g.watcher.port}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' })).status === 200 || undefined, { what: 'POST /switchover to succeed', timeoutMs: 30_000 });
      const third = (await g.recordedPort())!;
      expect(third).not.toBe(second);
      await waitFor(() => acks(python).some((a) => a.master === `127.0.0.1 ${third}`), { what: 'the Python example to write to the switched-over master', timeoutMs: 10_000 });
      await waitFor(() => acks(ruby).filter((a) => a.at > beforeSwitch).length > 20, { what: 'the Ruby example to write after the switchover', timeoutMs: 15_000 });
    }
    // The Python example never wrote anywhere but a live master of the group.
    expect(python.logs().filter((l) => l.event === 'ack' && ![`127.0.0.1 ${first}`].concat(g.servers.map((s) => `127.0.0.1 ${s.port}`)).includes(String(l.master)))).toEqual([]);
    const master = redisClient((await g.recordedPort())!);
    expect(await missingKeys(master, acks(ruby))).toEqual([]);
    master.disconnect();
  }, 120_000);
});
