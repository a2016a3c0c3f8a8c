import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '@redis-zk/core';

const readme = readFileSync(new URL('../../../docs/reference/environment.md', import.meta.url), 'utf8');

/** The environment table of docs/reference/environment.md: variable → programs column. */
function readmeTable(): Map<string, string> {
  const start = readme.indexOf('<!-- env-table');
  const rows = readme.slice(start).split('\n').slice(1);
  const table = new Map<string, string>();
  for (const row of rows.slice(2)) {
    if (!row.startsWith('|')) break;
    const cells = row.split('|').map((c) => c.trim());
    table.set(cells[1]!.replaceAll('`', ''), cells[2]!);
  }
  return table;
}

describe('the documented environment table (docs/reference/environment.md)', () => {
  it('lists exactly the variables the programs read, for the right programs', () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(VARIABLES.map((v) => v.name).sort());
    for (const v of VARIABLES) {
      const expected = v.programs.length === 3 ? 'all' : v.programs.join(', ');
      expect(table.get(v.name), v.name).toBe(expected);
    }
  });
});
