import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startRedisServer, startZooKeeper, waitFor, zkClient, type ZooKeeperServer } from '../../harness/index.js';
import { redisPid, registered, startSentinel } from './helpers.js';

const SHUTDOWN_TIMEOUT_MS = 3_000;

// pino writes an ISO time.
const logTime = (l: Record<string, unknown>) => Date.parse(String(l.time));

describe('redis-zk-sentinel on the way out with ZooKeeper frozen', () => {
  let zkServer: ZooKeeperServer;
  let hosts: string;

  beforeAll(async () => {
    zkServer = await startZooKeeper();
    hosts = `${zkServer.connectString}/sentinel-shutdown`;
    const zk = await zkClient(hosts);
    const master = await startRedisServer();
    await zk.set('/redis/master', `127.0.0.1 ${master.port}`);
    zk.close();
  }, 90_000);

  async function runningSentinel() {
    const s = await startSentinel(hosts, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    await s.proc.waitForLog(registered, 20_000);
    return { ...s, childPid: await redisPid(s.port) };
  }

  it('SIGTERM: says so at once, gives up on the deregistration quickly, stops redis-sentinel and exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const s = await runningSentinel();
    await zkServer.whileFrozen(async () => {
      const t0 = Date.now();
      s.proc.signal('SIGTERM');
      const exit = await s.proc.exited;
      const took = Date.now() - t0;
      console.log(`SIGTERM with ZooKeeper frozen: exit ${exit.code} after ${took} ms (SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS})`);
      expect(exit.code).toBe(0);
      expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_000);
      const said = s.proc.logs().find((l) => l.event === 'STOPPING');
      expect(said, 'a log line saying the shutdown started').toBeDefined();
      expect(logTime(said!) - t0).toBeLessThan(500);
      expect(s.proc.logs().some((l) => l.event === 'DEREGISTER_FAILED')).toBe(true);
      expect(isAlive(s.childPid)).toBe(false);
    });
  });

  it('kill -9 of redis-sentinel: says so at once and exits 137 within a few seconds', async () => {
    const s = await runningSentinel();
    await zkServer.whileFrozen(async () => {
      const t0 = Date.now();
      process.kill(s.childPid, 'SIGKILL');
      const said = await s.proc.waitForLog((l) => l.event === 'SENTINEL_EXITED', 2_000);
      expect(logTime(said) - t0).toBeLessThan(500);
      const exit = await s.proc.exited;
      const took = Date.now() - t0;
      console.log(`kill -9 of redis-sentinel with ZooKeeper frozen: exit ${exit.code} after ${took} ms`);
      expect(exit.code).toBe(137);
      expect(took).toBeLessThan(4_000);
    });
    // Thawed: the session of the dead wrapper ends, and with it the registration.
    const zk = await zkClient(hosts);
    await waitFor(async () => (await zk.children('/redis/sentinels')).length === 0, { timeoutMs: 15_000, what: 'the dead wrapper\'s registration to vanish' });
  });
});
