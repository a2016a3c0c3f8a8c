import type { HostPort } from '../hostport.js';

export interface RedisAuth {
  password: string | undefined;
  timeoutMs: number;
}

export interface ReplicaInfo {
  host: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
}

/** What one INFO call tells about a Redis server. */
export interface RedisObservation {
  reachable: true;
  role: 'master' | 'slave';
  /** For a replica: where it replicates from, whether the link is up. */
  masterHost: string | undefined;
  masterPort: number | undefined;
  linkUp: boolean;
  /** master_repl_offset */
  offset: number;
  /** Sum of keys over all databases, and per database (`db0` → keys). */
  keys: number;
  keysPerDb: Record<string, number>;
  /** For a master: its connected replicas. */
  replicas: ReplicaInfo[];
  runId: string;
}

export type RedisProbe = RedisObservation | { reachable: false; error: string };

/** INFO text → section name (lower case) → key → value. */
export function parseInfo(_text: string): Record<string, Record<string, string>> {
  throw new Error('not implemented');
}

/** One INFO round trip within `timeoutMs`; never throws — unreachable is an observation. */
export async function probeRedis(_addr: HostPort, _auth: RedisAuth): Promise<RedisProbe> {
  throw new Error('not implemented');
}

/** Resolves once the server answers PING (any role), polling until `deadlineMs` elapses; REDIS_TIMEOUT then. */
export async function waitForPing(_addr: HostPort, _auth: RedisAuth, _deadlineMs: number): Promise<void> {
  throw new Error('not implemented');
}
