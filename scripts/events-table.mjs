// Rewrites the event table of docs/reference/events.md from packages/core/src/events.ts (the
// test in test/unit/core/errors.test.ts fails until the table matches): node scripts/events-table.mjs
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(mkdtempSync(join(tmpdir(), 'rzk-events-')), 'events.mjs');
await build({ entryPoints: [join(root, 'packages/core/src/events.ts')], format: 'esm', outfile: out, logLevel: 'warning' });
const { EVENTS } = await import(out);
const page = join(root, 'docs/reference/events.md');
const text = readFileSync(page, 'utf8');
const marker = '<!-- event-table';
const rows = Object.entries(EVENTS).map(([code, what]) => `| \`${code}\` | ${what.replaceAll('|', '\\|')} |`);
writeFileSync(page, `${text.slice(0, text.indexOf(marker))}${marker}: mirrors EVENTS in packages/core/src/events.ts -->\n| event | what happened |\n|---|---|\n${rows.join('\n')}\n`);
console.log(`${rows.length} events written to docs/reference/events.md`);
