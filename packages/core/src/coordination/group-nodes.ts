import { watchChildren, type Disposable } from '../zk/watch.js';
import type { Zk } from '../zk/client.js';
import * as paths from '../zk/paths.js';

/**
 * The live-node registries of every group, kept current by watches: the default group's
 * `/redis/nodes` and each `/redis/groups/<name>/nodes` (groups come and go with their servers'
 * first registration). `onChange` gets group name → (entry id → `<host> <port>` as stored).
 */
export class GroupNodes {
  private readonly byGroup = new Map<string, Map<string, string>>();
  private readonly watches = new Map<string, Disposable>();
  private groupsWatch: Disposable | undefined;
  private closed = false;

  constructor(
    private readonly zk: Zk,
    private readonly defaultName: string,
    private readonly onChange: (byGroup: ReadonlyMap<string, ReadonlyMap<string, string>>) => void,
  ) {}

  start(): void {
    this.follow(this.defaultName, paths.NODES);
    this.groupsWatch = watchChildren(this.zk, paths.GROUPS, (children) => {
      if (this.closed) return;
      for (const name of children.keys()) {
        if (name !== this.defaultName && !this.watches.has(name)) this.follow(name, paths.groupLayout(name, false).nodes);
      }
      for (const [name, w] of this.watches) {
        if (name !== this.defaultName && !children.has(name)) {
          w.close();
          this.watches.delete(name);
          this.byGroup.delete(name);
          this.onChange(this.byGroup);
        }
      }
    });
  }

  /** The live entries of one group (empty when it has none). */
  of(name: string): ReadonlyMap<string, string> {
    return this.byGroup.get(name) ?? new Map();
  }

  /** Every registered `<host> <port>` value, whatever its group. */
  all(): Set<string> {
    const out = new Set<string>();
    for (const entries of this.byGroup.values()) for (const v of entries.values()) out.add(v);
    return out;
  }

  close(): void {
    this.closed = true;
    this.groupsWatch?.close();
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private follow(name: string, dir: string): void {
    this.watches.set(
      name,
      watchChildren(this.zk, dir, (entries) => {
        if (this.closed) return;
        this.byGroup.set(name, entries);
        this.onChange(this.byGroup);
      }),
    );
  }
}
