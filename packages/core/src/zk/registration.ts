import { randomUUID } from 'node:crypto';
import type { Zk } from './client.js';
import { RedisZkError } from '../errors.js';
import { SingleFlight } from '../coordination/single-flight.js';

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 2_000;

/**
 * An ephemeral `<dir>/<uuid>` holding `data`, re-created after a session expiry (and after a
 * reconnect if it is missing), removed by `stop()`.
 */
export class Registration {
  readonly path: string;
  private readonly zk: Zk;
  private readonly dir: string;
  private data: string;
  private active = false;
  /** One ensure() at a time; a reconnect meanwhile makes exactly one more. */
  private readonly ensuring = new SingleFlight<void>(() => this.ensureOrRetry());
  private retryTimer: NodeJS.Timeout | undefined;
  private backoff = RETRY_MIN_MS;
  private readonly onConnected = (): void => this.kick();

  constructor(zk: Zk, dir: string, data: string, uuid?: string) {
    this.zk = zk;
    this.dir = dir;
    this.data = data;
    this.path = `${dir}/${uuid ?? randomUUID()}`;
  }

  /** Resolves once the node exists; rejects (and stays stopped) when the first attempt fails. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    try {
      await this.ensure();
    } catch (err) {
      this.active = false;
      throw err;
    }
    // A new session also emits `connected`: one listener covers reconnects and expiries.
    this.zk.on('connected', this.onConnected);
  }

  /** New data: set now when the node is there, and used whenever it is created again. */
  async update(data: string): Promise<void> {
    this.data = data;
    if (!this.active) return;
    try {
      await this.zk.set(this.path, data);
    } catch (err) {
      if (!(err instanceof RedisZkError && err.code === 'ZK_NO_NODE')) throw err;
      this.kick();
    }
  }

  async stop(): Promise<void> {
    this.active = false;
    this.zk.off('connected', this.onConnected);
    clearTimeout(this.retryTimer);
    await this.ensuring.idle();
    if (this.zk.state === 'closed') return; // the session is over: the node is gone with it
    await this.zk.remove(this.path);
  }

  private kick(): void {
    if (!this.active) return;
    clearTimeout(this.retryTimer);
    void this.ensuring.request();
  }

  private async ensureOrRetry(): Promise<void> {
    if (!this.active) return;
    try {
      await this.ensure();
      this.backoff = RETRY_MIN_MS;
    } catch (err) {
      if (!this.active || this.zk.state === 'closed') return;
      this.zk.log.warn(
        { event: 'REGISTRATION_RETRY', err: (err as Error).message, path: this.path, retryInMs: this.backoff },
        'could not re-create the ZooKeeper registration; retrying',
      );
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.kick(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, RETRY_MAX_MS);
    }
  }

  /** Makes sure our node exists and belongs to the current session. */
  private async ensure(): Promise<void> {
    await this.zk.mkdirp(this.dir);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.active) return;
      try {
        await this.zk.create(this.path, this.data, 'ephemeral');
        this.zk.log.info({ event: 'REGISTERED', path: this.path }, 'registered in ZooKeeper');
        return;
      } catch (err) {
        if (!(err instanceof RedisZkError && err.code === 'ZK_NODE_EXISTS')) throw err;
      }
      const stat = await this.zk.exists(this.path);
      if (!stat) continue; // vanished meanwhile: create again
      if (stat.ephemeralOwner === this.zk.sessionId) return;
      // Left by an earlier session (ours before expiry, or a previous run with the same uuid)
      // that the server has not timed out yet: it would vanish under us, so replace it.
      await this.zk.remove(this.path, stat.version);
    }
    throw new RedisZkError('ZK_ERROR', `could not register ${this.path}: it kept changing under us`);
  }
}
