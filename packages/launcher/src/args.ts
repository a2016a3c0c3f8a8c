// The launcher's command line. Pure (the environment is a parameter) so it is tested without
// starting anything. Error messages never repeat an `--env` value: it may be a password.
import { resolve } from 'node:path';
import { RedisZkError } from '@redis-zk/core';
import { ALL_APPS, type LauncherOptions } from './launcher.js';

export const HELP = `redis-zk local launcher: runs marathon/group.json on this machine as Marathon would

usage: npm start [-- options]   (or: node scripts/local-group.mjs [options])

  --group FILE          group definition (default marathon/group.json)
  --env APP:NAME=VALUE  extra env for an app (repeatable), e.g.
                        --env sentinel:SENTINEL_DOWN_AFTER_MS=1000
  --env APP:NAME        the same, with the value of NAME in the launcher's own environment:
                        for secrets, which then stay off every command line (ps), e.g.
                        REDIS_PASSWORD=s3cret npm start -- --env all:REDIS_PASSWORD
                        APP is an app id (/redis-zk/redis), its last segment (redis), its
                        program (server, sentinel, watcher), or all (also *) for every app;
                        the more specific wins. Values are never printed.
  --instances APP=N     instance count instead of the definition's (repeatable)
  --groups N            N Redis groups (default 1): the server app again as redis-g2 … redis-gN
                        with MASTER_NAME g2 … gN, sharing the sentinels and the watcher
  --failover-mode sentinel|zookeeper
                        zookeeper: no sentinel app; FAILOVER_MODE=zookeeper on the servers and
                        the watcher (failover arbitrated by ZooKeeper alone)
  --output logs|prefix  task output to .local/logs/<task>.log (default) or to this terminal,
                        each line prefixed by the task name
  --state-dir DIR       where sandboxes/ and logs/ go (default .local)
  --health-interval MS  health-check interval (default 2000; the definition's is for production)
  --root DIR            repository whose packages/<program>/dist bundles to run (default this one)

environment: ZK_HOSTS  use this ZooKeeper instead of starting a local one

Once every app is healthy, the launcher prints each task's address, which Redis task is the
master, and commands to try (a failover: kill -9 of the master's redis-server).
Ctrl-C stops every task (SIGTERM, then SIGKILL after the app's taskKillGracePeriodSeconds)
and ZooKeeper; a second Ctrl-C during that wait kills everything at once (SIGKILL).`;

export class UsageError extends RedisZkError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** `--help` is reported as `'help'` so that the caller prints and exits. */
export function parseArgs(argv: string[], environment: NodeJS.ProcessEnv = process.env): LauncherOptions | 'help' {
  const opts: LauncherOptions = { env: {}, instances: {}, healthIntervalMs: 2_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value (see --help)`);
      return v;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--group') opts.groupFile = resolve(value());
    else if (arg === '--state-dir') opts.stateDir = resolve(value());
    else if (arg === '--root') opts.root = resolve(value());
    else if (arg === '--output') {
      const v = value();
      if (v !== 'logs' && v !== 'prefix') throw new UsageError(`--output ${v}: expected logs or prefix`);
      opts.output = v;
    } else if (arg === '--health-interval') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 100) throw new UsageError(`--health-interval: expected milliseconds >= 100`);
      opts.healthIntervalMs = v;
    } else if (arg === '--env') {
      const { app, name, val } = parseEnvArg(value(), environment);
      (opts.env![app === '*' ? ALL_APPS : app] ??= {})[name] = val;
    } else if (arg === '--failover-mode') {
      const v = value();
      if (v !== 'sentinel' && v !== 'zookeeper') throw new UsageError(`--failover-mode ${v}: expected sentinel or zookeeper`);
      opts.failoverMode = v;
    } else if (arg === '--groups') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1 || v > 100) throw new UsageError(`--groups: expected a number of groups from 1 to 100`);
      opts.groups = v;
    } else if (arg === '--instances') {
      const m = /^([^=]+)=(\d+)$/.exec(value());
      if (!m) throw new UsageError(`--instances ${argv[i]}: expected APP=N, e.g. redis=5`);
      opts.instances![m[1]!] = Number(m[2]);
    } else throw new UsageError(`unknown argument ${JSON.stringify(arg)} (see --help)`);
  }
  return opts;
}

function parseEnvArg(spec: string, environment: NodeJS.ProcessEnv): { app: string; name: string; val: string } {
  const eq = spec.indexOf('=');
  // Only what comes before `=` is ever repeated in a message.
  const head = eq === -1 ? spec : spec.slice(0, eq);
  const shown = eq === -1 ? head : `${head}=…`;
  const m = /^([^:]+):([A-Za-z_][A-Za-z0-9_]*)$/.exec(head);
  if (!m) {
    throw new UsageError(`--env ${shown}: expected APP:NAME=VALUE or APP:NAME (value from the launcher's environment), e.g. sentinel:SENTINEL_DOWN_AFTER_MS=1000 or all:REDIS_PASSWORD`);
  }
  const [, app, name] = m as unknown as [string, string, string];
  if (eq !== -1) return { app, name, val: spec.slice(eq + 1) };
  const inherited = environment[name];
  if (inherited === undefined) {
    throw new UsageError(`--env ${head}: ${name} is not set in the launcher's environment (set it, e.g. ${name}=… npm start -- --env ${head}, or give APP:NAME=VALUE)`);
  }
  return { app, name, val: inherited };
}
