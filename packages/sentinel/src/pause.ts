import { PAUSED_QUORUM, PauseAck, pauseAckName, SingleFlight, type HostPort, type Logger, type Pauses, type Zk } from '@redis-zk/core';
import type { SentinelControl } from './sentinel-control.js';

/** How often the quorum of every monitored group is compared with the pause state (a lost SENTINEL SET, a hand edit). */
const RECHECK_MS = 2_000;

export interface PauseApplierOptions {
  zk: Zk;
  log: Logger;
  control: SentinelControl;
  pauses: Pauses;
  self: HostPort;
  groups: () => string[];
  /** SENTINEL_QUORUM: what a resumed group gets back. */
  quorum: number;
}

/**
 * Maintenance mode in Sentinel mode: a paused group's quorum is PAUSED_QUORUM on our sentinel, so
 * it never agrees the master is objectively down and starts no failover; on resume the configured
 * quorum comes back. Applied on every change of /redis/paused and re-checked every 2 s; each
 * group's ack (`/redis/pause-applied/<name>/sentinel-<host>:<port>`) says what our sentinel runs with.
 */
export function startPauseApplier(o: PauseApplierOptions): { close(): void } {
  const acks = new Map<string, PauseAck>();
  const ackOf = (name: string): PauseAck => {
    let a = acks.get(name);
    if (a === undefined) acks.set(name, (a = new PauseAck(o.zk, name, pauseAckName('sentinel', o.self.host, o.self.port))));
    return a;
  };
  const pass = async (): Promise<void> => {
    for (const name of o.groups()) {
      const paused = o.pauses.isPaused(name);
      const want = paused ? PAUSED_QUORUM : o.quorum;
      const m = await o.control.master(name);
      if (m === undefined) continue;
      if (Number(m['quorum']) !== want) {
        await o.control.setQuorum(name, want);
        o.log.info({ event: 'PAUSE_APPLIED', group: name, state: paused ? 'paused' : 'running', quorum: want }, paused ? `Group ${name} is paused: our sentinel monitors it with quorum ${want}, so it starts no failover.` : `Group ${name} runs: our sentinel's quorum is ${want} again.`);
      }
      await ackOf(name).set(paused ? 'paused' : 'running');
    }
  };
  const runs = new SingleFlight<void>(pass, (err) => o.log.warn({ event: 'PAUSE_ACK_FAILED', err: err instanceof Error ? err.message : String(err) }, 'Could not apply the pause state to our sentinel; retrying.'));
  const kick = () => void runs.request();
  o.pauses.on('change', kick);
  const timer = setInterval(kick, RECHECK_MS);
  timer.unref();
  kick();
  return {
    close() {
      clearInterval(timer);
      o.pauses.off('change', kick);
    },
  };
}
