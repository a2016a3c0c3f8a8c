import { readFile, writeFile } from 'node:fs/promises';
import { RedisZkError, redisCommand, supervise, waitForPing, type ChildExit, type HostPort, type Logger, type RedisAuth, type Supervised } from '@redis-zk/core';

export interface SentinelProcessOptions {
  bin: string;
  confPath: string;
  cwd: string;
  /** Where the child answers (our own address). */
  local: HostPort;
  auth: RedisAuth;
  log: Logger;
  shutdownTimeoutMs: number;
  /** How long the child gets to answer PING after a start. */
  startTimeoutMs: number;
  /** SENTINEL DEBUG INFO-PERIOD, applied after every start (it is not kept in sentinel.conf). */
  infoPeriodMs: number;
}

/**
 * Our redis-sentinel, which we may restart on purpose (to forget departed sentinels and dead
 * replicas from its own config: pruneKnown) without the wrapper taking that for a death.
 * `exited` settles only when the sentinel exits other than in such a restart, or a restart fails.
 */
export class SentinelProcess {
  private child!: Supervised;
  private restarting: Promise<unknown> | undefined;
  private resolveExit!: (e: ChildExit) => void;
  readonly exited: Promise<ChildExit> = new Promise((r) => (this.resolveExit = r));

  private constructor(private readonly o: SentinelProcessOptions) {}

  /** Starts it and waits until it answers, as this very process (another one on the port is an error). */
  static async start(o: SentinelProcessOptions, giveUp: Promise<unknown>): Promise<SentinelProcess | ChildExit | 'gave-up'> {
    const p = new SentinelProcess(o);
    const up = await p.spawn(giveUp);
    if (up !== 'up') return up;
    p.follow();
    return p;
  }

  get pid(): number {
    return this.child.pid;
  }

  private async spawn(giveUp: Promise<unknown>): Promise<'up' | ChildExit | 'gave-up'> {
    this.child = await supervise(this.o.bin, [this.o.confPath], { log: this.o.log, shutdownTimeoutMs: this.o.shutdownTimeoutMs, cwd: this.o.cwd });
    const child = this.child;
    const answered = await Promise.race([
      waitForPing(this.o.local, this.o.auth, this.o.startTimeoutMs, { pid: child.pid, giveUp: Promise.race([child.exited, giveUp]) }).then(() => 'up' as const),
      child.exited,
      giveUp.then(() => 'gave-up' as const),
    ]).catch(async (err: unknown) => {
      await child.stop();
      throw err;
    });
    if (answered === 'gave-up') await child.stop();
    // Sentinel learns a master's replicas from its INFO, every 10 s by default: a replica that
    // joined just before the master died is then unknown, and a failover finds no good replica.
    if (answered === 'up') await redisCommand(this.o.local, this.o.auth, 'SENTINEL', 'DEBUG', 'INFO-PERIOD', this.o.infoPeriodMs);
    return answered;
  }

  /** Settles `exited` when the current child dies unplanned. */
  private follow(): void {
    const child = this.child;
    void child.exited.then((exit) => {
      if (this.restarting === undefined && this.child === child) this.resolveExit(exit);
    });
  }

  /**
   * Saves the sentinel's state (SENTINEL FLUSHCONFIG), stops it, lets `edit` change the config it
   * wrote, and starts it again on it: the same myid, epochs and known instances, minus what `edit`
   * removed. Rejects (and settles `exited`) when the new child does not come up.
   */
  async restartWith(edit: (conf: string) => string): Promise<void> {
    if (this.restarting !== undefined) throw new RedisZkError('RESTART_IN_PROGRESS', 'a restart is already running');
    const run = (async () => {
      await redisCommand(this.o.local, this.o.auth, 'SENTINEL', 'FLUSHCONFIG');
      const exit = await this.child.stop();
      this.o.log.info({ event: 'CHILD_STOPPED', code: exit.code, signal: exit.signal }, 'redis-sentinel stopped for a restart on its own pruned config');
      await writeFile(this.o.confPath, edit(await readFile(this.o.confPath, 'utf8')), { mode: 0o600 });
      const up = await this.spawn(new Promise(() => {}));
      if (up !== 'up') throw new RedisZkError('CHILD_EXITED', `redis-sentinel did not come back after the restart (status ${typeof up === 'string' ? up : up.exitCode})`);
    })();
    this.restarting = run;
    try {
      await run;
    } catch (err) {
      this.resolveExit(await Promise.race([this.child.exited, this.child.stop()]));
      throw err;
    } finally {
      this.restarting = undefined;
    }
    this.follow();
  }

  stop(): Promise<ChildExit> {
    return this.child.stop();
  }
}
