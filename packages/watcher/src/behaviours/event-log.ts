import { joinHostPort } from '@redis-zk/core';
import type { Behaviour } from './behaviour.js';

export type EventKind =
  /** A sentinel announced a switch (or ZooKeeper's record moved, FAILOVER_MODE=zookeeper). */
  | 'switch-master'
  /** This watcher wrote a group's record. */
  | 'record-written'
  /** An input this watcher would not act on (a malformed announcement). */
  | 'refused'
  /** A sentinel's own event: +sdown, +odown, -failover-abort-*, +reset-master, … (`event`). */
  | 'sentinel'
  /** HOOK_COMMAND finished (`outcome`: ok, failed, timeout, not-started). */
  | 'hook'
  /** The watcher's ZooKeeper session changed state (`detail`). */
  | 'zookeeper'
  /** A group's master was seen fenced or unfenced (`outcome`: up, lifted). */
  | 'fencing'
  /** A planned switchover (`outcome`: started, done, failed). */
  | 'switchover';

export interface LoggedEvent {
  /** Increasing from 1 for this watcher's life: the SSE id a client resumes from. */
  id: number;
  at: string;
  kind: EventKind;
  name?: string;
  from?: string;
  to?: string;
  source?: string;
  event?: string;
  outcome?: string;
  detail?: string;
}

export type EventInput = Omit<LoggedEvent, 'id' | 'at'>;

/** How many events /status shows per group. */
const STATUS_EVENTS = 20;

/**
 * What this watcher saw and did, in one ordered stream: /status shows the last ones, /events
 * streams them (resuming from a bounded history by id), and the metrics count them, so the three
 * never disagree about what happened.
 */
export class EventLog {
  private readonly entries: LoggedEvent[] = [];
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  private nextId = 1;

  constructor(private readonly limit = 500) {}

  add(e: EventInput): LoggedEvent {
    const entry: LoggedEvent = { id: this.nextId++, at: new Date().toISOString(), ...e };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    for (const l of this.listeners) {
      try {
        l(entry);
      } catch {
        /* a listener's failure is its own (a closed stream); the others still get the event */
      }
    }
    return entry;
  }

  /** The last events about a group (or about no group in particular), oldest first. */
  recent(group?: string, n = STATUS_EVENTS): LoggedEvent[] {
    const of = group === undefined ? this.entries : this.entries.filter((e) => e.name === undefined || e.name === group);
    return of.slice(-n);
  }

  /**
   * The events after `id`, for a client resuming with Last-Event-ID. `complete` is false when
   * some of them already fell out of the history (the client should reload its picture).
   */
  after(id: number): { events: LoggedEvent[]; complete: boolean } {
    const events = this.entries.filter((e) => e.id > id);
    const oldest = this.entries[0]?.id ?? this.nextId;
    return { events, complete: id >= oldest - 1 };
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  subscribe(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  behaviour(): Behaviour {
    return {
      name: 'event-log',
      onSwitch: (e) => void this.add({ kind: 'switch-master', name: e.name, from: joinHostPort(e.from), to: joinHostPort(e.to), source: e.source }),
    };
  }
}
