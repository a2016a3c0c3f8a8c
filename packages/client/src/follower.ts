import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyRecord, formatHostPort, parseEpoch, sameHostPort, watchChildren, watchData, type Disposable, type HostPort, type Logger, type RecordValue, type Zk, type ZkState, zkPaths } from '@redis-zk/core';
import type { MasterChanged } from '../types/index.js';
import { decideFollow } from './decide-follow.js';

/** How long a node that answered "not the master" (-READONLY, role:slave …) is not asked again, unless the record moves. */
const SUSPECT_MS = 250;
/** How often the watcher is asked while there is no ZooKeeper session, and how long an answer may take. */
const WATCHER_POLL_MS = 500;
const WATCHER_TIMEOUT_MS = 1_000;

/**
 * One group's master as ZooKeeper names it, for every client of that group in the process: the
 * record and the live nodes by watch (re-armed after each event, reconnect and new session), the
 * session state from the ZooKeeper layer, and one decision (decide-follow.ts) on each change.
 */
export class GroupFollower extends EventEmitter<{ changed: [MasterChanged]; epoch: [MasterChanged] }> {
  private record: RecordValue = { kind: 'absent' };
  private members: Set<string> | undefined;
  private session: ZkState;
  private current: HostPort | undefined;
  private readonly suspects = new Map<string, number>();
  private readonly watches: Disposable[] = [];
  private watcherMaster: HostPort | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** The watcher's event stream, open while there is no session: each event asks it again at once. */
  private events: AbortController | undefined;
  /** `watcherUrl` without trailing slashes. */
  private readonly watcherBase: string | undefined;
  private readonly onState = (s: ZkState): void => {
    // A new session must read the record and the members again before anything is followed.
    if (s === 'expired') this.forget();
    this.session = s;
    if (s === 'connected') this.watcherMaster = undefined;
    if (this.watcherUrl !== undefined) this.followEvents();
    this.decide();
  };

  /**
   * Any new session, however it came (after an expiry, or a client the ZooKeeper layer replaced):
   * what the old one read is no evidence until read again, so the master is dropped until then.
   */
  private readonly onSession = (): void => {
    this.forget();
    this.decide('expired');
  };

  /** What the session read is no evidence any more: the record and the members are read again. */
  private forget(): void {
    this.members = undefined;
    this.record = { kind: 'absent' };
  }

  constructor(
    private readonly zk: Zk,
    readonly layout: zkPaths.GroupLayout,
    private readonly keepOnExpiry: boolean,
    private readonly log: Logger,
    /** The watcher to ask while there is no ZooKeeper session (`GET /master/<name>`). */
    private readonly watcherUrl?: string,
  ) {
    super();
    this.setMaxListeners(0);
    this.session = zk.state;
    this.watcherBase = watcherUrl?.replace(/\/+$/, '');
  }

  start(): void {
    this.zk.on('state', this.onState);
    this.zk.on('session', this.onSession);
    if (this.watcherUrl !== undefined) {
      void this.askWatcher();
      this.poller = setInterval(() => void this.askWatcher(), WATCHER_POLL_MS);
      this.poller.unref();
      this.followEvents();
    }
    this.watches.push(
      watchData(this.zk, this.layout.published, (value) => {
        this.record = classifyRecord(value);
        this.decide();
      }),
      watchChildren(this.zk, this.layout.nodes, (children) => {
        this.members = new Set(children.values());
        this.decide();
      }),
    );
  }

  close(): void {
    clearInterval(this.poller);
    this.events?.abort();
    this.events = undefined;
    this.zk.off('state', this.onState);
    this.zk.off('session', this.onSession);
    for (const w of this.watches.splice(0)) w.close();
    this.session = 'closed';
    this.decide();
  }

  /** The master commands go to now (undefined: none). */
  master(): HostPort | undefined {
    return this.current;
  }

  /** The live nodes of the group as last read (for reads from replicas). */
  liveNodes(): string[] {
    return [...(this.members ?? [])];
  }

  /** A node answered that it is not the master to write to: not used again for a while unless the record moves. */
  suspect(addr: HostPort, why: string): void {
    const key = formatHostPort(addr);
    if (!this.suspects.has(key)) this.log.debug({ event: 'CLIENT_NODE_SUSPECT', group: this.layout.name, node: key, why }, `${key} answered ${why}; asking ZooKeeper again before using it`);
    this.suspects.set(key, Date.now() + SUSPECT_MS);
  }

  /**
   * The master to connect to, waiting up to `waitMs` for one (none known, or the known one just
   * answered as not master and the record has not moved since). Undefined when there is none.
   */
  async target(waitMs: number): Promise<HostPort | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const addr = this.current;
      const until = addr === undefined ? undefined : this.suspects.get(formatHostPort(addr));
      if (addr !== undefined && (until === undefined || until <= Date.now())) return addr;
      const left = deadline - Date.now();
      if (left <= 0) return addr !== undefined && until !== undefined ? addr : undefined;
      const ac = new AbortController();
      let onChange: (() => void) | undefined;
      const wake = new Promise<void>((resolve) => this.once('changed', (onChange = () => resolve())));
      await Promise.race([wake, sleep(Math.min(left, until === undefined ? left : until - Date.now()), undefined, { signal: ac.signal }).catch(() => undefined)]);
      ac.abort();
      // A wait that timed out must not leave its listener behind (a fence can last minutes).
      this.off('changed', onChange!);
    }
  }

  /**
   * While there is no session, the watcher's `/events` for this group: a switch is asked about the
   * moment the watcher says something happened, not at the next poll. Re-opened after a second
   * when it ends; closed once the session is back.
   */
  private followEvents(): void {
    const wanted = this.session !== 'connected' && this.session !== 'closed';
    if (!wanted) {
      this.events?.abort();
      this.events = undefined;
      return;
    }
    if (this.events !== undefined) return;
    const ac = new AbortController();
    this.events = ac;
    const url = `${this.watcherBase!}/events?group=${encodeURIComponent(this.layout.name)}`;
    void (async () => {
      try {
        const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
        if (!res.ok || res.body === null) return;
        const decoder = new TextDecoder();
        for await (const chunk of res.body) {
          if (decoder.decode(chunk as Uint8Array, { stream: true }).includes('data:')) void this.askWatcher();
        }
      } catch {
        // Aborted, or the watcher went away: the poll goes on meanwhile.
      } finally {
        if (this.events === ac) {
          this.events = undefined;
          if (!ac.signal.aborted) setTimeout(() => this.followEvents(), WATCHER_POLL_MS * 2).unref();
        }
      }
    })();
  }

  /** Only while this process has no session: the watcher's answer is then the freshest there is. */
  private async askWatcher(): Promise<void> {
    if (this.session === 'connected' || this.session === 'closed') return;
    const url = `${this.watcherBase!}/master/${encodeURIComponent(this.layout.name)}`;
    let found: HostPort | undefined;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(WATCHER_TIMEOUT_MS) });
      if (res.ok) {
        const body = (await res.json()) as { host?: unknown; port?: unknown };
        if (typeof body.host === 'string' && typeof body.port === 'number') found = { host: body.host, port: body.port };
      }
    } catch (err) {
      this.log.debug({ event: 'CLIENT_WATCHER_UNANSWERED', group: this.layout.name, err: err instanceof Error ? err.message : String(err) }, `the watcher at ${this.watcherUrl} did not answer`);
    }
    // The session may have come back while the watcher answered: ZooKeeper decides then.
    if ((this.session as ZkState) === 'connected') return;
    this.watcherMaster = found;
    this.decide();
  }

  /** `session` overrides the state for one decision: a new session judged as the expiry it follows. */
  private decide(session: ZkState = this.session): void {
    const d = decideFollow({ session, record: this.record, members: this.members, current: this.current, keepOnExpiry: this.keepOnExpiry, watcherMaster: this.watcherMaster });
    const from = this.current;
    if (d.action === 'follow') this.current = d.addr;
    else if (d.action === 'stop') this.current = undefined;
    if ((from === undefined && this.current === undefined) || sameHostPort(from, this.current)) {
      if (d.rule !== 'unchanged') this.log.debug({ event: 'CLIENT_RECORD_JUDGED', group: this.layout.name, rule: d.rule }, d.reason);
      return;
    }
    this.suspects.clear();
    const event: MasterChanged = {
      group: this.layout.name,
      from: from === undefined ? undefined : formatHostPort(from),
      to: this.current === undefined ? undefined : formatHostPort(this.current),
      epoch: undefined,
      rule: d.rule,
      reason: d.reason,
    };
    this.log.info({ event: 'CLIENT_MASTER_CHANGED', group: this.layout.name, rule: d.rule, from: event.from, to: event.to }, d.reason);
    // The clients move at once; the epoch is only for the event, read after.
    this.emit('changed', event);
    if (this.current !== undefined && this.session === 'connected') {
      void this.zk.get(this.layout.epoch).then(
        (n) => this.emit('epoch', { ...event, epoch: parseEpoch(n?.data.toString('utf8')) }),
        () => this.emit('epoch', event),
      );
    } else this.emit('epoch', event);
  }
}
