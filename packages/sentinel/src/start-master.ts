import { askOnce, askSentinels, sentinelVerdict, type GroupSnapshot, type HostPort, type Logger, type RedisAuth } from '@redis-zk/core';
import { decideStartMaster, type StartDecision } from './decide-start.js';
import { roleOf } from './repoint.js';

/** Gathers what the start decision needs: the registered sentinels' verdict and the roles. */
export async function chooseStartMaster(
  snapshot: GroupSnapshot,
  record: HostPort,
  auth: { redis: RedisAuth; sentinel: RedisAuth },
  log: Logger,
): Promise<StartDecision> {
  const sentinels = snapshot.sentinels.map((m) => m.addr);
  const answers = await askSentinels(sentinels, snapshot.name, askOnce(auth.sentinel), { graceMs: 100, deadlineMs: auth.sentinel.timeoutMs });
  const verdict = sentinelVerdict(sentinels.length, answers);
  const agreed = verdict.kind === 'agreed' ? verdict.master : undefined;
  const [recordRole, agreedRole] = await Promise.all([roleOf(record, auth.redis), agreed ? roleOf(agreed, auth.redis) : Promise.resolve(undefined)]);
  log.debug({ sentinels: sentinels.length, verdict: verdict.reason, recordRole, agreedRole }, 'observed the group before choosing the master to monitor');
  return decideStartMaster({ record, verdict, agreedRole, recordRole });
}
