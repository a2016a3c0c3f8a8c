import { formatHostPort, sameHostPort, type HostPort } from '../hostport.js';
import type { RedisProbe } from '../redis/probe.js';
import { compareCandidates } from './election-order.js';

export interface ProbedReplica {
  addr: HostPort;
  probe: RedisProbe;
}

/**
 * Why a replica may not be promoted on purpose (a switchover, a hand-off), or undefined when it
 * may: it answers, replicates `master` over a live link, has replica-priority above 0 and is one
 * of the group's live nodes.
 */
export function unfitReason(r: ProbedReplica, master: HostPort, members: readonly HostPort[]): string | undefined {
  const p = r.probe;
  if (!p.reachable) return `it does not answer (${p.error})`;
  if (p.role !== 'slave') return 'it answers as a master';
  if (p.masterHost === undefined || p.masterPort === undefined || !sameHostPort({ host: p.masterHost, port: p.masterPort }, master)) return `it does not replicate the master ${formatHostPort(master)}`;
  if (!p.linkUp) return 'its link to the master is down';
  if (p.priority === 0) return 'its replica-priority is 0 (never promote)';
  if (!members.some((m) => sameHostPort(m, r.addr))) return "it is not one of the group's live nodes in /redis/nodes";
  return undefined;
}

/** Of replicas already found fit, the one an election would pick (compareCandidates); undefined when none. */
export function electionPick(fit: readonly ProbedReplica[]): HostPort | undefined {
  return fit
    .flatMap((r) => (r.probe.reachable ? [{ addr: r.addr, priority: r.probe.priority, offset: r.probe.offset, lastIo: r.probe.lastIoSecondsAgo }] : []))
    .sort(compareCandidates)[0]?.addr;
}
