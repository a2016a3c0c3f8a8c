// What `npm start` prints once the group is healthy: where everything is, which Redis task is
// the master, and commands to paste. Secret values never appear: commands that need the Redis
// password read it from the user's shell ($REDIS_PASSWORD).
import { relative } from 'node:path';
import type { LocalGroup, TaskInfo } from './launcher.js';
import type { MasterResult } from './master.js';
import { taskSecret } from './env.js';
import { plainEnv } from './definitions.js';

/** `REDISCLI_AUTH="$REDIS_PASSWORD" ` when the task's Redis wants a password, else ''. */
function cliAuth(group: LocalGroup, task: TaskInfo): string {
  return taskSecret(group.taskEnv(task.name), 'REDIS_PASSWORD') ? 'REDISCLI_AUTH="$REDIS_PASSWORD" ' : '';
}

/** The watcher's base URL: https when the task serves its API with HTTP_TLS_CERT_FILE. */
function watcherUrl(group: LocalGroup, task: TaskInfo): string {
  return `${group.taskEnv(task.name)?.HTTP_TLS_CERT_FILE ? 'https' : 'http'}://${task.host}:${task.port}`;
}

/** redis-cli's TLS flags when the task runs with TLS_* (the same files as the task). */
function cliTls(group: LocalGroup, task: TaskInfo): string {
  const env = group.taskEnv(task.name);
  return env?.TLS_CA_FILE ? ` --tls --cacert ${env.TLS_CA_FILE} --cert ${env.TLS_CERT_FILE ?? ''} --key ${env.TLS_KEY_FILE ?? ''}` : '';
}

export function summary(group: LocalGroup, found?: MasterResult): string {
  const tasks = group.tasks();
  const zkSlash = group.zkHosts.indexOf('/');
  const zkServer = (zkSlash === -1 ? group.zkHosts : group.zkHosts.slice(0, zkSlash)).split(',')[0];
  const chroot = zkSlash === -1 ? '' : group.zkHosts.slice(zkSlash);
  const rel = (p?: string) => (p ? relative(process.cwd(), p) : '-');
  const master = found && 'master' in found ? found.master : undefined;
  const roleOf = (t: TaskInfo) => {
    const r = found?.roles.find((x) => x.task.taskId === t.taskId);
    return r?.role === 'master' ? 'master' : r?.role === 'slave' ? 'replica' : r ? '?' : '';
  };

  const lines = ['', 'redis-zk local group is up', `  ZooKeeper   ${group.zkHosts}`];
  for (const t of tasks) {
    const addr = t.program === 'watcher' ? watcherUrl(group, t) : `${t.host}:${t.port}`;
    const state = t.healthy ? 'healthy' : t.state;
    lines.push(`  ${t.name.padEnd(12)}${addr.padEnd(24)}${state.padEnd(9)}${roleOf(t).padEnd(9)}${rel(t.logFile)}`);
  }
  if (found && 'reason' in found) lines.push(`  (the master is not settled yet: ${found.reason}; ask the watcher's /master below)`);

  const watcher = tasks.find((t) => t.program === 'watcher');
  const sentinel = tasks.find((t) => t.program === 'sentinel');
  const redis = master?.task ?? tasks.find((t) => t.program === 'server');
  const masterName = group.apps.map((a) => a.env?.MASTER_NAME).find((v) => typeof v === 'string') ?? 'mymaster';
  const anyPassword = tasks.some((t) => t.program === 'server' && cliAuth(group, t) !== '');
  const zkAuth = tasks.some((t) => taskSecret(group.taskEnv(t.name), 'ZK_AUTH'));

  lines.push('');
  if (anyPassword) {
    lines.push(
      'Redis wants a password (REDIS_PASSWORD): first `export REDIS_PASSWORD=…` (the same value) in your',
      'shell; the redis-cli commands below pass it as REDISCLI_AUTH (or use redis-cli --askpass).',
      '',
    );
  }
  if (watcher) lines.push(`Status page: ${watcherUrl(group, watcher)}/   (open it in a browser: groups, replicas, sentinels, live events)`, '');
  lines.push('Try:');
  if (watcher) {
    const url = watcherUrl(group, watcher);
    if (url.startsWith('https:')) lines.push('  (the watcher serves HTTPS: give curl --cacert <the CA that signed HTTP_TLS_CERT_FILE>)');
    lines.push(`  curl -N ${url}/events       # the live event stream (Server-Sent Events)`);
    lines.push(`  curl ${url}/metrics         # Prometheus metrics`);
    if (taskSecret(group.taskEnv(watcher.name), 'API_TOKEN')) {
      lines.push(`  curl -X POST -H "Authorization: Bearer $API_TOKEN" ${url}/switchover   # move the master on purpose`);
    } else {
      lines.push(`  (POST ${url}/switchover needs a token: API_TOKEN=<16+ chars> npm start -- --env watcher:API_TOKEN)`);
    }
    lines.push(`  curl ${url}/master          # where the master is`);
    lines.push(`  curl ${url}/status          # master, replicas, sentinels`);
    if (group.apps.filter((a) => a.labels?.REDIS_ZK_PROGRAM === 'server').length > 1) lines.push(`  curl ${url}/masters         # every group's master (one line each)`);
    const auth = redis ? cliAuth(group, redis) : '';
    lines.push(`  ${auth}redis-cli -h ${watcher.host} -p "$(curl -s ${url}/master | cut -d: -f2)"${redis ? cliTls(group, redis) : ''} set hello world`);
  }
  if (redis) lines.push(`  ${cliAuth(group, redis)}redis-cli -h ${redis.host} -p ${redis.port}${cliTls(group, redis)} info replication`);
  if (redis?.ports[1] !== undefined) lines.push(`  curl http://${redis.host}:${redis.ports[1]}/metrics   # a wrapper's metrics (PORT1: also /primary, /replica, /health)`);
  const sentinelCliAuth = sentinel && taskSecret(group.taskEnv(sentinel.name), 'SENTINEL_PASSWORD') ? 'REDISCLI_AUTH="$SENTINEL_PASSWORD" ' : '';
  if (sentinel) lines.push(`  ${sentinelCliAuth}redis-cli -h ${sentinel.host} -p ${sentinel.port}${cliTls(group, sentinel)} sentinel get-master-addr-by-name ${String(masterName)}`);
  lines.push(`  /usr/share/zookeeper/bin/zkCli.sh -server ${zkServer} get ${chroot}/redis/master`);
  if (zkAuth) lines.push('  (ZK_AUTH is set: in zkCli.sh, `addauth digest <user:password>` first)');
  // Marathon fills secret references from its secret store; here they are unset unless given.
  const unset = [...new Set(group.apps.flatMap((a) => plainEnv(a).secrets))].filter((name) => !tasks.some((t) => taskSecret(group.taskEnv(t.name), name)));
  if (unset.length > 0) lines.push(`  (the definitions take ${unset.join(', ')} from Marathon secrets, unset here: e.g. ${unset[0]}=… npm start -- --env all:${unset[0]})`);

  if (master) {
    const t = master.task;
    lines.push('', `Failover drill (the master is ${t.name}, ${t.host}:${t.port}):`);
    if (master.redisPid !== undefined) {
      const who = sentinel ? 'the sentinels promote a replica' : 'the replicas elect one of them through ZooKeeper';
      lines.push(`  kill -9 ${master.redisPid}          # the master's redis-server: ${who}; ${t.name} exits and is replaced on a new port as a replica`);
    }
    lines.push(`  kill -9 -- -${t.pid}      # or the whole task ${t.name} (its process group: redis-zk-server and its redis-server), like a dying container`);
    lines.push(`  ${cliAuth(group, t)}redis-cli -h ${t.host} -p ${t.port}${cliTls(group, t)} info server | grep process_id   # the master's redis-server pid`);
    if (watcher) lines.push(`  curl ${watcherUrl(group, watcher)}/master          # a few seconds later: the new master`);
  }
  lines.push('', 'Ctrl-C stops everything (a second Ctrl-C kills everything at once).', '');
  return lines.join('\n');
}
