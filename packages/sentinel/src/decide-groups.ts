import { formatHostPort, parseHostPort, preview, sameHostPort, type HostPort } from '@redis-zk/core';
import { MASTER_NAME_PATTERN } from '@redis-zk/core';

export type GroupAction =
  | { action: 'monitor'; name: string; master: HostPort; reason: string }
  | { action: 'remove'; name: string; reason: string }
  | { action: 'refuse'; name: string; reason: string };

/**
 * The other groups under /redis/masters (the default group is followed through /redis/master):
 * (1) an invalid name or record is refused; (2) a record naming an instance another group is
 * monitored with (or that two new groups both name) is refused, since two names for one
 * instance would be two independent failovers of it; (3) a new valid group is monitored;
 * (4) a monitored group that vanished is removed. A changed record of a group already
 * monitored is not re-pointed here: the sentinels lead (see decideRepoint).
 *
 * `taken`: `<host> <port>` of every monitored group's master → its name.
 */
/**
 * Rules (2) and (3) for one group with a valid record that is not monitored yet (also the
 * default group when its record appears after the sentinel started): refused when its master is
 * another monitored group's, or the master of `twin`, another new group; monitored otherwise.
 */
export function decideNewGroup(name: string, master: HostPort, taken: ReadonlyMap<string, string>, twin?: string): GroupAction {
  const addr = formatHostPort(master);
  const owner = taken.get(addr);
  if (owner !== undefined && owner !== name) {
    return { action: 'refuse', name, reason: `the record of group ${name} names ${addr}, the master of group ${owner}; one instance is never monitored under two names, so ${name} is not monitored until its record names an instance of its own` };
  }
  if (twin !== undefined) return { action: 'refuse', name, reason: `groups ${name} and ${twin} both name ${addr} as their master; neither is monitored until one record changes` };
  return { action: 'monitor', name, master, reason: `group ${name} appeared with master ${addr}; monitoring it` };
}

export function decideGroups(
  defaultName: string,
  records: ReadonlyMap<string, string>,
  monitored: ReadonlySet<string>,
  taken: ReadonlyMap<string, string> = new Map(),
): GroupAction[] {
  const actions: GroupAction[] = [];
  const candidates: { name: string; master: HostPort }[] = [];
  for (const [name, data] of [...records].sort(([a], [b]) => a.localeCompare(b))) {
    if (name === defaultName || monitored.has(name)) continue;
    if (!MASTER_NAME_PATTERN.test(name)) {
      actions.push({ action: 'refuse', name, reason: `group name ${JSON.stringify(preview(name))} is not a valid master name, so it is not monitored` });
      continue;
    }
    const parsed = parseHostPort(data);
    if (!parsed.ok) {
      actions.push({ action: 'refuse', name, reason: `the record of group ${name} ${JSON.stringify(preview(data))} is not "<host> <port>": ${parsed.reason}; not monitored until it is` });
      continue;
    }
    candidates.push({ name, master: parsed.value });
  }
  for (const c of candidates) {
    const twin = candidates.find((o) => o !== c && sameHostPort(o.master, c.master));
    actions.push(decideNewGroup(c.name, c.master, taken, twin?.name));
  }
  for (const name of monitored) {
    if (name !== defaultName && !records.has(name)) {
      actions.push({ action: 'remove', name, reason: `group ${name} vanished from /redis/masters; no longer monitoring it` });
    }
  }
  return actions;
}
