import { PAUSED_QUORUM, redisCommand, sentinelMaster, sentinelReplicas, type HostPort, type RedisAuth } from '@redis-zk/core';
import { isDown, type KnownReplica } from './decide-replicas.js';
import type { GroupTimings } from './sentinel-conf.js';

/** Our own redis-sentinel, driven over its socket (secrets travel there, never on a command line). */
export class SentinelControl {
  constructor(
    readonly addr: HostPort,
    /** The sentinel's own password (SENTINEL_PASSWORD); REDIS_PASSWORD is only the masters' auth-pass. */
    private readonly auth: RedisAuth,
    /** Maintenance mode: a paused group is (re)monitored with PAUSED_QUORUM. */
    private readonly paused: (name: string) => boolean = () => false,
  ) {}

  /** The quorum a group is monitored with now: the configured one, or PAUSED_QUORUM while it is paused. */
  quorumFor(name: string, configured: number): number {
    return this.paused(name) ? PAUSED_QUORUM : configured;
  }

  async setQuorum(name: string, quorum: number): Promise<void> {
    await redisCommand(this.addr, this.auth, 'SENTINEL', 'SET', name, 'quorum', quorum);
  }

  master(name: string): Promise<Record<string, string> | undefined> {
    return sentinelMaster(this.addr, this.auth, name);
  }

  /** Idempotent: a group our sentinel already monitors (a retry whose first reply was lost) only gets the timings. */
  async monitor(name: string, master: HostPort, t: GroupTimings): Promise<void> {
    try {
      await redisCommand(this.addr, this.auth, 'SENTINEL', 'MONITOR', name, master.host, master.port, this.quorumFor(name, t.quorum));
    } catch (err) {
      if (!(err instanceof Error && /Duplicate(d)? master name/i.test(err.message))) throw err;
    }
    const set: (string | number)[] = ['quorum', this.quorumFor(name, t.quorum), 'down-after-milliseconds', t.downAfterMs, 'failover-timeout', t.failoverTimeoutMs, 'parallel-syncs', t.parallelSyncs];
    if (t.authPass !== undefined) set.push('auth-pass', t.authPass);
    if (t.authUser !== undefined) set.push('auth-user', t.authUser);
    await redisCommand(this.addr, this.auth, 'SENTINEL', 'SET', name, ...set);
  }

  async remove(name: string): Promise<void> {
    await redisCommand(this.addr, this.auth, 'SENTINEL', 'REMOVE', name);
  }

  /** `<host> <port>` of the other sentinels ours knows for the group. */
  async knownSentinels(name: string): Promise<string[]> {
    const reply = await redisCommand(this.addr, this.auth, 'SENTINEL', 'SENTINELS', name);
    if (!Array.isArray(reply)) return [];
    return reply.filter(Array.isArray).map((entry: unknown[]) => {
      const field = (k: string) => String(entry[entry.indexOf(k) + 1] ?? '');
      return `${field('ip')} ${field('port')}`;
    });
  }

  /** Replicas the sentinel considers alive (not down, not disconnected). */
  async healthyReplicas(name: string): Promise<number> {
    return (await this.replicas(name)).filter((r) => !isDown(r.flags)).length;
  }

  /** Every replica our sentinel knows for the group, live or dead. */
  async replicas(name: string): Promise<KnownReplica[]> {
    return (await sentinelReplicas(this.addr, this.auth, name)).map((f) => {
      const flags = (f['flags'] ?? '').split(',');
      return { addr: `${f['ip']} ${f['port']}`, flags, downForMs: isDown(flags) ? Number(f['last-ok-ping-reply']) || 0 : 0 };
    });
  }
}
