import { parseHostPort, sentinelMasterAddr, zkPaths, type HostPort, type Logger, type RedisAuth, type Zk } from '@redis-zk/core';
import { decideStartMaster, sentinelAgreement, type StartDecision } from './decide-start.js';
import { roleOf } from './repoint.js';

/** Gathers what the start decision needs: the live registered sentinels' view and the roles. */
export async function chooseStartMaster(
  zk: Zk,
  record: HostPort,
  name: string,
  auth: { redis: RedisAuth; sentinel: RedisAuth },
  log: Logger,
): Promise<StartDecision> {
  const sentinels: HostPort[] = [];
  for (const id of await zk.children(zkPaths.SENTINELS)) {
    const node = await zk.get(`${zkPaths.SENTINELS}/${id}`);
    const parsed = node ? parseHostPort(node.data.toString('utf8')) : undefined;
    if (parsed?.ok) sentinels.push(parsed.value);
  }
  const says = (await Promise.all(sentinels.map((s) => sentinelMasterAddr(s, auth.sentinel, name)))).filter((a): a is HostPort => a !== undefined);
  const agreed = sentinelAgreement(says);
  const [recordRole, agreedRole] = await Promise.all([roleOf(record, auth.redis), agreed ? roleOf(agreed, auth.redis) : Promise.resolve(undefined)]);
  log.debug({ sentinels: sentinels.length, answered: says.length, recordRole, agreedRole }, 'observed the group before choosing the master to monitor');
  return decideStartMaster({ record, sentinelsSay: says, agreedRole, recordRole });
}
