import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AbstractConnector, type RedisOptions } from 'ioredis';
import { formatHostPort, parseHostPort, RedisZkError, probeRedis, sameHostPort, type HostPort, type RedisAuth } from '@redis-zk/core';
import type { ReadFrom } from '../types/index.js';
import type { GroupFollower } from './follower.js';

/** What a client of the group passes its connector (ioredis hands the connector every option). */
export interface FollowOptions {
  follower: GroupFollower;
  readFrom: ReadFrom;
  /** readFrom 'replica': how far behind the master (bytes) a replica may be to serve reads. */
  maxLagBytes: number;
  /** How long one connect attempt waits for a master to be known before failing (ioredis then retries). */
  waitForMasterMs: number;
  /** For the master's INFO when choosing a replica. */
  auth: RedisAuth;
}

type NetStream = ReturnType<typeof createConnection>;

/**
 * ioredis's hook for where to connect (its own Sentinel support is one): each (re)connect asks
 * the group's follower for the master, and the ready check's INFO must show the role this
 * client wants, else the connection is dropped and the node is not asked again until the record
 * moves or a short while passed.
 */
export class FollowConnector extends AbstractConnector {
  private addr: HostPort | undefined;
  private readonly follow: FollowOptions;

  constructor(private readonly options: RedisOptions & { redisZk: FollowOptions }) {
    super(options.disconnectTimeout ?? 2000);
    this.follow = options.redisZk;
  }

  /** Where this connection goes (or went last). */
  get address(): HostPort | undefined {
    return this.addr;
  }

  async connect(): Promise<NetStream> {
    this.connecting = true;
    const master = await this.follow.follower.target(this.follow.waitForMasterMs);
    if (master === undefined) throw new RedisZkError('NO_MASTER', `no master of ${this.follow.follower.layout.name} is known (see the client's log for why)`);
    const addr = this.follow.readFrom === 'replica' ? ((await this.pickReplica(master)) ?? master) : master;
    if (!this.connecting) throw new RedisZkError('REDIS_UNREACHABLE', 'Connection is closed.');
    this.addr = addr;
    const opts = { host: addr.host, port: addr.port };
    const stream = this.options.tls ? tlsConnect({ ...this.options.tls, ...opts }) : createConnection(opts);
    stream.once('error', (err) => {
      this.firstError = err;
      // Refused or reset: not asked again until the record moves (or a short while passed), so
      // the next attempt goes to the new master the moment it is recorded.
      this.follow.follower.suspect(addr, (err as NodeJS.ErrnoException).code ?? 'a connection error');
    });
    this.stream = stream;
    return stream;
  }

  /** ioredis's ready check: INFO of the node just connected. */
  override check(info: Record<string, string>): boolean {
    const addr = this.addr;
    if (addr === undefined) return false;
    const master = this.follow.follower.master();
    let ok: boolean;
    if (this.follow.readFrom === 'replica' && master !== undefined && !sameHostPort(addr, master)) {
      const of = parseHostPort(`${info.master_host ?? ''} ${info.master_port ?? ''}`);
      ok = info.role === 'slave' && info.master_link_status === 'up' && of.ok && sameHostPort(of.value, master);
    } else ok = info.role === 'master';
    if (!ok) this.follow.follower.suspect(addr, `role ${info.role ?? 'unknown'}`);
    return ok;
  }

  /**
   * A live replica of the master within `maxLagBytes` of it, by the master's own INFO (its view of
   * each replica's acknowledged offset), chosen at random; undefined: read from the master.
   */
  private async pickReplica(master: HostPort): Promise<HostPort | undefined> {
    const probe = await probeRedis(master, this.follow.auth);
    if (!probe.reachable || probe.role !== 'master') return undefined;
    const live = new Set(this.follow.follower.liveNodes());
    const fit = probe.replicas.filter((r) => r.state === 'online' && probe.offset - r.offset <= this.follow.maxLagBytes && live.has(formatHostPort({ host: r.host, port: r.port })));
    const pick = fit[Math.floor(Math.random() * fit.length)];
    return pick === undefined ? undefined : { host: pick.host, port: pick.port };
  }
}
