import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { ZkConfig } from '../config/load.js';

export interface Stat {
  version: number;
  /** Creation zxid / modification zxid as decimal strings (64-bit). */
  czxid: string;
  mzxid: string;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

export interface NodeData {
  data: Buffer;
  stat: Stat;
}

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

export type TxOp =
  | { op: 'create'; path: string; data?: Buffer | string; mode?: CreateMode }
  | { op: 'set'; path: string; data: Buffer | string; version?: number }
  | { op: 'remove'; path: string; version?: number }
  | { op: 'check'; path: string; version: number };

export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

/**
 * Events:
 * - `state` (state: ZkState) on every change;
 * - `connected` when (re)connected — same session or new;
 * - `session` after a *new* session was established following expiry (ephemerals and watches
 *   of the old session are gone; owners re-create/re-arm them);
 * - `disconnected`.
 */
export interface ZkEvents {
  state: [ZkState];
  connected: [];
  session: [];
  disconnected: [];
}

/**
 * A promise layer over node-zookeeper-client. Every request has a deadline
 * (`connectTimeoutMs`): node-zookeeper-client queues requests made while disconnected without
 * any timeout. An expired session is replaced by a new client automatically.
 * Errors are RedisZkError with ZK_* codes.
 */
export class Zk extends EventEmitter<ZkEvents> {
  /** Connects within `config.connectTimeoutMs` (ZK_CONNECT_TIMEOUT on failure), creating a missing chroot. */
  static async connect(_config: ZkConfig, _log: Logger): Promise<Zk> {
    throw new Error('not implemented');
  }
  get state(): ZkState {
    throw new Error('not implemented');
  }
  /** Data and stat, or undefined when the node does not exist. `watch` fires once on change/delete. */
  async get(_path: string, _watch?: () => void): Promise<NodeData | undefined> {
    throw new Error('not implemented');
  }
  async exists(_path: string, _watch?: () => void): Promise<Stat | undefined> {
    throw new Error('not implemented');
  }
  /** Children names (not paths); [] when the node does not exist. */
  async children(_path: string, _watch?: () => void): Promise<string[]> {
    throw new Error('not implemented');
  }
  /** Returns the created path (with the sequence suffix for sequential modes). */
  async create(_path: string, _data?: Buffer | string, _mode?: CreateMode): Promise<string> {
    throw new Error('not implemented');
  }
  async set(_path: string, _data: Buffer | string, _version?: number): Promise<Stat> {
    throw new Error('not implemented');
  }
  /** Removing a missing node is not an error. */
  async remove(_path: string, _version?: number): Promise<void> {
    throw new Error('not implemented');
  }
  /** Creates the path and its missing parents as persistent, empty nodes; existing ones are fine. */
  async mkdirp(_path: string): Promise<void> {
    throw new Error('not implemented');
  }
  /** All or nothing; a failed op rejects with the code of the first failing op. */
  async transaction(_ops: TxOp[]): Promise<void> {
    throw new Error('not implemented');
  }
  /** Closes the session (ephemerals vanish at once). */
  async close(): Promise<void> {
    throw new Error('not implemented');
  }
}
