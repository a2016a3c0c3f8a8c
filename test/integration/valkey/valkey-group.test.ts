// Valkey 8 as a first-class server: with only valkey-server and valkey-sentinel on PATH (no
// REDIS_*_BIN), the wrappers find them, say what they run, and the group forms, survives a
// kill -9 of the master's server (the crash failover) and a POST /switchover, losing nothing a
// SET + WAIT 1 acknowledged. Every other test runs on Valkey too in CI's second pass.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, waitFor } from '../../harness/index.js';
import { killRedisServer, startDurableWriter, startFullGroup } from '../../harness/full-group.js';
import { missingKeys } from '../../harness/writer.js';

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

const VALKEY = { server: which('valkey-server'), sentinel: which('valkey-sentinel'), setpriv: which('setpriv') };
const missing = VALKEY.server === undefined || VALKEY.sentinel === undefined;

/** A PATH holding Valkey's binaries and nothing named redis-*. */
function valkeyOnlyPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rzk-valkey-path-'));
  for (const [name, target] of Object.entries({ 'valkey-server': VALKEY.server, 'valkey-sentinel': VALKEY.sentinel, setpriv: VALKEY.setpriv })) if (target !== undefined) symlinkSync(target, join(dir, name));
  return dir;
}

describe.skipIf(missing)('a Valkey 8 group (skipped: valkey-server/valkey-sentinel not installed; scripts/setup.sh --valkey installs them)', () => {
  it('found on PATH without configuration, named with its own version; fails over on a crash and switches over, nothing acknowledged lost', async () => {
    const token = 'valkey-test-token';
    const env = { PATH: valkeyOnlyPath(), SENTINEL_DOWN_AFTER_MS: '30000', SENTINEL_FAILOVER_TIMEOUT_MS: '10000', API_TOKEN: token, REDIS_SERVER_BIN: '', REDIS_SENTINEL_BIN: '' };
    const g = await startFullGroup({ zkHosts: sharedZkHosts(), env });
    const master = await g.steady('the Valkey group to form', 60_000);

    // Found and named: valkey 8.x, not the redis_version 7.2.4 it reports for compatibility.
    for (const s of g.servers) expect((await s.proc.waitForLog((l) => l.event === 'SERVER_UP', 10_000)).server).toMatch(/^valkey 8\./);
    for (const s of g.sentinels) expect((await s.proc.waitForLog((l) => l.event === 'SENTINEL_REGISTERED', 10_000)).server).toMatch(/^valkey 8\./);
    const status = await waitFor(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${g.watcher.port}/status`, { headers: { accept: 'application/json' } })).json()) as { master: { server: string | null } | null };
      return r.master?.server ? r : undefined;
    }, { what: '/status to name the master\'s server', timeoutMs: 10_000 });
    expect(status.master!.server).toMatch(/^valkey 8\./);

    const writer = startDurableWriter(g, 'valkey:', 300);
    try {
      await waitFor(() => writer.acks.length > 50, { what: 'the writer acknowledged on the Valkey master', timeoutMs: 15_000 });
      // The crash failover, long before the sentinels' 30 s down-after.
      const old = g.servers.find((s) => s.port === master)!;
      await killRedisServer(old);
      const done = await old.proc.waitForLog((x) => x.event === 'CRASH_FAILED_OVER' || x.event === 'CRASH_FAILOVER_FAILED' || x.event === 'CRASH_FAILOVER_SKIPPED', 15_000);
      expect(done.event, JSON.stringify(done)).toBe('CRASH_FAILED_OVER');
      const crashedTo = Number(String(done.master).split(' ')[1]);
      expect(await g.recordedPort()).toBe(crashedTo);
      const live = g.servers.filter((s) => s !== old);
      await waitFor(async () => {
        const other = live.find((s) => s.port !== crashedTo)!;
        const oc = redisClient(other.port);
        const info = await oc.info('replication').finally(() => oc.disconnect());
        return info.includes(`master_port:${crashedTo}`) && info.includes('master_link_status:up');
      }, { what: 'the other replica linked to the new master', timeoutMs: 30_000 });
      const before = writer.acks.length;
      await waitFor(() => writer.acks.length > before + 20, { what: 'writes acknowledged on the new master', timeoutMs: 15_000 });

      // A planned switchover through the watcher.
      const res = await waitFor(async () => {
        const r = await fetch(`http://127.0.0.1:${g.watcher.port}/switchover`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
        return r.status === 200 ? r : undefined;
      }, { what: 'POST /switchover to succeed', timeoutMs: 30_000 });
      const body = (await res.json()) as { to: string };
      const switchedTo = await waitFor(async () => {
        const p = await g.recordedPort();
        return p !== undefined && p !== crashedTo ? p : undefined;
      }, { what: 'the record to move on the switchover', timeoutMs: 10_000 });
      expect(body.to).toContain(String(switchedTo));
      const after = writer.acks.length;
      await waitFor(() => writer.acks.length > after + 20, { what: 'writes acknowledged after the switchover', timeoutMs: 15_000 });
    } finally {
      await writer.stop();
    }
    const c = redisClient((await g.recordedPort())!);
    const lost = await missingKeys(c, writer.acks);
    c.disconnect();
    expect(lost, `${lost.length} of ${writer.acks.length} acknowledged writes lost`).toEqual([]);
  }, 180_000);
});
