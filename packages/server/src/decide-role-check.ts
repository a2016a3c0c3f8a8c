import type { RedisProbe } from '@redis-zk/core';

/**
 * The answers of the wrapper's HTTP role checks, for load balancers (HAProxy's `option httpchk`)
 * and Marathon, Patroni-style: pure, from what our redis-server answered.
 *   GET /primary  200 only while ours is the group's master and takes writes (not fenced);
 *   GET /replica  200 only while ours is a replica with its link up, within `?lag=<bytes>` of its
 *                 master when asked;
 *   GET /health   200 while our redis-server answers, in any role (a replica must never be
 *                 killed for being a replica).
 */
export type RoleCheck = 'primary' | 'replica' | 'health';

export interface RoleCheckInput {
  check: RoleCheck;
  own: RedisProbe;
  fenced: boolean;
  /** `?lag=` of /replica, in bytes; undefined when not asked. */
  maxLagBytes: number | undefined;
  /** The master's replication offset, when /replica was asked with a lag and the master answered. */
  masterOffset: number | undefined;
}

export interface RoleCheckAnswer {
  status: 200 | 503;
  body: { role: 'master' | 'replica' | 'unknown'; fenced: boolean; lagBytes?: number; reason: string };
}

export function answerRoleCheck(i: RoleCheckInput): RoleCheckAnswer {
  if (!i.own.reachable) return { status: 503, body: { role: 'unknown', fenced: i.fenced, reason: `our redis-server does not answer: ${i.own.error}` } };
  const role = i.own.role === 'master' ? 'master' : 'replica';
  const no = (reason: string, lagBytes?: number): RoleCheckAnswer => ({ status: 503, body: { role, fenced: i.fenced, ...(lagBytes === undefined ? {} : { lagBytes }), reason } });
  const yes = (reason: string, lagBytes?: number): RoleCheckAnswer => ({ status: 200, body: { role, fenced: i.fenced, ...(lagBytes === undefined ? {} : { lagBytes }), reason } });
  switch (i.check) {
    case 'health':
      return yes(`our redis-server answers as ${role}`);
    case 'primary':
      if (role !== 'master') return no('a replica, not the master');
      if (i.fenced) return no('the master, but fenced: it refuses writes until it is confirmed again');
      return yes('the master, taking writes');
    case 'replica': {
      if (role !== 'replica') return no('the master, not a replica');
      if (!i.own.linkUp) return no('a replica whose link to its master is down');
      if (i.maxLagBytes === undefined) return yes('a replica with its link up');
      if (i.masterOffset === undefined) return no('a replica whose master did not answer, so its lag is unknown');
      const lag = Math.max(0, i.masterOffset - i.own.offset);
      return lag <= i.maxLagBytes ? yes(`a replica ${lag} bytes behind its master`, lag) : no(`a replica ${lag} bytes behind its master, more than lag=${i.maxLagBytes}`, lag);
    }
  }
}
