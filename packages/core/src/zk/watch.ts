import type { Zk } from './client.js';

export interface Disposable {
  close(): void;
}

/**
 * Calls `onChange` with the node's UTF-8 data (undefined while it does not exist) now and after
 * every change, re-arming the one-shot ZooKeeper watch after each fire, after a reconnect and
 * after a new session — so a change made while disconnected is still seen. Consecutive equal
 * values may be delivered twice; callers compare.
 */
export function watchData(_zk: Zk, _path: string, _onChange: (value: string | undefined) => void): Disposable {
  throw new Error('not implemented');
}

/**
 * Calls `onChange` with every child's name → UTF-8 data, now and after every change of the set
 * (and of a child's data), re-armed like watchData.
 */
export function watchChildren(_zk: Zk, _path: string, _onChange: (children: Map<string, string>) => void): Disposable {
  throw new Error('not implemented');
}
