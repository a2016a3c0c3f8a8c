import { Redis } from 'ioredis';
import { formatHostPort, type HostPort } from '../hostport.js';
import { linkOptions } from './connection.js';
import type { Zk } from '../zk/client.js';
import { watchChildren } from '../zk/watch.js';
import { SENTINELS } from '../zk/paths.js';
import { parseMembers } from '../coordination/snapshot.js';
import type { RedisAuth } from './probe.js';

/** A Sentinel event (`+selected-slave slave <ip>:<port> <ip> <port> @ <group> <ip> <port>`) reduced to its parts. */
export interface SentinelEvent {
  channel: string;
  /** `master` or `slave` or `sentinel`. */
  instanceType: string;
  instance: HostPort | undefined;
  /** The group the instance belongs to, and its master, when the event says. */
  group: string | undefined;
  master: HostPort | undefined;
}

export function parseSentinelChannelEvent(channel: string, payload: string): SentinelEvent | undefined {
  const words = payload.trim().split(/\s+/);
  if (words.length < 4 || payload.length > 600) return undefined;
  const [instanceType, instanceName, ip, port] = words as [string, string, string, string];
  const addr = (h: string | undefined, p: string | undefined): HostPort | undefined => (h !== undefined && /^[0-9]{1,5}$/.test(p ?? '') ? { host: h, port: Number(p) } : undefined);
  const at = words.indexOf('@');
  if (instanceType === 'master') return { channel, instanceType, instance: addr(ip, port), group: instanceName, master: addr(ip, port) };
  return { channel, instanceType, instance: addr(ip, port), group: at >= 0 ? words[at + 1] : undefined, master: at >= 0 ? addr(words[at + 2], words[at + 3]) : undefined };
}

/**
 * Subscribes to `channels` on every sentinel registered in `/redis/sentinels`, following the
 * registry: a wrapper that must react to a failover as it happens (not when the record moves)
 * hears it from whichever sentinel leads it. Connections reconnect by themselves.
 */
export function subscribeSentinels(zk: Zk, auth: RedisAuth, channels: readonly string[], onEvent: (e: SentinelEvent, from: HostPort) => void): { close(): void } {
  const links = new Map<string, Redis>();
  let closed = false;
  const open = (s: HostPort): Redis => {
    const client = new Redis({
      ...linkOptions(s, auth),
      retryStrategy: () => 1_000,
      maxRetriesPerRequest: null,
    });
    // A sentinel that is away is heard again when it is back; nothing to report meanwhile.
    client.on('error', () => undefined);
    client.on('message', (channel: string, payload: string) => {
      const e = parseSentinelChannelEvent(channel, payload);
      if (e !== undefined && !closed) onEvent(e, s);
    });
    void client.subscribe(...channels).catch(() => undefined);
    return client;
  };
  const watch = watchChildren(zk, SENTINELS, (children) => {
    if (closed) return;
    const now = new Map(parseMembers(SENTINELS, children).map((m) => [formatHostPort(m.addr), m.addr]));
    for (const [key, client] of links) {
      if (now.has(key)) continue;
      client.disconnect();
      links.delete(key);
    }
    for (const [key, addr] of now) if (!links.has(key)) links.set(key, open(addr));
  });
  return {
    close() {
      closed = true;
      watch.close();
      for (const c of links.values()) c.disconnect();
      links.clear();
    },
  };
}
