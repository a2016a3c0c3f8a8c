import { classifyRecord, type Disposable, leadershipHolder, watchNode, type Zk, zkPaths } from '@redis-zk/core';
import type { WatcherState } from './state.js';

/**
 * FAILOVER_MODE=zookeeper: whether each group's leadership (`/redis/leader`, or
 * `/redis/groups/<name>/leader`) is held, kept current by watches on every group with a record.
 */
export class Leaders {
  private readonly holders = new Map<string, string | undefined>();
  private readonly watches = new Map<string, Disposable>();

  constructor(
    private readonly zk: Zk,
    private readonly defaultName: string,
    private readonly state: WatcherState,
  ) {}

  start(): void {
    this.sync();
    this.state.on('groups', () => this.sync());
  }

  /** The holder's `<host> <port>`, or undefined when nobody holds the group's leadership. */
  holder(name: string): string | undefined {
    return this.holders.get(name);
  }

  private sync(): void {
    const groups = new Set([this.defaultName, ...this.state.groups()]);
    for (const name of groups) {
      if (this.watches.has(name)) continue;
      const path = zkPaths.groupLayout(name, name === this.defaultName).leader;
      this.watches.set(
        name,
        watchNode(this.zk, path, (node) => {
          // A persistent node written by hand is nobody's leadership.
          const value = leadershipHolder(node);
          this.holders.set(name, value);
          // The rule of this mode: the master is the leadership's holder, whatever the record says.
          const held = value === undefined ? undefined : classifyRecord(value);
          this.state.setBacked(name, held?.kind === 'valid' ? held.addr : undefined);
        }),
      );
    }
    for (const [name, w] of this.watches) {
      if (groups.has(name)) continue;
      w.close();
      this.watches.delete(name);
      this.holders.delete(name);
    }
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }
}
