import { describe, expect, it } from 'vitest';
import type { HostPort, RedisProbe } from '@redis-zk/core';
import { compareCandidates } from '@redis-zk/core';
import { decideElection, type ElectionObservation } from '../../../packages/server/src/decide-election.js';

const SELF: HostPort = { host: '10.0.0.1', port: 6379 };
const A: HostPort = { host: '10.0.0.2', port: 6379 };
const B: HostPort = { host: '10.0.0.3', port: 6379 };
const OLD: HostPort = { host: '10.0.0.9', port: 6379 };

function replica(offset: number, priority = 100, lastIoSecondsAgo = 0): RedisProbe {
  return { reachable: true, role: 'slave', masterHost: OLD.host, masterPort: OLD.port, linkUp: true, priority, lastIoSecondsAgo, offset, keys: 1, keysPerDb: {}, replicas: [], runId: 'x', replid: 'r', replid2: '', secondReplOffset: -1, server: 'redis 7.0.15' };
}
const DOWN: RedisProbe = { reachable: false, error: 'ECONNREFUSED' };
const MASTER: RedisProbe = { ...(replica(0) as Extract<RedisProbe, { reachable: true }>), role: 'master', masterHost: undefined, masterPort: undefined };

const obs = (candidates: [HostPort, RedisProbe][], o: Partial<ElectionObservation> = {}): ElectionObservation => ({
  self: SELF,
  leaderHeld: false,
  recorded: { addr: OLD, probe: DOWN },
  candidates: candidates.map(([addr, probe]) => ({ addr, probe })),
  ...o,
});

describe('decideElection (FAILOVER_MODE=zookeeper)', () => {
  it('(1) nothing while the leadership is held; (2) nothing while the recorded master answers as master', () => {
    expect(decideElection(obs([[SELF, replica(10)]], { leaderHeld: true })).action).toBe('none');
    const d = decideElection(obs([[SELF, replica(10)]], { recorded: { addr: OLD, probe: MASTER } }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/^\(2\)/);
  });

  it('(4) the most advanced replica wins; (5) the others wait for it', () => {
    expect(decideElection(obs([[SELF, replica(500)], [A, replica(400)]])).action).toBe('promote');
    const d = decideElection(obs([[SELF, replica(400)], [A, replica(500)]]));
    expect(d).toMatchObject({ action: 'wait-for', winner: A });
  });

  it('priority comes before the offset (lower first); priority 0 is never elected', () => {
    expect(decideElection(obs([[SELF, replica(100, 10)], [A, replica(900, 100)]])).action).toBe('promote');
    expect(decideElection(obs([[SELF, replica(100)], [A, replica(900, 0)]])).action).toBe('promote');
    const none = decideElection(obs([[SELF, replica(100, 0)], [A, replica(900, 0)]]));
    expect(none).toMatchObject({ action: 'none', stuck: true });
    expect(none.reason).toMatch(/^\(3\)/);
  });

  it('then the freshest link, then the address; an unreachable candidate or a master is never elected', () => {
    expect(compareCandidates({ addr: A, priority: 100, offset: 5, lastIo: 0 }, { addr: B, priority: 100, offset: 5, lastIo: 3 })).toBeLessThan(0);
    expect(compareCandidates({ addr: B, priority: 100, offset: 5, lastIo: Infinity }, { addr: A, priority: 100, offset: 5, lastIo: 1 })).toBeGreaterThan(0);
    expect(compareCandidates({ addr: A, priority: 100, offset: 5, lastIo: 0 }, { addr: B, priority: 100, offset: 5, lastIo: 0 })).toBeLessThan(0);
    expect(decideElection(obs([[SELF, replica(1)], [A, DOWN], [B, MASTER]])).action).toBe('promote');
  });

  it('every wrapper deciding on the same observation picks the same winner', () => {
    const seen: [HostPort, RedisProbe][] = [[SELF, replica(7, 100, 2)], [A, replica(7, 100, 1)], [B, replica(7, 100, 1)]];
    const winners = [SELF, A, B].map((self) => {
      const d = decideElection(obs(seen, { self }));
      return d.action === 'promote' ? self : d.action === 'wait-for' ? d.winner : undefined;
    });
    expect(winners).toEqual([A, A, A]);
  });
});
