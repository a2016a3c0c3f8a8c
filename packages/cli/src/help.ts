import { isRedisZkError } from '@redis-zk/core';
import { COMMANDS, type Command } from './args.js';

/** Exit codes, as docs/operations/cli.md lists them. */
export const EXIT = { ok: 0, found: 1, usage: 2, unreachable: 3, timeout: 4 } as const;

/** Which exit a failure gets: bad input 2, nothing to talk to 3, anything else 1. */
export function exitFor(err: unknown): number {
  if (!isRedisZkError(err)) return EXIT.found;
  if (err.code === 'USAGE' || err.code === 'CONFIG_INVALID') return EXIT.usage;
  if (['ZK_CONNECT_TIMEOUT', 'ZK_TIMEOUT', 'ZK_CONNECTION_LOSS', 'REDIS_UNREACHABLE', 'UNAVAILABLE'].includes(err.code)) return EXIT.unreachable;
  return EXIT.found;
}

const USAGE: Record<Command, string> = {
  list: 'redis-zk list [group] [--json]',
  check: 'redis-zk check [group] [--json]',
  history: 'redis-zk history [group] [--json]',
  events: 'redis-zk events [group] [--since ID] [--count N] [--watcher URL] [--json]',
  pause: 'redis-zk pause [group | --all] [--reason TEXT] [--wait [--timeout MS]] [--json]',
  resume: 'redis-zk resume [group | --all] [--wait [--timeout MS]] [--json]',
  switchover: 'redis-zk switchover [group] [--to HOST:PORT] [--wait [--timeout MS]] [--watcher URL] [--json]',
};

export const HELP = `redis-zk: operate redis-zk groups (docs/operations/cli.md)

Commands:
${(Object.keys(COMMANDS) as Command[]).map((c) => `  ${USAGE[c]}\n      ${COMMANDS[c].summary}`).join('\n')}

A group defaults to MASTER_NAME (mymaster). Configured like the programs: ZK_HOSTS (with its
chroot), ZK_AUTH[_FILE], REDIS_PASSWORD[_FILE], REDIS_USERNAME, SENTINEL_PASSWORD[_FILE], TLS_*;
switchover and events talk to the watcher: WATCHER_URL or --watcher, and API_TOKEN[_FILE].

Exit codes: 0 done (check: nothing wrong); 1 check found a problem, or the command was refused or
failed; 2 bad command line or setting; 3 ZooKeeper or the watcher did not answer; 4 --wait timed out.
`;

export function commandHelp(c: Command): string {
  return `usage: ${USAGE[c]}\n  ${COMMANDS[c].summary}\n\nSee redis-zk --help for the settings and exit codes.\n`;
}
