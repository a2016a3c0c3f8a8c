/**
 * Every program says where it is connecting and for how long before the bounded wait, so a
 * wrong ZK_HOSTS is not met with silence until ZK_CONNECT_TIMEOUT_MS runs out.
 */
import { describe, expect, it } from 'vitest';
import { freePort, runProgramToExit, tempDir, type ProgramName } from '../../harness/index.js';

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('connecting to ZooKeeper', () => {
  for (const program of ['watcher', 'server', 'sentinel'] as ProgramName[]) {
    it(`redis-zk-${program} logs where and how long it waits, then gives up after that long`, async () => {
      // Nobody listens there: the port was free a moment ago.
      const hosts = `127.0.0.1:${await freePort()}/wrong`;
      const started = Date.now();
      const r = await runProgramToExit(program, {
        ZK_HOSTS: hosts,
        ZK_CONNECT_TIMEOUT_MS: '1500',
        ZK_AUTH: 'user:s3cret-value',
        BIND_IP: '127.0.0.1',
        PORT0: String(await freePort()),
        SENTINEL_DIR: tempDir('zk-connect-'),
        REDIS_DATA_DIR: tempDir('zk-connect-'),
      });
      const elapsed = Date.now() - started;
      expect(r.code).toBe(1);
      const msgs = jsonLines(r.stdout).map((l) => String(l.msg));
      const connecting = msgs.indexOf(`connecting to ZooKeeper at ${hosts} (waiting up to 1500 ms)`);
      expect(connecting).toBeGreaterThanOrEqual(0);
      expect(msgs.findIndex((m) => m.startsWith('Could not connect to ZooKeeper'))).toBeGreaterThan(connecting);
      expect(r.stderr).toContain(`Could not connect to ZooKeeper at ${hosts} within 1500 ms.`);
      expect(r.stdout + r.stderr).not.toContain('s3cret-value');
      // The stated wait, not twice it (the chroot client and the session client share one deadline).
      expect(elapsed).toBeLessThan(1_500 + 2_500);
    });
  }
});
