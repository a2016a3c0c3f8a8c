import { describe, expect, it } from 'vitest';
import { PAUSED_QUORUM } from '@redis-zk/core';
import { checkExit, checkGroup } from '../../../packages/cli/src/decide-check.js';
import { parseArgs } from '../../../packages/cli/src/args.js';
import type { GroupReport, NodeReport, SentinelReport } from '../../../packages/cli/src/observe.js';

const node = (addr: string, o: Partial<NodeReport> = {}): NodeReport => ({ addr, role: 'replica', recorded: false, replicaOf: '10.0.0.1:6379', linkUp: true, offset: 100, lag: 0, fenced: null, server: 'redis 7.0.15', error: null, pause: 'running', ...o });
const sentinel = (addr: string, o: Partial<SentinelReport> = {}): SentinelReport => ({ addr, reachable: true, names: '10.0.0.1:6379', epoch: 1, quorum: 2, flags: ['master'], error: null, pause: 'running', ...o });
const healthy: GroupReport = {
  name: 'mymaster',
  default: true,
  master: '10.0.0.1:6379',
  record: 'valid',
  epoch: 1,
  mode: 'sentinel',
  leader: null,
  paused: null,
  nodes: [node('10.0.0.1:6379', { role: 'master', recorded: true, replicaOf: null, linkUp: null, lag: null, fenced: false }), node('10.0.0.2:6379'), node('10.0.0.3:6379')],
  sentinels: [sentinel('10.0.1.1:26379'), sentinel('10.0.1.2:26379'), sentinel('10.0.1.3:26379')],
  refused: [],
  history: [],
};
const codes = (r: GroupReport) => checkGroup(r).map((p) => p.code);

describe('redis-zk check: what is wrong with a group, from what was observed', () => {
  it('finds nothing in a healthy group (exit 0)', () => {
    expect(checkGroup(healthy)).toEqual([]);
    expect(checkExit(checkGroup(healthy))).toBe(0);
  });

  it.each([
    ['a fenced master', { nodes: [{ ...healthy.nodes[0]!, fenced: true }, ...healthy.nodes.slice(1)] }, 'master-fenced'],
    ['a replica not linked', { nodes: [healthy.nodes[0]!, node('10.0.0.2:6379', { linkUp: false }), healthy.nodes[2]!] }, 'replica-not-linked'],
    ['a registered node that does not answer', { nodes: [healthy.nodes[0]!, node('10.0.0.2:6379', { role: 'unreachable', error: 'ECONNREFUSED' }), healthy.nodes[2]!] }, 'node-unreachable'],
    ['no majority of sentinels', { sentinels: [sentinel('10.0.1.1:26379'), sentinel('10.0.1.2:26379', { reachable: false, names: null }), sentinel('10.0.1.3:26379', { reachable: false, names: null })] }, 'no-sentinel-majority'],
    ['garbage in the record', { master: null, record: 'invalid ("x": not <host> <port>)' }, 'record-unusable'],
    ['garbage in a registry', { refused: [{ path: '/redis/nodes/x', preview: 'x', reason: 'not <host> <port>' }] }, 'garbage-entry'],
    ['a second master', { nodes: [healthy.nodes[0]!, node('10.0.0.2:6379', { role: 'master', replicaOf: null }), healthy.nodes[2]!] }, 'second-master'],
    ['nobody holding the leadership (ZooKeeper mode)', { mode: 'zookeeper' as const, sentinels: [] }, 'no-leader'],
    ['neither a leadership nor a sentinel (the ZooKeeper-mode master gone with its session)', { mode: 'unknown' as const, sentinels: [] }, 'no-leader'],
  ])('%s (exit 1)', (_, over, code) => {
    const found = checkGroup({ ...healthy, ...over });
    expect(found.map((p) => p.code)).toContain(code);
    expect(checkExit(found)).toBe(1);
  });

  it('a pause is information (exit 0) once every program applied it; a program that did not is a warning', () => {
    const paused: GroupReport = { ...healthy, paused: { by: 'ops@host' }, nodes: healthy.nodes.map((n) => ({ ...n, pause: 'paused' })), sentinels: healthy.sentinels.map((s) => ({ ...s, pause: 'paused', quorum: PAUSED_QUORUM })) };
    expect(codes(paused)).toEqual(['paused']);
    expect(checkExit(checkGroup(paused))).toBe(0);
    const lagging = { ...paused, sentinels: [{ ...paused.sentinels[0]!, pause: 'running' as const, quorum: 2 }, ...paused.sentinels.slice(1)] };
    expect(codes(lagging)).toEqual(['paused', 'pause-not-applied']);
    // A dead leadership during a pause is the pause doing its work, not a problem.
    expect(codes({ ...paused, mode: 'zookeeper', sentinels: [] })).toEqual(['paused']);
  });
});

describe('redis-zk command line', () => {
  it('parses a command, one group and its flags; refuses anything else with USAGE', () => {
    expect(parseArgs(['pause', 'cache', '--wait', '--timeout', '5000', '--reason=upgrade'])).toMatchObject({ command: 'pause', group: 'cache', json: false });
    expect(parseArgs([])).toBe('help');
    expect(parseArgs(['list', '--help'])).toEqual({ help: 'list' });
    for (const bad of [['nope'], ['list', '--wait'], ['list', 'a', 'b'], ['pause', '--all', 'x'], ['pause', '--timeout', '0'], ['events', '--count'], ['list', 'a b']]) {
      expect(() => parseArgs(bad), bad.join(' ')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });
});

describe('docs/operations/cli.md', () => {
  it("lists every code check reports, with its severity, and no other", async () => {
    const { readFileSync } = await import('node:fs');
    const { PROBLEMS } = await import('../../../packages/cli/src/decide-check.js');
    const page = readFileSync(new URL('../../../docs/operations/cli.md', import.meta.url), 'utf8');
    const section = page.slice(page.indexOf('### What `check` reports'), page.indexOf('## Exit codes'));
    const documented = new Map<string, string>();
    for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
      const [codes, severity] = line.split('|').slice(1, 3).map((c) => c.trim());
      for (const code of codes!.match(/`[a-z-]+`/g) ?? []) documented.set(code.slice(1, -1), severity!);
    }
    expect(Object.fromEntries(documented)).toEqual(PROBLEMS);
  });
});
