// `npm start`: the group in marathon/group.json as local processes, as Marathon would run it.
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT, startGroup, type LauncherOptions, type LocalGroup } from './launcher.js';

const HELP = `redis-zk local launcher: runs marathon/group.json on this machine as Marathon would

usage: npm start [-- options]   (or: node scripts/local-group.mjs [options])

  --group FILE          group definition (default marathon/group.json)
  --env APP:NAME=VALUE  extra env for an app (id, short name or program), e.g.
                        --env sentinel:SENTINEL_DOWN_AFTER_MS=1000   (repeatable)
  --instances APP=N     instance count instead of the definition's (repeatable)
  --output logs|prefix  task output to .local/logs/<task>.log (default) or to this terminal,
                        each line prefixed by the task name
  --state-dir DIR       where sandboxes/ and logs/ go (default .local)
  --health-interval MS  health-check interval (default 2000; the definition's is for production)

environment: ZK_HOSTS  use this ZooKeeper instead of starting a local one
Ctrl-C stops every task (SIGTERM, then SIGKILL after the app's grace period) and ZooKeeper.`;

function parseArgs(argv: string[]): LauncherOptions {
  const opts: LauncherOptions = { env: {}, instances: {}, healthIntervalMs: 2_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value (see --help)`);
      return v;
    };
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    } else if (arg === '--group') opts.groupFile = resolve(value());
    else if (arg === '--state-dir') opts.stateDir = resolve(value());
    else if (arg === '--output') {
      const v = value();
      if (v !== 'logs' && v !== 'prefix') throw new Error(`--output ${v}: expected logs or prefix`);
      opts.output = v;
    } else if (arg === '--health-interval') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 100) throw new Error(`--health-interval: expected milliseconds >= 100`);
      opts.healthIntervalMs = v;
    } else if (arg === '--env') {
      const m = /^([^:]+):([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value());
      if (!m) throw new Error(`--env ${argv[i]}: expected APP:NAME=VALUE, e.g. sentinel:SENTINEL_DOWN_AFTER_MS=1000`);
      (opts.env![m[1]!] ??= {})[m[2]!] = m[3]!;
    } else if (arg === '--instances') {
      const m = /^([^=]+)=(\d+)$/.exec(value());
      if (!m) throw new Error(`--instances ${argv[i]}: expected APP=N, e.g. redis=5`);
      opts.instances![m[1]!] = Number(m[2]);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`);
  }
  return opts;
}

/** Where everything is, and commands to try. */
export function summary(group: LocalGroup): string {
  const tasks = group.tasks();
  const zkSlash = group.zkHosts.indexOf('/');
  const zkServer = (zkSlash === -1 ? group.zkHosts : group.zkHosts.slice(0, zkSlash)).split(',')[0];
  const chroot = zkSlash === -1 ? '' : group.zkHosts.slice(zkSlash);
  const rel = (p?: string) => (p ? relative(process.cwd(), p) : '-');
  const lines = ['', 'redis-zk local group is up', `  ZooKeeper  ${group.zkHosts}`];
  for (const t of tasks) {
    const addr = t.program === 'watcher' ? `http://${t.host}:${t.port}` : `${t.host}:${t.port}`;
    lines.push(`  ${t.name.padEnd(11)}${addr.padEnd(24)}${t.healthy ? 'healthy  ' : `${t.state.padEnd(9)}`}${rel(t.logFile)}`);
  }
  const watcher = tasks.find((t) => t.program === 'watcher');
  const sentinel = tasks.find((t) => t.program === 'sentinel');
  const redis = tasks.find((t) => t.program === 'server');
  const masterName = group.apps.map((a) => a.env?.MASTER_NAME).find((v) => typeof v === 'string') ?? 'mymaster';
  lines.push('', 'Try:');
  if (watcher) {
    lines.push(`  curl http://${watcher.host}:${watcher.port}/master          # where the master is`);
    lines.push(`  curl http://${watcher.host}:${watcher.port}/status          # master, replicas, sentinels`);
    lines.push(`  redis-cli -h ${watcher.host} -p "$(curl -s http://${watcher.host}:${watcher.port}/master | cut -d: -f2)" set hello world`);
  }
  if (redis) lines.push(`  redis-cli -h ${redis.host} -p ${redis.port} info replication`);
  if (sentinel) lines.push(`  redis-cli -h ${sentinel.host} -p ${sentinel.port} sentinel get-master-addr-by-name ${String(masterName)}`);
  lines.push(`  /usr/share/zookeeper/bin/zkCli.sh -server ${zkServer} get ${chroot}/redis/master`);
  if (redis) lines.push(`  kill -9 ${redis.pid}     # kill ${redis.name}: the launcher replaces it on a new port`);
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let opts: LauncherOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`launcher: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let group: LocalGroup | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    // A second Ctrl-C: no more waiting; the process-group exit hook SIGKILLs every task.
    if (signals > 1) process.exit(130);
    process.stdout.write(`\nlauncher  | ${sig}: stopping (Ctrl-C again to kill everything now)\n`);
    void (group?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.write(`launcher  | starting ${rel(opts.groupFile ?? join(REPO_ROOT, 'marathon', 'group.json'))}\n`);
  try {
    group = await startGroup(opts);
  } catch (err) {
    process.stderr.write(`launcher: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (signals > 0) return;
  process.stdout.write(summary(group));
}

const rel = (p: string) => relative(process.cwd(), p) || p;

void main();
