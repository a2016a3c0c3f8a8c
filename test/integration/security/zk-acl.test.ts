// ZK_AUTH (on by default in marathon/): every node the programs create is readable by everyone
// and writable only by that identity. Against a group made by real wrappers with ZK_AUTH, a
// client without it can read the master but cannot register a sentinel, move the record, or
// touch the lock.
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { sharedZkHosts, waitFor, zkClient } from '../../harness/index.js';
import { isUp, startServer } from '../server/helpers.js';
import { registered, startSentinel } from '../sentinel/helpers.js';

const AUTH = 'redis-zk:acl-test-pw';
const codeOf = (err: unknown) => (err as { getCode?: () => number }).getCode?.();

describe('ZooKeeper ACLs with ZK_AUTH', () => {
  it('an unauthenticated client reads the record but cannot register a sentinel, change a record, or create or delete lock nodes', async () => {
    const hosts = sharedZkHosts();
    const server = await startServer(hosts, { env: { ZK_AUTH: AUTH } });
    await server.proc.waitForLog(isUp, 20_000);
    const sentinel = await startSentinel(hosts, { ZK_AUTH: AUTH });
    await sentinel.proc.waitForLog(registered, 20_000);

    const anonymous = await zkClient(hosts);
    const recorded = await waitFor(async () => (await anonymous.get('/redis/master')) || false, { what: 'the record, readable by anyone' });
    expect(recorded).toBe(`127.0.0.1 ${server.port}`);
    expect(await anonymous.children('/redis/sentinels')).toHaveLength(1);

    const attempts: [string, () => Promise<unknown>][] = [
      ['register a sentinel', () => anonymous.create('/redis/sentinels/forged', '10.6.6.6 26379', zookeeper.CreateMode.EPHEMERAL)],
      ['change /redis/master', () => anonymous.set('/redis/master', '10.6.6.6 6379')],
      ['change /redis/masters/mymaster', () => anonymous.set('/redis/masters/mymaster', '10.6.6.6 6379')],
      ['change the epoch', () => anonymous.set('/redis/epochs/mymaster', '999')],
      ['take the lock', () => anonymous.create('/redis/lock/forged-', '', zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL)],
      ['delete the lock node', () => anonymous.remove('/redis/lock')],
      ['delete a live node', async () => anonymous.remove(`/redis/nodes/${(await anonymous.children('/redis/nodes'))[0]}`)],
      ['delete the sentinel registration', async () => anonymous.remove(`/redis/sentinels/${(await anonymous.children('/redis/sentinels'))[0]}`)],
    ];
    for (const [what, attempt] of attempts) {
      const err = await attempt().then(() => undefined, (e: unknown) => e);
      expect(codeOf(err), `${what}: ${String(err)}`).toBe(zookeeper.Exception.NO_AUTH);
    }
    // Nothing moved, and the credentials are in no node's data.
    expect(await anonymous.get('/redis/master')).toBe(recorded);
    expect(await anonymous.children('/redis/sentinels')).toHaveLength(1);
    for (const path of ['/redis/master', '/redis/masters/mymaster', `/redis/nodes/${(await anonymous.children('/redis/nodes'))[0]}`]) {
      expect(await anonymous.get(path)).not.toContain('acl-test-pw');
    }
  });
});
