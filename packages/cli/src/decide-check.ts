import { majorityOf, PAUSED_QUORUM } from '@redis-zk/core';
import { notApplied, type GroupReport } from './observe.js';

/**
 * What `redis-zk check` reports. `error`: the group cannot fail over or is not serving as it
 * should; `warning`: something an operator should look at; `info`: a state chosen on purpose
 * (paused). Exit 1 when any error or warning is found.
 */
export type Severity = 'error' | 'warning' | 'info';

export const PROBLEMS = {
  'no-record': 'error',
  'record-unusable': 'error',
  'garbage-entry': 'warning',
  'master-not-registered': 'error',
  'master-unreachable': 'error',
  'master-not-master': 'error',
  'master-fenced': 'error',
  'second-master': 'error',
  'node-unreachable': 'warning',
  'replica-not-linked': 'warning',
  'no-sentinel-majority': 'error',
  'sentinel-unreachable': 'warning',
  'sentinel-disagrees': 'warning',
  'no-leader': 'error',
  'pause-not-applied': 'warning',
  paused: 'info',
} as const satisfies Record<string, Severity>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  group: string;
  /** What it is about: a node or sentinel `host:port`, or the group. */
  subject: string;
  detail: string;
}

/** Every problem of one group, from what was observed (pure: tested without servers). */
export function checkGroup(r: GroupReport): Problem[] {
  const out: Problem[] = [];
  const add = (code: ProblemCode, subject: string, detail: string) => out.push({ code, severity: PROBLEMS[code], group: r.name, subject, detail });
  if (r.paused !== null) add('paused', r.name, `paused${r.paused.by ? ` by ${r.paused.by}` : ''}${r.paused.since ? ` since ${r.paused.since}` : ''}${r.paused.reason ? ` (${r.paused.reason})` : ''}: no automatic failover until redis-zk resume`);
  for (const e of r.refused) add('garbage-entry', e.path, `registry entry ${e.path} is not "<host> <port>" (${e.reason})`);
  if (r.master === null) {
    add(r.record === 'absent' || r.record === 'empty' ? 'no-record' : 'record-unusable', r.name, `the record of ${r.name} is ${r.record}`);
  } else {
    const m = r.nodes.find((n) => n.recorded);
    if (m === undefined) add('master-not-registered', r.master, `the recorded master ${r.master} is not a live node of the group (no registration)`);
    else if (m.role === 'unreachable') add('master-unreachable', m.addr, `the recorded master ${m.addr} does not answer (${m.error ?? 'no reply'})`);
    else if (m.role !== 'master') add('master-not-master', m.addr, `the recorded master ${m.addr} answers as a replica of ${m.replicaOf ?? 'nobody'}`);
    else if (m.fenced === true) add('master-fenced', m.addr, `the master ${m.addr} is fenced: it refuses writes until it is confirmed or replaced`);
  }
  for (const n of r.nodes) {
    if (n.recorded) continue;
    if (n.role === 'unreachable') add('node-unreachable', n.addr, `registered node ${n.addr} does not answer (${n.error ?? 'no reply'})`);
    else if (n.role === 'master') add('second-master', n.addr, `registered node ${n.addr} answers as a master beside the recorded ${r.master ?? 'none'}`);
    else if (n.linkUp !== true || (r.master !== null && n.replicaOf !== r.master)) add('replica-not-linked', n.addr, `replica ${n.addr} ${n.linkUp !== true ? 'has its link down' : 'is linked'} to ${n.replicaOf ?? 'nobody'}${r.master !== null && n.replicaOf !== r.master ? `, not to the recorded master ${r.master}` : ''}`);
  }
  if (r.mode === 'zookeeper' && r.leader === null && r.paused === null) add('no-leader', r.name, `nobody holds the leadership of ${r.name}: an election is due`);
  // Neither a leadership (its node goes with the master's session) nor a sentinel: in either mode
  // nothing is there to fail the group over.
  if (r.mode === 'unknown' && r.paused === null) add('no-leader', r.name, `nobody holds the leadership of ${r.name} (ZooKeeper mode) and no sentinel is registered (Sentinel mode): nothing can fail it over`);
  if (r.mode === 'sentinel') {
    const registered = r.sentinels.length;
    const naming = r.sentinels.filter((s) => s.names !== null && s.names === r.master).length;
    if (naming < majorityOf(registered)) add('no-sentinel-majority', r.name, `${naming} of ${registered} registered sentinels name the recorded master ${r.master ?? 'none'} (${majorityOf(registered)} needed): a failover cannot be agreed`);
    for (const s of r.sentinels) {
      if (!s.reachable) add('sentinel-unreachable', s.addr, `sentinel ${s.addr} does not answer (${s.error ?? 'no reply'})`);
      else if (s.names === null) add('sentinel-disagrees', s.addr, `sentinel ${s.addr} does not monitor ${r.name}`);
      else if (s.names !== r.master) add('sentinel-disagrees', s.addr, `sentinel ${s.addr} names ${s.names}, the record ${r.master ?? 'nothing'}`);
    }
  }
  // Every program of the group must have applied the pause state ZooKeeper holds.
  const want = r.paused === null ? 'running' : 'paused';
  const lagging = notApplied(r, want);
  const sentinelsOff = r.sentinels.filter((s) => s.quorum !== null && (s.quorum >= PAUSED_QUORUM) !== (r.paused !== null));
  for (const p of lagging) if (r.paused !== null || p.pause !== null) add('pause-not-applied', p.addr, `${p.addr} has ${p.pause === null ? 'not acknowledged' : `acknowledged "${p.pause}"`}, the group is ${want}`);
  for (const s of sentinelsOff) if (!lagging.some((l) => l.addr === s.addr)) add('pause-not-applied', s.addr, `sentinel ${s.addr} monitors ${r.name} with quorum ${s.quorum} while the group is ${want}`);
  return out;
}

/** `redis-zk check`'s exit: 1 when anything but information was found. */
export function checkExit(problems: readonly Problem[]): 0 | 1 {
  return problems.some((p) => p.severity !== 'info') ? 1 : 0;
}
