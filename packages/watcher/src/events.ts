import { parseHostPort, parseSentinelChannelEvent, preview, type HostPort } from '@redis-zk/core';

/** One `+switch-master` announcement: `<name> <old-ip> <old-port> <new-ip> <new-port>`. */
export interface SwitchEvent {
  name: string;
  from: HostPort;
  to: HostPort;
  /** The sentinel that announced it (`host:port`), or `reconcile` for a repair found by asking. */
  source: string;
  /** The announcing sentinel's address, when a sentinel announced it. */
  sentinel?: HostPort;
  at: Date;
}

export type ParsedSwitch =
  | { ok: true; name: string; from: HostPort; to: HostPort }
  | { ok: false; reason: string };

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Sentinel's payload is five space-separated words. Anything else is refused with a sentence,
 * never half-used: a wrong address in ZooKeeper is worse than none.
 */
export function parseSwitchMaster(payload: string): ParsedSwitch {
  if (payload.length > 600) return { ok: false, reason: `payload ${preview(payload)} is too long to be a +switch-master event` };
  const words = payload.trim().split(' ');
  if (words.length !== 5) {
    return { ok: false, reason: `payload ${JSON.stringify(preview(payload))} has ${words.length} words, expected "<name> <old-ip> <old-port> <new-ip> <new-port>"` };
  }
  const [name, oldHost, oldPort, newHost, newPort] = words as [string, string, string, string, string];
  if (!NAME.test(name)) return { ok: false, reason: `group name ${JSON.stringify(preview(name))} is not a valid master name` };
  const from = parseHostPort(`${oldHost} ${oldPort}`);
  if (!from.ok) return { ok: false, reason: `old address is invalid: ${from.reason}` };
  const to = parseHostPort(`${newHost} ${newPort}`);
  if (!to.ok) return { ok: false, reason: `new address is invalid: ${to.reason}` };
  return { ok: true, name, from: from.value, to: to.value };
}

export interface SentinelEventFacts {
  /** The group the event is about (`@ <master-name>` for a replica or sentinel, else the name itself). */
  name: string;
  /** `master`, `slave` or `sentinel`. */
  instanceType: string;
  /** The instance the event is about. */
  instance: string;
}

/**
 * Sentinel's event payloads: `<type> <name> <ip> <port>` for a master, followed by
 * `@ <master-name> <master-ip> <master-port>` for a replica or a sentinel. Undefined when it is
 * neither (the event is then shown without a group).
 */
export function parseSentinelEvent(payload: string): SentinelEventFacts | undefined {
  const e = parseSentinelChannelEvent('', payload);
  if (e === undefined || e.group === undefined || !NAME.test(e.group)) return undefined;
  const [, , ip, port] = payload.trim().split(/\s+/);
  return { name: e.group, instanceType: e.instanceType, instance: `${ip}:${port}` };
}
