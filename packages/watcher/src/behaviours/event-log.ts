import { joinHostPort } from '@redis-zk/core';
import type { Behaviour } from './behaviour.js';

export interface LoggedEvent {
  at: string;
  kind: 'switch-master' | 'record-written' | 'refused';
  name?: string;
  from?: string;
  to?: string;
  source?: string;
  detail?: string;
}

/** The last events in memory, for /status: what this watcher saw and did, newest last. */
export class EventLog {
  private readonly entries: LoggedEvent[] = [];
  constructor(private readonly limit = 20) {}

  add(e: Omit<LoggedEvent, 'at'>): void {
    this.entries.push({ at: new Date().toISOString(), ...e });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(): LoggedEvent[] {
    return [...this.entries];
  }

  behaviour(): Behaviour {
    return {
      name: 'event-log',
      onSwitch: (e) => this.add({ kind: 'switch-master', name: e.name, from: joinHostPort(e.from), to: joinHostPort(e.to), source: e.source }),
    };
  }
}
