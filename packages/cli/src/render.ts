import { PAUSED_QUORUM } from '@redis-zk/core';
import type { Problem } from './decide-check.js';
import { colonForm, type GroupReport } from './observe.js';

/** Columns padded to their widest cell, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const dash = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '-' : String(v));

function pausedLine(r: GroupReport): string {
  if (r.paused === null) return '';
  const p = r.paused;
  return `  PAUSED${p.by ? ` by ${p.by}` : ''}${p.since ? ` since ${p.since.replace('T', ' ').slice(0, 19)}` : ''}${p.reason ? `: ${p.reason}` : ''}`;
}

export function renderList(reports: readonly GroupReport[]): string {
  if (reports.length === 0) return 'no groups: nothing recorded under /redis/masters';
  return reports
    .map((r) => {
      const head = `${r.name}${r.default ? ' (default)' : ''}  ${r.mode === 'unknown' ? '' : `${r.mode} mode  `}epoch ${dash(r.epoch)}  master ${r.master ?? `none (${r.record})`}${pausedLine(r)}`;
      const rows: string[][] = [['MEMBER', 'ROLE', 'REPLICA OF', 'LINK', 'OFFSET', 'LAG', 'FENCED', 'SERVER']];
      for (const n of r.nodes) {
        const role = n.role === 'master' && !n.recorded ? 'master (not recorded)' : n.recorded && n.role !== 'master' ? `${n.role} (recorded master)` : n.role;
        rows.push([n.addr, role, dash(n.replicaOf), n.linkUp === null ? '-' : n.linkUp ? 'up' : 'down', dash(n.offset), dash(n.lag), n.fenced === null ? '-' : n.fenced ? 'FENCED' : 'no', dash(n.server)]);
      }
      const lines = [head, r.nodes.length === 0 ? '  no registered nodes' : table(rows).replace(/^/gm, '  ')];
      if (r.mode === 'zookeeper') lines.push(`  leadership: ${r.leader ?? 'nobody'}`);
      if (r.sentinels.length > 0) {
        const naming = r.sentinels.filter((s) => s.names !== null && s.names === r.master).length;
        const quorums = [...new Set(r.sentinels.flatMap((s) => (s.quorum === null ? [] : [s.quorum >= PAUSED_QUORUM ? 'paused' : String(s.quorum)])))];
        lines.push(`  sentinels: ${r.sentinels.length} registered, ${naming} name the recorded master, quorum ${quorums.join('/') || '-'}`);
        for (const s of r.sentinels.filter((x) => !x.reachable || x.names !== r.master)) lines.push(`    ${s.addr}: ${!s.reachable ? `does not answer (${s.error})` : s.names === null ? 'does not monitor the group' : `names ${s.names}`}`);
      }
      if (r.refused.length > 0) lines.push(`  refused registry entries: ${r.refused.map((e) => e.path).join(', ')}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

export function renderProblems(problems: readonly Problem[], groups: number): string {
  if (problems.length === 0) return `ok: ${groups} group(s), nothing wrong`;
  return problems.map((p) => `${p.severity.toUpperCase().padEnd(7)} ${p.group}  ${p.code}  ${p.detail}`).join('\n');
}

export function renderHistory(r: GroupReport): string {
  if (r.history.length === 0) return `${r.name}: no master change recorded yet`;
  const rows = [['TIME', 'EPOCH', 'FROM', 'TO', 'CAUSE']];
  for (const e of r.history) rows.push([e.at.replace('T', ' ').slice(0, 23), String(e.epoch), e.from === null ? '-' : colonForm(e.from), colonForm(e.to), e.cause]);
  return table(rows);
}
