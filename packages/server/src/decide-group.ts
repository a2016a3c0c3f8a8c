import { formatHostPort, parseHostPort } from '@redis-zk/core';

export interface GroupIdentity {
  name: string;
  /** MASTER_NAME equals DEFAULT_MASTER_NAME: the group keeps /redis/lock, /redis/nodes and /redis/master. */
  isDefault: boolean;
  defaultName: string;
  /** `/redis/master` as read, if any. */
  master: string | undefined;
  /** `/redis/masters/<name>` of every group. */
  records: ReadonlyMap<string, string>;
}

export type GroupIdentityDecision = { action: 'proceed'; reason: string } | { action: 'refuse'; reason: string };

/**
 * A server must never join another group's lock and nodes. Before groups, every server used
 * `/redis/lock` and wrote `/redis/master` whatever its MASTER_NAME, so a 0.1.0 deployment named
 * `foo` has `/redis/master` equal to `/redis/masters/foo`. A new server whose DEFAULT_MASTER_NAME
 * does not say `foo` would otherwise either split from its old peers (a second lock, a second
 * master) or, in the default group, join foo's. Both are refused with the setting that fixes it.
 *
 * (1) non-default group, its record is the default group's record → refuse (it is the default);
 * (2) default group, `/redis/master` is another group's record and not ours → refuse;
 * (3) otherwise proceed.
 */
export function decideGroupIdentity(g: GroupIdentity): GroupIdentityDecision {
  const master = g.master === undefined ? undefined : parseHostPort(g.master);
  const recordedMaster = master?.ok ? formatHostPort(master.value) : undefined;
  const sameAsMaster = (value: string | undefined) => {
    const p = value === undefined ? undefined : parseHostPort(value);
    return recordedMaster !== undefined && p?.ok === true && formatHostPort(p.value) === recordedMaster;
  };
  const own = g.records.get(g.name);
  if (!g.isDefault && sameAsMaster(own)) {
    return {
      action: 'refuse',
      reason: `MASTER_NAME=${g.name}: group ${g.name} is this chroot's default group (/redis/master records its master ${recordedMaster}, the layout of 0.1.0), but DEFAULT_MASTER_NAME is ${g.defaultName}; set DEFAULT_MASTER_NAME=${g.name} so this server shares /redis/lock with the group's other servers`,
    };
  }
  if (g.isDefault && recordedMaster !== undefined && !sameAsMaster(own)) {
    const owner = [...g.records].find(([name, value]) => name !== g.name && sameAsMaster(value))?.[0];
    if (owner !== undefined) {
      return {
        action: 'refuse',
        reason: `MASTER_NAME=${g.name}: /redis/master records ${recordedMaster}, the master of group ${owner}, so ${owner} is this chroot's default group; give this server DEFAULT_MASTER_NAME=${owner} (a group of its own) or MASTER_NAME=${owner} (to join ${owner})`,
      };
    }
  }
  return { action: 'proceed', reason: g.isDefault ? `group ${g.name} is the default group (/redis/master, /redis/lock, /redis/nodes)` : `group ${g.name} lives under /redis/groups/${g.name}` };
}
