import { variablesFor, zkPaths } from '@redis-zk/core';

function envTable(): string {
  const vars = variablesFor('sentinel');
  const width = Math.max(...vars.map((v) => v.name.length));
  return vars.map((v) => `  ${v.name.padEnd(width)}  ${v.meaning} (default: ${v.default})`).join('\n');
}

export const HELP = `
redis-zk-sentinel — runs redis-sentinel for a Redis group whose master is recorded in ZooKeeper

Usage: redis-zk-sentinel [--help] [--version]   (configured by environment variables)

What it does:
  1. waits (ZooKeeper watch) for /redis/master = "<host> <port>" (the default group,
     DEFAULT_MASTER_NAME) or any group's /redis/masters/<name>, up to MASTER_WAIT_TIMEOUT_MS;
  2. writes a fresh sentinel.conf (0600) in SENTINEL_DIR monitoring MASTER_NAME and every group
     under /redis/masters, with the timings below and SENTINEL_CONF merged in;
  3. runs redis-sentinel supervised and, once it answers, registers /redis/sentinels/<uuid>;
  4. follows groups appearing/vanishing under /redis/masters (SENTINEL MONITOR/REMOVE);
  5. forgets departed sentinels and dead replicas of every group by restarting its own
     redis-sentinel on its pruned config, one sentinel at a time (ZooKeeper lock
     ${zkPaths.SENTINEL_RESET_LOCK}), so departed entries do not pile up.
  With HTTP_PORT (default PORT1): GET /health (200 while redis-sentinel answers and monitors
  every group it follows, else 503 with the reason) and GET /metrics (Prometheus), from the start.

Environment:
${envTable()}

Exit codes:
  0    stopped by SIGTERM/SIGINT (deregistered at once, redis-sentinel stopped)
  1    fatal: ZooKeeper unreachable, no master record within MASTER_WAIT_TIMEOUT_MS,
       HTTP_PORT already in use, redis-sentinel could not be started or never answered
  2    invalid configuration (one line on stderr names the variable)
  n    redis-sentinel exited on its own: its exit code, or 128 + signal number
`;
