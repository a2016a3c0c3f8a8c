// The README and every page under docs/: each relative link names a file that exists, and each
// #anchor a heading of that file; every page is reachable from docs/README.md; no source file
// cites a document that is not in the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('../../..', import.meta.url).pathname);
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
const pages = [join(root, 'README.md'), ...walk(join(root, 'docs')).filter((f) => f.endsWith('.md'))];

/** GitHub's anchor for a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replaceAll(' ', '-');
function anchorsOf(file: string): Set<string> {
  let inCode = false;
  const out = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const m = !inCode && /^#{1,6} (.+)$/.exec(line);
    if (m) out.add(slug(m[1]!));
  }
  return out;
}
function linksOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^(https?:|mailto:)/.test(l));
}

describe('docs', () => {
  it.each(pages.map((p) => [relative(root, p), p]))('%s: every relative link and anchor resolves', (_name, page) => {
    const broken: string[] = [];
    for (const link of linksOf(page)) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? page : resolve(dirname(page), path);
      if (!existsSync(target)) broken.push(`${link}: no such file`);
      else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('every page is linked from docs/README.md, and the README stays a front door (at most 10 KB)', () => {
    const index = linksOf(join(root, 'docs', 'README.md')).map((l) => resolve(join(root, 'docs'), l.split('#')[0]!));
    for (const p of pages.filter((x) => x.includes('/docs/') && !x.endsWith('docs/README.md'))) expect(index, relative(root, p)).toContain(p);
    expect(readFileSync(join(root, 'README.md')).length).toBeLessThanOrEqual(10 * 1024);
  });

  it('no source file cites a document that is not in the repository', () => {
    const sources = walk(join(root, 'packages')).filter((f) => /\/src\/.*\.ts$/.test(f));
    const missing: string[] = [];
    for (const f of sources) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\b((?:docs\/[\w\-/]+|[A-Z][A-Z_]+)\.md)\b/g)) {
        if (!existsSync(join(root, m[1]!))) missing.push(`${relative(root, f)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
