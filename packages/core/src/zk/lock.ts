import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Zk } from './client.js';
import { RedisZkError, isRedisZkError } from '../errors.js';

const SEQUENCE = /-(\d{10})$/;

function sequenceOf(name: string): number {
  const m = SEQUENCE.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Failures after which a request may or may not have been applied: look again, then retry. */
function isTransient(err: unknown): boolean {
  return isRedisZkError(err, 'ZK_CONNECTION_LOSS') || isRedisZkError(err, 'ZK_TIMEOUT');
}


export interface LockEvents {
  /** A held lock was lost: its session expired (or the client closed). */
  lost: [];
}

/**
 * The ZooKeeper lock recipe: an ephemeral sequential `<dir>/lock-<uuid>-` node; the lowest
 * sequence holds the lock; each waiter watches only its predecessor; a `create` whose reply was
 * lost is recovered by finding our unique prefix among the children.
 */
export class Lock extends EventEmitter<LockEvents> {
  private readonly zk: Zk;
  private readonly dir: string;
  private readonly data: string;
  /** Unique to this Lock: how we recognise our node when the create reply was lost. */
  private readonly prefix = `lock-${randomUUID()}-`;
  private node: string | undefined;
  private session = -1;
  private _held = false;
  private acquiring = false;
  /** Contenders known to be ephemeral (a node's kind never changes), and persistent ones already reported. */
  private readonly ephemeralSeen = new Set<string>();
  private readonly refusedSaid = new Set<string>();
  private readonly onSession = (): void => this.lose('its ZooKeeper session expired');
  /** Wakes the current waitGone; one function for the Lock's life, so re-watching never piles up listeners. */
  private wakeWaiter: (() => void) | undefined;
  private readonly onPredecessorEvent = (): void => this.wakeWaiter?.();
  private readonly onState = (s: string): void => {
    if (s === 'closed') this.lose('the ZooKeeper client was closed');
  };

  /** `data` is stored in our lock node, so waiters can say whom they wait for (e.g. `host port`). */
  constructor(zk: Zk, dir: string, data = '') {
    super();
    this.zk = zk;
    this.dir = dir;
    this.data = data;
  }

  /** Our lock node's full path while we have one. */
  get nodePath(): string | undefined {
    return this.node;
  }

  /**
   * Resolves once held; rejects with LOCK_TIMEOUT after `timeoutMs` (withdrawing our node), with
   * ZK_SESSION_EXPIRED when the session ends while waiting. `onWait` gets the holder's data (or
   * its node name when it has none) each time the holder changes.
   */
  async acquire(opts: { timeoutMs?: number; onWait?: (holder: string) => void } = {}): Promise<void> {
    if (this.held) return;
    if (this.acquiring) throw new RedisZkError('ZK_ERROR', `already acquiring the lock ${this.dir}`);
    this.acquiring = true;
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    this.session = this.zk.session;
    try {
      await this.retrying(deadline, () => this.zk.mkdirp(this.dir));
      let lastHolder: string | undefined;
      for (;;) {
        this.checkSession();
        const ours = await this.retrying(deadline, () => this.findOrCreate(deadline));
        const names = ours.all;
        const index = names.indexOf(ours.name);
        if (index === 0) {
          this._held = true;
          this.zk.on('session', this.onSession);
          this.zk.on('state', this.onState);
          return;
        }
        const predecessor = names[index - 1]!;
        if (opts.onWait && names[0] !== lastHolder) {
          lastHolder = names[0]!;
          const holder = await this.zk.get(`${this.dir}/${lastHolder}`).catch(() => undefined);
          const text = holder?.data.toString('utf8');
          opts.onWait(text ? text : lastHolder);
        }
        await this.waitGone(`${this.dir}/${predecessor}`, deadline);
      }
    } catch (err) {
      // Unreachable now: the node stays ephemeral and release() removes it later.
      await this.withdraw().catch(() => undefined);
      if (isTransient(err) && Date.now() >= deadline) throw this.timeoutError(opts.timeoutMs);
      throw err;
    } finally {
      this.acquiring = false;
    }
  }

  /** True while held and the session that took it is alive. */
  get held(): boolean {
    return this._held && this.zk.session === this.session && this.zk.state !== 'closed';
  }

  /** Removes our node; safe to call any number of times, held or not. */
  async release(): Promise<void> {
    this._held = false;
    this.zk.off('session', this.onSession);
    this.zk.off('state', this.onState);
    await this.withdraw();
  }

  private timeoutError(timeoutMs: number | undefined): RedisZkError {
    return new RedisZkError('LOCK_TIMEOUT', `could not take the lock ${this.dir} within ${timeoutMs} ms`);
  }

  private checkSession(): void {
    if (this.zk.state === 'closed') throw new RedisZkError('ZK_CLOSED', `the ZooKeeper client was closed while waiting for the lock ${this.dir}`);
    if (this.zk.session !== this.session) {
      if (this.node !== undefined) {
        this.node = undefined; // gone with the old session, and our place in the queue with it
        throw new RedisZkError('ZK_SESSION_EXPIRED', `the ZooKeeper session expired while waiting for the lock ${this.dir}`);
      }
      // Not queued yet (or only a create whose reply was lost, gone with that session): carry on.
      this.session = this.zk.session;
    }
  }

  /** Retries `fn` after connection trouble until the deadline (then LOCK_TIMEOUT). */
  private async retrying<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err) || Date.now() >= deadline) throw err;
        this.checkSession();
        await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /**
   * Our node and the sorted contenders. Recognises our node by its prefix, which also covers a
   * create whose reply was lost; should a lost create have gone through after all, the extra node
   * is removed so we never wait behind ourselves.
   */
  private async findOrCreate(deadline: number): Promise<{ name: string; all: string[] }> {
    for (;;) {
      this.checkSession();
      const all = (await this.zk.children(this.dir)).filter((n) => n.startsWith('lock-'));
      all.sort((a, b) => sequenceOf(a) - sequenceOf(b));
      const mine = all.filter((n) => n.startsWith(this.prefix));
      if (mine.length > 0) {
        for (const extra of mine.slice(1)) await this.zk.remove(`${this.dir}/${extra}`);
        const name = mine[0]!;
        this.node = `${this.dir}/${name}`;
        const ahead = all.filter((n) => sequenceOf(n) < sequenceOf(name) && !n.startsWith(this.prefix));
        const stale = await this.staleAhead(ahead);
        return { name, all: all.filter((n) => (n === name || !n.startsWith(this.prefix)) && !stale.has(n)) };
      }
      if (this.node !== undefined) {
        // Our node vanished without a new session: someone removed it. Queue again.
        this.zk.log.warn({ event: 'LOCK_NODE_VANISHED', node: this.node }, 'our lock node vanished; queueing again');
        this.node = undefined;
      }
      if (Date.now() >= deadline) throw new RedisZkError('ZK_TIMEOUT', 'lock deadline passed');
      try {
        this.node = await this.zk.create(`${this.dir}/${this.prefix}`, this.data, 'ephemeral_sequential');
      } catch (err) {
        if (!isTransient(err)) throw err;
        // The reply was lost, the node may exist: the next listing tells.
      }
    }
  }

  /**
   * Contenders ahead of us that no live session owns: a persistent node (written by hand, or by a
   * tool) would hold the lock for ever. Each is refused in one log line (`LOCK_NODE_REFUSED`) and
   * removed, or only skipped when we may not remove it. An ephemeral node always has a live
   * owner: ZooKeeper removes it when its session expires.
   */
  private async staleAhead(ahead: readonly string[]): Promise<Set<string>> {
    const stale = new Set<string>();
    for (const n of ahead) {
      if (this.ephemeralSeen.has(n)) continue;
      const node = await this.zk.get(`${this.dir}/${n}`);
      if (node === undefined) continue;
      if (node.stat.ephemeralOwner !== '0') {
        this.ephemeralSeen.add(n);
        continue;
      }
      stale.add(n);
      const path = `${this.dir}/${n}`;
      const removed = await this.zk.remove(path, node.stat.version).then(
        () => true,
        () => false,
      );
      if (!this.refusedSaid.has(n)) {
        this.refusedSaid.add(n);
        this.zk.log.warn(
          { event: 'LOCK_NODE_REFUSED', node: path, removed },
          `${path} is not ephemeral: no live session owns it, so it cannot be a lock holder; ${removed ? 'removed it' : 'skipping it (it could not be removed)'}.`,
        );
      }
    }
    return stale;
  }

  /** Waits until `path` is gone (or may be: reconnect, new session) or the deadline passes. */
  private waitGone(path: string, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.zk.off('connected', wake);
        this.zk.off('session', wake);
        this.zk.off('state', onState);
        this.wakeWaiter = undefined;
        if (err) reject(err);
        else resolve();
      };
      const wake = () => finish();
      const onState = (s: string) => {
        if (s === 'closed') finish();
      };
      const timer =
        deadline === Infinity
          ? undefined
          : setTimeout(() => finish(new RedisZkError('ZK_TIMEOUT', 'lock deadline passed')), Math.max(0, deadline - Date.now()));
      this.zk.on('connected', wake);
      this.zk.on('session', wake);
      this.zk.on('state', onState);
      this.wakeWaiter = wake;
      this.zk.exists(path, this.onPredecessorEvent).then(
        (stat) => {
          if (!stat) finish();
        },
        (err) => (isTransient(err) ? finish() : finish(err)),
      );
    });
  }

  private lose(why: string): void {
    if (!this._held) return;
    this._held = false;
    this.node = undefined;
    this.zk.off('session', this.onSession);
    this.zk.off('state', this.onState);
    this.zk.log.warn({ event: 'LOCK_LOST', lock: this.dir }, `lost the lock: ${why}`);
    this.emit('lost');
  }

  /** Removes our node if we have one; on connection trouble keeps it for the next call. */
  private async withdraw(): Promise<void> {
    const node = this.node;
    if (node === undefined) return;
    if (this.zk.state === 'closed' || this.zk.session !== this.session) {
      this.node = undefined;
      return;
    }
    await this.zk.remove(node);
    this.node = undefined;
  }
}
