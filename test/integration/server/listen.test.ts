import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { redisClient, sharedZkHosts, zkClient } from '../../harness/index.js';
import { isUp, startServer } from './helpers.js';

// Mesos-level health checks connect to the task's loopback interface, so a server bound to one
// specific address must answer on 127.0.0.1 as well.
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(external === undefined)(`redis-zk-server bound to ${external ?? 'a non-loopback address (none on this machine: skipped)'}`, () => {
  it('announces that address and answers on it and on 127.0.0.1', async () => {
    const hosts = sharedZkHosts();
    const s = await startServer(hosts, { env: { BIND_IP: external! } });
    await s.proc.waitForLog(isUp, 20_000);
    const zk = await zkClient(hosts);
    expect(await zk.get('/redis/master')).toBe(`${external} ${s.port}`);
    expect(await redisClient(s.port, external!).ping()).toBe('PONG');
    expect(await redisClient(s.port, '127.0.0.1').ping()).toBe('PONG');
  });
});
