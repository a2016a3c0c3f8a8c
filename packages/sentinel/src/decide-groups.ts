import { formatHostPort, parseHostPort, preview, type HostPort } from '@redis-zk/core';
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
    const addr = formatHostPort(c.master);
    const owner = taken.get(addr);
    const twin = candidates.find((o) => o !== c && formatHostPort(o.master) === addr);
    if (owner !== undefined && owner !== c.name) {
      actions.push({ action: 'refuse', name: c.name, reason: `the record of group ${c.name} names ${addr}, the master of group ${owner}; one instance is never monitored under two names, so ${c.name} is not monitored until its record names an instance of its own` });
    } else if (twin !== undefined) {
      actions.push({ action: 'refuse', name: c.name, reason: `groups ${c.name} and ${twin.name} both name ${addr} as their master; neither is monitored until one record changes` });
    } else {
      actions.push({ action: 'monitor', name: c.name, master: c.master, reason: `group ${c.name} appeared with master ${addr}; monitoring it` });
    }
  }
  for (const name of monitored) {
    if (name !== defaultName && !records.has(name)) {
      actions.push({ action: 'remove', name, reason: `group ${name} vanished from /redis/masters; no longer monitoring it` });
    }
  }
  return actions;
}
