import { type HostPort, parseHostPort, preview } from '@redis-zk/core';

/** What `/redis/master` holds, classified once so every decision sees the same reading. */
export type MasterRecord =
  | { kind: 'absent' }
  | { kind: 'empty' }
  | { kind: 'invalid'; preview: string; reason: string }
  | { kind: 'valid'; addr: HostPort };

export function classifyRecord(raw: string | undefined): MasterRecord {
  if (raw === undefined) return { kind: 'absent' };
  if (raw.trim() === '') return { kind: 'empty' };
  const parsed = parseHostPort(raw);
  if (!parsed.ok) return { kind: 'invalid', preview: preview(raw), reason: parsed.reason };
  return { kind: 'valid', addr: parsed.value };
}

export function describeRecord(r: MasterRecord): string {
  switch (r.kind) {
    case 'absent':
      return 'absent';
    case 'empty':
      return 'empty';
    case 'invalid':
      return `invalid (${JSON.stringify(r.preview)}: ${r.reason})`;
    case 'valid':
      return `${r.addr.host} ${r.addr.port}`;
  }
}
