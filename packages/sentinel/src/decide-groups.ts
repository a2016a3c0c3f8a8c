import { formatHostPort, parseHostPort, preview, type HostPort } from '@redis-zk/core';
import { MASTER_NAME_PATTERN } from '@redis-zk/core';

export type GroupAction =
  | { action: 'monitor'; name: string; master: HostPort; reason: string }
  | { action: 'remove'; name: string; reason: string }
  | { action: 'refuse'; name: string; reason: string };

/**
 * The other groups under /redis/masters (the default group is followed through /redis/master):
 * start monitoring new valid ones, stop monitoring vanished ones. A changed record of a group
 * already monitored is not re-pointed here: the sentinels lead (see decideRepoint).
 */
export function decideGroups(defaultName: string, records: ReadonlyMap<string, string>, monitored: ReadonlySet<string>): GroupAction[] {
  const actions: GroupAction[] = [];
  for (const [name, data] of records) {
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
    actions.push({ action: 'monitor', name, master: parsed.value, reason: `group ${name} appeared with master ${formatHostPort(parsed.value)}; monitoring it` });
  }
  for (const name of monitored) {
    if (name !== defaultName && !records.has(name)) {
      actions.push({ action: 'remove', name, reason: `group ${name} vanished from /redis/masters; no longer monitoring it` });
    }
  }
  return actions;
}
