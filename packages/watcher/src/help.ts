import { variablesFor } from '@redis-zk/core';

export function helpText(): string {
  const vars = variablesFor('watcher')
    .map((v) => `  ${v.name.padEnd(24)} ${v.meaning} (default: ${v.default})`)
    .join('\n');
  return `redis-zk-watcher — writes every Redis Sentinel failover to ZooKeeper and serves an HTTP API

Subscribes to +switch-master on every live sentinel (/redis/sentinels), replacing one at once
when it goes away. On every switch, every (re)subscription and every RECONCILE_INTERVAL_MS
it asks the sentinels for each group's master (highest config epoch, confirmed by ROLE) and
repairs /redis/masters/<name> (and /redis/master for the default group, DEFAULT_MASTER_NAME) in one transaction, with the
config epoch in /redis/epochs/<name>. ZooKeeper never goes back to an older master.

HTTP on PORT0: GET /sentinels, /sentinel, /master, /masters, /master/<name> (text/plain, or
JSON with Accept: application/json), GET /status and /status/<name> (JSON), GET /health and
/health/<name> (200 or 503 with a JSON reason), GET /events (Server-Sent Events, Last-Event-ID
resume), GET /metrics (Prometheus), GET / (the status page, for a browser), and
POST /switchover {"group","candidate"} with Authorization: Bearer <API_TOKEN>.

Usage: redis-zk-watcher [--help] [--version]   (configuration is by environment)

Environment:
${vars}

Exit codes:
  0  stopped by SIGTERM/SIGINT
  1  could not run (ZooKeeper unreachable within ZK_CONNECT_TIMEOUT_MS, port in use, …)
  2  bad configuration or arguments (one line on stderr names the variable)`;
}
