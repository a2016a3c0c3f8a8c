// Which Redis task is the master, asked of the Redis servers themselves (INFO): the one answer
// that is also true when ZooKeeper is remote or chrooted differently, and that gives the pid of
// the master's redis-server (process_id), the process a failover drill kills.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseInfo, redisCommand } from '@redis-zk/core';
import type { LocalGroup, TaskInfo } from './launcher.js';
import { taskSecret, taskTls } from './env.js';

export interface RedisRole {
  task: TaskInfo;
  /** role from INFO replication; undefined when the server did not answer. */
  role?: 'master' | 'slave';
  /** process_id from INFO server: the redis-server itself, not the wrapper (task.pid). */
  redisPid?: number;
  /** Why it did not answer (no secret in it: connection errors only name the address). */
  error?: string;
}

export type MasterResult = { master: RedisRole; roles: RedisRole[] } | { reason: string; roles: RedisRole[] };


/** One INFO to every Redis task of the group, with each task's own REDIS_PASSWORD (or _FILE). */
export async function redisRoles(group: LocalGroup, timeoutMs = 1_000): Promise<RedisRole[]> {
  const tasks = group.tasks().filter((t) => t.program === 'server');
  return Promise.all(
    tasks.map(async (task): Promise<RedisRole> => {
      const password = taskSecret(group.taskEnv(task.name), 'REDIS_PASSWORD');
      const tls = taskTls(group.taskEnv(task.name));
      try {
        const text = await redisCommand({ host: task.host, port: task.port }, { password, tls, timeoutMs }, 'INFO');
        const info = parseInfo(String(text));
        const role = info.replication?.role;
        const pid = Number(info.server?.process_id);
        return {
          task,
          role: role === 'master' || role === 'slave' ? role : undefined,
          redisPid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
          error: role === 'master' || role === 'slave' ? undefined : `INFO gave no role`,
        };
      } catch (err) {
        return { task, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/**
 * The master once the Redis tasks agree: in every Redis app (one per group) exactly one says
 * master, every other says replica. The master returned is the first app's (the default group).
 */
export function settledMaster(roles: RedisRole[]): MasterResult {
  const silent = roles.filter((r) => r.role === undefined);
  if (silent.length > 0) return { reason: silent.map((r) => `${r.task.name}: ${r.error ?? 'no answer'}`).join('; '), roles };
  const apps = [...new Set(roles.map((r) => r.task.appId))];
  let first: RedisRole | undefined;
  for (const app of apps) {
    const masters = roles.filter((r) => r.task.appId === app && r.role === 'master');
    const where = apps.length > 1 ? ` in ${app}` : '';
    if (masters.length !== 1) return { reason: `${masters.length} Redis tasks${where} say they are master (${masters.map((r) => r.task.name).join(', ') || 'none'})`, roles };
    first ??= masters[0];
  }
  if (first === undefined) return { reason: '0 Redis tasks say they are master (none)', roles };
  return { master: first, roles };
}

/** Asks until the Redis tasks agree on one master, for at most timeoutMs. */
export async function findMaster(group: LocalGroup, timeoutMs = 15_000): Promise<MasterResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = settledMaster(await redisRoles(group));
    if ('master' in result || Date.now() >= deadline) return result;
    await sleep(300);
  }
}
