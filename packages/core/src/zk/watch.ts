import type { NodeData, Zk } from './client.js';
import { RedisZkError } from '../errors.js';
import { SingleFlight } from '../coordination/single-flight.js';

export interface Disposable {
  close(): void;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 2_000;

/**
 * Runs `read` now, after each fire of the watch it sets (it must pass `watcher` to every ZooKeeper
 * call), after every reconnect and new session, and again after a failure (short backoff) until
 * closed. Overlapping triggers collapse into one more read. `watcher` is one function for the
 * life of the watch: node-zookeeper-client registers a given function at most once per path, so
 * re-arming never piles up listeners.
 */
function rearming(zk: Zk, what: string, read: (watcher: () => void) => Promise<void>): Disposable {
  let closed = false;
  let backoff = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const reading = new SingleFlight<void>(async () => {
    if (closed) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    try {
      await read(watcher);
      backoff = RETRY_MIN_MS;
    } catch (err) {
      if (closed || zk.state === 'closed' || (err instanceof RedisZkError && err.code === 'ZK_CLOSED')) return;
      zk.log.warn({ event: 'ZK_WATCH_RETRY', err: (err as Error).message, path: what, retryInMs: backoff }, 'ZooKeeper watch read failed; retrying');
      retryTimer = setTimeout(kick, backoff);
      backoff = Math.min(backoff * 2, RETRY_MAX_MS);
    }
  });
  const kick = (): void => {
    if (!closed) void reading.request();
  };
  const watcher = (): void => kick();

  zk.on('connected', kick);
  zk.on('session', kick);
  kick();
  return {
    close(): void {
      closed = true;
      clearTimeout(retryTimer);
      zk.off('connected', kick);
      zk.off('session', kick);
    },
  };
}

function deliver<T>(zk: Zk, path: string, onChange: (value: T) => void, value: T): void {
  try {
    onChange(value);
  } catch (err) {
    // A failing consumer must not stop the watch nor make us re-read in a loop.
    zk.log.error({ event: 'ZK_WATCH_CALLBACK_FAILED', err, path }, 'a ZooKeeper watch callback threw');
  }
}

function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Calls `onChange` with the node's UTF-8 data (undefined while it does not exist) now and after
 * every change, re-arming the one-shot ZooKeeper watch after each fire, after a reconnect and
 * after a new session — so a change made while disconnected is still seen. Consecutive equal
 * values may be delivered twice; callers compare.
 */
export function watchData(zk: Zk, path: string, onChange: (value: string | undefined) => void): Disposable {
  return watchNode(zk, path, (node) => onChange(node?.data.toString('utf8')));
}

/** watchData with the node's stat as well (who owns an ephemeral node, its version). */
export function watchNode(zk: Zk, path: string, onChange: (node: NodeData | undefined) => void): Disposable {
  let closed = false;
  const handle = rearming(zk, path, async (watcher) => {
    const node = await zk.get(path, watcher);
    if (!closed) deliver(zk, path, onChange, node);
  });
  return {
    close(): void {
      closed = true;
      handle.close();
    },
  };
}

/**
 * Calls `onChange` with every child's name → UTF-8 data, now and after every change of the set
 * (and of a child's data), re-armed like watchData. A child that vanishes between the listing
 * and its read is left out (its deletion fires the watch again anyway).
 */
export function watchChildren(zk: Zk, path: string, onChange: (children: Map<string, string>) => void): Disposable {
  let closed = false;
  const handle = rearming(zk, path, async (watcher) => {
    const names = (await zk.children(path, watcher)).sort();
    const nodes = await Promise.all(names.map((name) => zk.get(childPath(path, name), watcher)));
    const result = new Map<string, string>();
    names.forEach((name, i) => {
      const node = nodes[i];
      if (node) result.set(name, node.data.toString('utf8'));
    });
    if (!closed) deliver(zk, path, onChange, result);
  });
  return {
    close(): void {
      closed = true;
      handle.close();
    },
  };
}

/**
 * The holder (`<host> <port>`) of a leadership node (`/redis/leader`, FAILOVER_MODE=zookeeper), or
 * undefined. Only an ephemeral node is a leadership: a session holds it and it goes with the
 * session. A persistent node at the path (written by hand, or by a tool) holds nothing.
 */
export function leadershipHolder(node: NodeData | undefined): string | undefined {
  return node !== undefined && node.stat.ephemeralOwner !== '0' ? node.data.toString('utf8') : undefined;
}
