import { MASTER_NAME_PATTERN, RedisZkError } from '@redis-zk/core';

/** What each command takes: at most one group name, and these flags (`value`: the next word is its value). */
export const COMMANDS = {
  list: { flags: {}, summary: 'every group (or one): master, replicas with role, link, offset, lag, fenced; the sentinels; epoch; paused' },
  check: { flags: {}, summary: 'what is wrong, one line each; exit 1 when something is' },
  history: { flags: {}, summary: "a group's master changes: time, epoch, from, to, cause" },
  events: { flags: { watcher: 'value', count: 'value', since: 'value' }, summary: "the watcher's live event stream, one line per event (--since ID: first the kept events after that id; --count N: stop after N)" },
  pause: { flags: { all: 'bool', wait: 'bool', reason: 'value', timeout: 'value' }, summary: 'maintenance mode: no automatic failover of the group (or --all) until resume' },
  resume: { flags: { all: 'bool', wait: 'bool', timeout: 'value' }, summary: 'end maintenance mode' },
  switchover: { flags: { to: 'value', wait: 'bool', timeout: 'value', watcher: 'value' }, summary: 'move the master to a replica (--to host:port: that one), through the watcher' },
} as const satisfies Record<string, { flags: Record<string, 'bool' | 'value'>; summary: string }>;

export type Command = keyof typeof COMMANDS;

export interface Invocation {
  command: Command;
  /** The group named on the command line, if any. */
  group: string | undefined;
  json: boolean;
  flags: Map<string, string | true>;
}

/** Flags every command takes. */
const COMMON = { json: 'bool' } as const;

function usage(what: string, value: string, expected: string): RedisZkError {
  return new RedisZkError('USAGE', `${what}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
}

/**
 * `redis-zk <command> [group] [--flag [value]]…`. Anything else is one USAGE error naming the word
 * and what was expected (exit 2).
 */
export function parseArgs(argv: readonly string[]): Invocation | 'help' | { help: Command } | 'version' {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return 'help';
  if (argv[0] === '--version' || argv[0] === '-V') return 'version';
  const word = argv[0]!;
  if (!(word in COMMANDS)) throw usage('command', word, `one of ${Object.keys(COMMANDS).join(', ')} (redis-zk --help)`);
  const command = word as Command;
  const spec: Record<string, 'bool' | 'value'> = { ...COMMON, ...COMMANDS[command].flags };
  const flags = new Map<string, string | true>();
  let group: string | undefined;
  for (let i = 1; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { help: command };
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const kind = spec[name];
      if (kind === undefined) throw usage(`redis-zk ${command}`, a, `one of ${Object.keys(spec).map((f) => `--${f}`).join(', ')}`);
      if (kind === 'bool') {
        if (inline !== undefined) throw usage(`--${name}`, inline, 'no value (it is a switch)');
        flags.set(name, true);
      } else {
        const v = inline ?? argv[(i += 1)];
        if (v === undefined || (inline === undefined && v.startsWith('--'))) throw usage(`--${name}`, '', 'a value after it');
        flags.set(name, v);
      }
      continue;
    }
    if (group !== undefined) throw usage(`redis-zk ${command}`, a, 'at most one group name');
    if (!MASTER_NAME_PATTERN.test(a)) throw usage('group', a, 'a group name of letters, digits, ".", "_" or "-" (at most 64)');
    group = a;
  }
  // Checked before anything is done: a pause must not be set by a command that then fails on its --timeout.
  for (const f of ['timeout', 'count']) if (flags.has(f)) positiveInt(f, flags.get(f), 0, f === 'count' ? 1_000_000_000 : 86_400_000);
  const since = flags.get('since');
  if (since !== undefined && (typeof since !== 'string' || !/^[0-9]{1,15}$/.test(since))) throw usage('--since', String(since), 'an event id (a whole number, 0 or more)');
  if (flags.has('all') && group !== undefined) throw usage(`redis-zk ${command}`, group, 'either a group name or --all, not both');
  return { command, group, json: flags.has('json'), flags };
}

/** A positive whole number of milliseconds (or a count) given to a flag. */
export function positiveInt(flag: string, value: string | true | undefined, fallback: number, max = 86_400_000): number {
  if (value === undefined) return fallback;
  if (value === true || !/^[0-9]{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max) throw usage(`--${flag}`, String(value), `a whole number from 1 to ${max}`);
  return Number(value);
}
