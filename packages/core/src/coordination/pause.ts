import { EventEmitter } from 'node:events';
import type { Zk } from '../zk/client.js';
import { Registration } from '../zk/registration.js';
import { watchChildren, type Disposable } from '../zk/watch.js';
import { PAUSED, pauseAppliedDirOf } from '../zk/paths.js';

/**
 * Maintenance mode (docs/operations/maintenance.md). A group is paused while `/redis/paused/<name>`
 * exists, whatever it holds (its JSON is for people: who paused it, when, why). Only its presence
 * counts, so a node nobody can parse still pauses: failing towards "paused" is visible everywhere
 * (`redis-zk list`, /status, the page, metrics, `redis-zk check`), failing towards "running"
 * would silently re-enable failovers someone switched off.
 */
export interface PauseInfo {
  /** ISO time the pause was set. */
  since?: string;
  /** Who set it (the CLI's user and host). */
  by?: string;
  reason?: string;
}

export function parsePauseInfo(raw: string | undefined): PauseInfo {
  try {
    const v = JSON.parse(raw ?? '') as unknown;
    if (typeof v !== 'object' || v === null) return {};
    const o = v as Record<string, unknown>;
    const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
    return { since: str('since'), by: str('by'), reason: str('reason') };
  } catch {
    return {};
  }
}

/**
 * Sentinel mode: while a group is paused its sentinels monitor it with this quorum, which no set
 * of sentinels reaches, so no failover starts on a down master (objectively down needs the quorum);
 * `SENTINEL FAILOVER`, a switchover with a named target, needs no quorum and still runs.
 */
export const PAUSED_QUORUM = 1_000_000;

/** What a program last applied for a group, as `/redis/pause-applied/<name>/<who>` holds it. */
export type PauseApplied = 'paused' | 'running';

/**
 * Every paused group, by one watch on `/redis/paused`'s children. While ZooKeeper is out of
 * reach the last read stands: a pause set for a planned ZooKeeper restart must hold through it.
 */
export class Pauses extends EventEmitter<{ change: [ReadonlyMap<string, PauseInfo>] }> {
  private current = new Map<string, PauseInfo>();
  private watch: Disposable | undefined;
  private readyResolve: (() => void) | undefined;
  /** Resolves once the first read arrived. */
  private readonly ready = new Promise<void>((r) => (this.readyResolve = r));

  constructor(private readonly zk: Zk) {
    super();
    this.setMaxListeners(0);
  }

  /** Creates `/redis/paused` if need be, watches it, and resolves once it was read. */
  async start(): Promise<void> {
    await this.zk.mkdirp(PAUSED);
    this.watchNow();
    await this.ready;
  }

  /** Watches from now on, without waiting for the first read (`/redis/paused` made by the caller). */
  watchNow(): void {
    this.watch ??= watchChildren(this.zk, PAUSED, (children) => {
      const next = new Map([...children].map(([name, raw]) => [name, parsePauseInfo(raw)] as const));
      const changed = next.size !== this.current.size || [...next.keys()].some((k) => !this.current.has(k));
      this.current = next;
      this.readyResolve?.();
      if (changed) this.emit('change', next);
    });
  }

  isPaused(name: string): boolean {
    return this.current.has(name);
  }

  info(name: string): PauseInfo | undefined {
    return this.current.get(name);
  }

  all(): ReadonlyMap<string, PauseInfo> {
    return this.current;
  }

  close(): void {
    this.watch?.close();
  }
}

/**
 * A program's word that it applied a group's pause state: the ephemeral
 * `/redis/pause-applied/<name>/<who>` holding `paused` or `running` (`redis-zk pause --wait` waits
 * for every registered program of the group to say `paused`). It vanishes with the program.
 */
export class PauseAck {
  private registration: Registration | undefined;
  private state: PauseApplied | undefined;

  constructor(
    private readonly zk: Zk,
    private readonly group: string,
    /** `server-<host>:<port>` or `sentinel-<host>:<port>`. */
    private readonly who: string,
  ) {}

  async set(state: PauseApplied): Promise<void> {
    if (this.state === state) return;
    this.state = state;
    const dir = pauseAppliedDirOf(this.group);
    if (this.registration === undefined) {
      this.registration = new Registration(this.zk, dir, state, this.who);
      await this.registration.start();
    } else await this.registration.update(state);
  }
}

export function pauseAckName(kind: 'server' | 'sentinel', host: string, port: number): string {
  return `${kind}-${host}:${port}`;
}

