import { formatHostPort, type HostPort } from '../hostport.js';

/** Why a group's master changed, as the writer that moved the record knows it. */
export const CHANGE_CAUSES = ['failover', 'switchover', 'hand-off', 'crash-failover', 'election', 'claim', 'repair'] as const;
export type ChangeCause = (typeof CHANGE_CAUSES)[number];

/** One change of a group's master, kept in `/redis/history/<name>` (newest last). */
export interface HistoryEntry {
  /** ISO time of the writer's clock when it wrote. */
  at: string;
  epoch: number;
  /** `<host> <port>`, or null when the record named nothing usable before. */
  from: string | null;
  to: string;
  cause: ChangeCause;
}

/** The history keeps this many changes per group; older ones are dropped. */
export const HISTORY_LIMIT = 100;

/**
 * The stored history, entries that are not well-formed left out: the node is readable and
 * writable by anyone with the credentials, and one bad entry must not cost the rest.
 */
export function parseHistory(raw: string | undefined): HistoryEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e): e is HistoryEntry =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as HistoryEntry).at === 'string' &&
      Number.isInteger((e as HistoryEntry).epoch) &&
      ((e as HistoryEntry).from === null || typeof (e as HistoryEntry).from === 'string') &&
      typeof (e as HistoryEntry).to === 'string' &&
      (CHANGE_CAUSES as readonly string[]).includes((e as HistoryEntry).cause),
  );
}

/** The history with one more change, at most HISTORY_LIMIT long. */
export function appendHistory(entries: readonly HistoryEntry[], change: { from: HostPort | undefined; to: HostPort; epoch: number; cause: ChangeCause; at?: Date }): HistoryEntry[] {
  const entry: HistoryEntry = { at: (change.at ?? new Date()).toISOString(), epoch: change.epoch, from: change.from === undefined ? null : formatHostPort(change.from), to: formatHostPort(change.to), cause: change.cause };
  return [...entries, entry].slice(-HISTORY_LIMIT);
}
