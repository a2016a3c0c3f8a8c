import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { Logger } from '../log.js';
import type { ZkConfig } from '../config/load.js';
import { ConfigError, RedisZkError, type ErrorCode } from '../errors.js';
import { limitHandshake, limitSilence, restoreLastVersion, shutdownClient } from './library-patches.js';

export interface Stat {
  version: number;
  /** Creation zxid / modification zxid as decimal strings (64-bit). */
  czxid: string;
  mzxid: string;
  /** Session id owning an ephemeral node, decimal; `'0'` for a persistent node. Compare with `Zk.sessionId`. */
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

type Client = zookeeper.Client;
type Callback<T> = (err: unknown, value?: T) => void;

const { Exception, CreateMode: Mode, ACL, Id, Permission } = zookeeper;

const MODES: Record<CreateMode, number> = {
  persistent: Mode.PERSISTENT,
  ephemeral: Mode.EPHEMERAL,
  persistent_sequential: Mode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: Mode.EPHEMERAL_SEQUENTIAL,
};

function errorCodeOf(zkCode: number): ErrorCode {
  switch (zkCode) {
    case Exception.NO_NODE:
      return 'ZK_NO_NODE';
    case Exception.NODE_EXISTS:
      return 'ZK_NODE_EXISTS';
    case Exception.BAD_VERSION:
      return 'ZK_BAD_VERSION';
    case Exception.NOT_EMPTY:
      return 'ZK_NOT_EMPTY';
    case Exception.SESSION_EXPIRED:
      return 'ZK_SESSION_EXPIRED';
    case Exception.CONNECTION_LOSS:
      return 'ZK_CONNECTION_LOSS';
    case Exception.OPERATION_TIMEOUT:
      return 'ZK_TIMEOUT';
    case Exception.NO_AUTH:
    case Exception.AUTH_FAILED:
      return 'ZK_NO_AUTH';
    default:
      return 'ZK_ERROR';
  }
}

function toError(err: unknown, what: string, authSet: boolean): RedisZkError {
  if (err instanceof RedisZkError) return err;
  if (err instanceof Exception) {
    const code = errorCodeOf(err.getCode());
    // The one cause an operator can fix: nodes written by another identity than ours.
    if (code === 'ZK_NO_AUTH') {
      return new RedisZkError(
        code,
        `ZooKeeper refused ${what} (NOAUTH): the node is writable only by the identity that created it, and ZK_AUTH ${authSet ? 'names another one' : 'is unset'}; set ZK_AUTH to the digest credentials the group was created with`,
        { cause: err },
      );
    }
    return new RedisZkError(code, `ZooKeeper ${what} failed: ${err.getName()}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new RedisZkError('ZK_ERROR', `ZooKeeper ${what} failed: ${message}`, { cause: err });
}

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function longToDecimal(b: Buffer | undefined): string {
  if (!b || b.length !== 8) return '0';
  return b.readBigUInt64BE(0).toString();
}

function toStat(s: zookeeper.Stat): Stat {
  return {
    version: s.version,
    czxid: longToDecimal(s.czxid),
    mzxid: longToDecimal(s.mzxid),
    ephemeralOwner: longToDecimal(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

function hostsOnly(config: ZkConfig): string {
  return config.servers.map((s) => `${s.host}:${s.port}`).join(',');
}

/**
 * A promise layer over node-zookeeper-client. Every request has a deadline
 * (`connectTimeoutMs`): node-zookeeper-client queues requests made while disconnected without
 * any timeout. An expired session is replaced by a new client automatically.
 * Errors are RedisZkError with ZK_* codes.
 */
export class Zk extends EventEmitter<ZkEvents> {
  readonly config: ZkConfig;
  /** For the helpers built on this client (watches, registrations, locks). */
  readonly log: Logger;
  private client: Client;
  private _state: ZkState = 'connecting';
  /** Clients that reached a session at least once. */
  private readonly connectedClients = new WeakSet<Client>();
  private _session = 0;
  private readonly acls: zookeeper.ACL[];

  /** Connects within `config.connectTimeoutMs` (ZK_CONNECT_TIMEOUT on failure), creating a missing chroot. */
  static async connect(config: ZkConfig, log: Logger, opts: { createChroot?: boolean } = {}): Promise<Zk> {
    // A wrong ZK_HOSTS otherwise means silence until the deadline.
    log.info(
      { event: 'ZK_CONNECTING', zk: config.connectString, connectTimeoutMs: config.connectTimeoutMs },
      `connecting to ZooKeeper at ${config.connectString} (waiting up to ${config.connectTimeoutMs} ms)`,
    );
    // One deadline for both clients, so the wait is what the line above says.
    const deadline = Date.now() + config.connectTimeoutMs;
    if (config.chroot !== undefined) await Zk.ensureChroot(config, log, deadline, opts.createChroot ?? true);
    const zk = new Zk(config, log);
    try {
      await zk.waitConnected(deadline, config);
    } catch (err) {
      await zk.close();
      throw err;
    }
    log.info({ event: 'ZK_CONNECTED', zk: config.connectString, sessionId: zk.sessionId }, 'connected to ZooKeeper');
    return zk;
  }

  /**
   * A client that connects in the background (reconnecting until closed), for a caller that can
   * work without ZooKeeper meanwhile (@redis-zk/client with a watcher to fall back on). Unlike
   * `connect`, a missing chroot is not created: requests fail until it exists.
   */
  static open(config: ZkConfig, log: Logger): Zk {
    log.info({ event: 'ZK_CONNECTING', zk: config.connectString, connectTimeoutMs: config.connectTimeoutMs }, `connecting to ZooKeeper at ${config.connectString} in the background`);
    return new Zk(config, log);
  }

  /** node-zookeeper-client fails on a chroot that does not exist: create it with a chroot-less client first. */
  private static async ensureChroot(config: ZkConfig, log: Logger, deadline: number, create: boolean): Promise<void> {
    const root = new Zk({ ...config, connectString: hostsOnly(config), chroot: undefined }, log);
    try {
      await root.waitConnected(deadline, config);
      if (!(await root.exists(config.chroot!))) {
        // A tool that only reads must not leave a chroot behind for a mistyped ZK_HOSTS.
        if (!create) throw new ConfigError('ZK_HOSTS', config.connectString, `a connect string whose chroot exists: ${config.chroot} does not, so no redis-zk program runs there`);
        await root.mkdirp(config.chroot!);
        log.info({ event: 'ZK_CHROOT_CREATED', chroot: config.chroot }, 'created the ZooKeeper chroot');
      }
    } finally {
      await root.close();
    }
  }

  private constructor(config: ZkConfig, log: Logger) {
    super();
    // Every pending request, watch, registration and lock listens here: dozens are normal.
    this.setMaxListeners(0);
    this.config = config;
    this.log = log;
    this.acls = config.auth
      ? // Readable by anyone (other groups' tools, zkCli), writable only by who holds the credentials.
        [new ACL(Permission.READ, new Id('world', 'anyone')), new ACL(Permission.ALL, new Id('auth', ''))]
      : [new ACL(Permission.ALL, new Id('world', 'anyone'))];
    this.client = this.newClient();
  }

  get state(): ZkState {
    return this._state;
  }

  /**
   * Increases by one with every new session (after expiry). Ephemeral nodes and watches belong to
   * one session: owners compare this to know whether theirs are still there.
   */
  get session(): number {
    return this._session;
  }

  /** The current session id, decimal (compare with `Stat.ephemeralOwner`); '0' before the first connect. */
  get sessionId(): string {
    try {
      return longToDecimal(this.client.getSessionId());
    } catch {
      return '0';
    }
  }

  private newClient(): Client {
    const client = zookeeper.createClient(this.config.connectString, {
      sessionTimeout: this.config.sessionTimeoutMs,
      spinDelay: 500,
      retries: 0,
    });
    if (this.config.auth) client.addAuthInfo('digest', Buffer.from(this.config.auth, 'utf8'));
    client.on('state', (s) => this.onClientState(client, s));
    limitHandshake(client);
    limitSilence(client, (silentMs, readTimeoutMs) => {
      if (client !== this.client || this._state === 'closed') return;
      this.log.warn(
        { event: 'ZK_SERVER_SILENT', silentMs, readTimeoutMs },
        `ZooKeeper server sent nothing for ${silentMs} ms (over 2/3 of the session timeout): dropping the connection to reconnect`,
      );
    });
    client.connect();
    return client;
  }

  /**
   * Replaces the client by a new one (a new session), and that one again while it has not
   * connected within a session timeout, so that no client can stay stuck in a handshake. (The
   * chaos soak saw minutes without a new session after whole-ensemble freezes; that proved to be
   * the ensemble not serving, which no client can help: this is a safety net, not that fix.) A
   * client we gave up on is shut down; its session, if it got one, expires unused.
   */
  private renewClient(): void {
    const old = this.client;
    const fresh = this.newClient();
    this.client = fresh;
    void shutdownClient(old, 0);
    const timer = setTimeout(() => {
      // Only a client that never reached a session: one that did and lost its connection since
      // keeps trying (its session may well be alive).
      if (this.client !== fresh || this._state === 'closed' || this.connectedClients.has(fresh)) return;
      this.log.warn({ event: 'ZK_CLIENT_REPLACED', waitedMs: this.config.sessionTimeoutMs }, `no new ZooKeeper session within ${this.config.sessionTimeoutMs} ms of the expiry; starting over with a new client`);
      this.renewClient();
    }, Math.max(5_000, this.config.sessionTimeoutMs));
    timer.unref();
  }

  private setState(state: ZkState): void {
    if (this._state === state) return;
    const from = this._state;
    this._state = state;
    this.log.info({ event: 'ZK_STATE_CHANGED', zkState: state, from }, `ZooKeeper ${state}`);
    this.emit('state', state);
  }

  private onClientState(client: Client, s: zookeeper.State): void {
    // Events of a client we replaced or closed (a dead client still reports "disconnected").
    if (client !== this.client || this._state === 'closed') return;
    if (s === zookeeper.State.SYNC_CONNECTED) {
      this.connectedClients.add(client);
      const newSession = this._state === 'expired';
      this.setState('connected');
      if (newSession) {
        this._session += 1;
        this.log.info({ event: 'ZK_SESSION_RENEWED', sessionId: this.sessionId }, 'new ZooKeeper session established after expiry');
        this.emit('session');
      }
      this.emit('connected');
    } else if (s === zookeeper.State.DISCONNECTED) {
      this.setState('disconnected');
      this.emit('disconnected');
    } else if (s === zookeeper.State.EXPIRED) {
      // The old client is dead for good; a new one gets a new session (same chroot and auth).
      this.setState('expired');
      this.renewClient();
    } else if (s === zookeeper.State.AUTH_FAILED) {
      this.log.error({ event: 'ZK_AUTH_REJECTED' }, 'ZooKeeper rejected the credentials of ZK_AUTH');
    }
  }

  /** Resolves once connected; rejects at `deadline` (ZK_CONNECT_TIMEOUT, naming `config`'s connect string and timeout) or when closed. */
  private waitConnected(deadline: number, config: ZkConfig): Promise<void> {
    if (this._state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        this.off('state', onState);
      };
      const onConnected = () => {
        cleanup();
        resolve();
      };
      const onState = (s: ZkState) => {
        if (s !== 'closed') return;
        cleanup();
        reject(new RedisZkError('ZK_CLOSED', 'the ZooKeeper client was closed while connecting'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new RedisZkError(
            'ZK_CONNECT_TIMEOUT',
            `Could not connect to ZooKeeper at ${config.connectString} within ${config.connectTimeoutMs} ms.`,
          ),
        );
      }, Math.max(deadline - Date.now(), 0));
      this.on('connected', onConnected);
      this.on('state', onState);
    });
  }

  /**
   * Runs one request with a deadline. It is only handed to node-zookeeper-client once connected:
   * a request queued there while disconnected would be sent whenever the connection comes back,
   * long after we reported it failed.
   */
  private request<T>(what: string, run: (client: Client, done: Callback<T>) => void): Promise<T> {
    if (this._state === 'closed') {
      return Promise.reject(new RedisZkError('ZK_CLOSED', `ZooKeeper ${what}: the client is closed`));
    }
    const ms = this.config.connectTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.off('connected', send);
        this.off('state', onState);
        if (err) reject(toError(err, what, this.config.auth !== undefined));
        else resolve(value as T);
      };
      const timer = setTimeout(
        () =>
          settle(
            new RedisZkError('ZK_TIMEOUT', `ZooKeeper ${what} got no answer within ${ms} ms (state ${this._state}).`),
          ),
        ms,
      );
      const onState = (s: ZkState) => {
        if (s === 'closed') settle(new RedisZkError('ZK_CLOSED', `ZooKeeper ${what}: the client was closed`));
      };
      const send = () => {
        this.off('connected', send);
        try {
          run(this.client, settle);
        } catch (err) {
          settle(err); // node-zookeeper-client asserts synchronously (e.g. data over 1 MB)
        }
      };
      this.on('state', onState);
      if (this._state === 'connected') send();
      else this.on('connected', send);
    });
  }

  /** Data and stat, or undefined when the node does not exist. `watch` fires once on change/delete. */
  async get(path: string, watch?: () => void): Promise<NodeData | undefined> {
    try {
      return await this.request<NodeData>(`get ${path}`, (c, done) => {
        const cb = (err: unknown, data: Buffer, stat: zookeeper.Stat) =>
          err ? done(err) : done(null, { data: data ?? Buffer.alloc(0), stat: toStat(stat) });
        if (watch) c.getData(path, watch, cb);
        else c.getData(path, cb);
      });
    } catch (err) {
      if (err instanceof RedisZkError && err.code === 'ZK_NO_NODE') {
        // Without a node getData sets no watch; an exists-watch tells when it appears.
        // Created in between: that watch is a data watch now, and the data is worth reading.
        if (watch && (await this.exists(path, watch))) return this.get(path, watch);
        return undefined;
      }
      throw err;
    }
  }

  async exists(path: string, watch?: () => void): Promise<Stat | undefined> {
    return this.request<Stat | undefined>(`exists ${path}`, (c, done) => {
      const cb = (err: unknown, stat: zookeeper.Stat | null) => (err ? done(err) : done(null, stat ? toStat(stat) : undefined));
      if (watch) c.exists(path, watch, cb);
      else c.exists(path, cb);
    });
  }

  /** Children names (not paths); [] when the node does not exist. */
  async children(path: string, watch?: () => void): Promise<string[]> {
    try {
      return await this.request<string[]>(`children ${path}`, (c, done) => {
        const cb = (err: unknown, children: string[]) => (err ? done(err) : done(null, children));
        if (watch) c.getChildren(path, watch, cb);
        else c.getChildren(path, cb);
      });
    } catch (err) {
      if (err instanceof RedisZkError && err.code === 'ZK_NO_NODE') {
        if (watch) {
          const stat = await this.exists(path, watch);
          // Created between the two calls: its children are worth reading now.
          if (stat) return this.children(path, watch);
        }
        return [];
      }
      throw err;
    }
  }

  /** Returns the created path (with the sequence suffix for sequential modes). */
  async create(path: string, data?: Buffer | string, mode: CreateMode = 'persistent'): Promise<string> {
    return this.request<string>(`create ${path}`, (c, done) =>
      c.create(path, toBuffer(data), this.acls, MODES[mode], (err, created) => done(err, created)),
    );
  }

  async set(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    return this.request<Stat>(`set ${path}`, (c, done) =>
      c.setData(path, toBuffer(data), version, (err, stat) => (err ? done(err) : done(null, toStat(stat)))),
    );
  }

  /** Removing a missing node is not an error. */
  async remove(path: string, version = -1): Promise<void> {
    try {
      await this.request<void>(`remove ${path}`, (c, done) => c.remove(path, version, (err) => done(err)));
    } catch (err) {
      if (err instanceof RedisZkError && err.code === 'ZK_NO_NODE') return;
      throw err;
    }
  }

  /** Creates the path and its missing parents as persistent, empty nodes; existing ones are fine. */
  async mkdirp(path: string): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '');
    let current = '';
    for (const part of parts) {
      current += `/${part}`;
      try {
        await this.create(current);
      } catch (err) {
        if (!(err instanceof RedisZkError && err.code === 'ZK_NODE_EXISTS')) throw err;
      }
    }
  }

  /** All or nothing; a failed op rejects with the code of the first failing op. */
  async transaction(ops: TxOp[]): Promise<void> {
    const what = `transaction (${ops.map((o) => `${o.op} ${o.path}`).join(', ')})`;
    await this.request<void>(what, (c, done) => {
      const tx = c.transaction();
      for (const o of ops) {
        if (o.op === 'create') tx.create(o.path, toBuffer(o.data), this.acls, MODES[o.mode ?? 'persistent']);
        else if (o.op === 'set') tx.setData(o.path, toBuffer(o.data), o.version ?? -1);
        else if (o.op === 'remove') tx.remove(o.path, o.version ?? -1);
        else tx.check(o.path, o.version);
        if (o.op !== 'create') restoreLastVersion(tx, o.op === 'check' ? o.version : (o.version ?? -1));
      }
      tx.commit((err) => done(err));
    });
  }

  /** Closes the session (ephemerals vanish at once). */
  async close(): Promise<void> {
    if (this._state === 'closed') return;
    this.setState('closed');
    await shutdownClient(this.client, 1000);
  }
}
