import { setTimeout as sleep } from 'node:timers/promises';
import { askOnce, askSentinels, sentinelVerdict, type GroupSnapshot, type HostPort, type Logger, type RedisAuth } from '@redis-zk/core';
import { decideStartMaster, type StartDecision } from './decide-start.js';
import { roleOf } from './repoint.js';

const FAILOVER_SETTLE_MS = 10_000;

/** Gathers what the start decision needs: the registered sentinels' verdict and the roles. */
export async function chooseStartMaster(
  snapshot: GroupSnapshot,
  record: HostPort,
  auth: { redis: RedisAuth; sentinel: RedisAuth },
  log: Logger,
): Promise<StartDecision> {
  const sentinels = snapshot.sentinels.map((m) => m.addr);
  const ask = () => askSentinels(sentinels, snapshot.name, askOnce(auth.sentinel), { graceMs: 100, deadlineMs: auth.sentinel.timeoutMs });
  let answers = await ask();
  let verdict = sentinelVerdict(sentinels.length, answers);
  // A sentinel still finishing a failover votes once it has: worth a few seconds' wait, since
  // without its vote there may be no majority and we would monitor a master that just died.
  const until = Date.now() + FAILOVER_SETTLE_MS;
  while (verdict.kind === 'none' && answers.some((a) => a.kind === 'failover-in-progress') && Date.now() < until) {
    log.info({ event: 'FAILOVER_UNDER_WAY', verdict: verdict.reason }, 'a registered sentinel is still finishing a failover; asking again shortly');
    await sleep(500);
    answers = await ask();
    verdict = sentinelVerdict(sentinels.length, answers);
  }
  const agreed = verdict.kind === 'agreed' ? verdict.master : undefined;
  const [recordRole, agreedRole] = await Promise.all([roleOf(record, auth.redis), agreed ? roleOf(agreed, auth.redis) : Promise.resolve(undefined)]);
  log.debug({ sentinels: sentinels.length, verdict: verdict.reason, recordRole, agreedRole }, 'observed the group before choosing the master to monitor');
  return decideStartMaster({ record, verdict, agreedRole, recordRole });
}
