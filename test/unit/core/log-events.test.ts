// Every log line at info, warn or error that the programs write carries an `event` code: its first
// argument is an object literal with an `event` property, a string literal (so the registry test
// finds it). Read from the syntax tree of every
// source file, so a line added without a code fails here, wherever it is.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('../../..', import.meta.url).pathname);
const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
const PROGRAMS = ['core', 'server', 'sentinel', 'watcher', 'client'];

/** `file:line` of every info/warn/error call on a logger whose first argument names no event. */
function uncodedLogLines(): string[] {
  const out: string[] = [];
  for (const pkg of PROGRAMS) {
    for (const file of walk(join(root, 'packages', pkg, 'src')).filter((f) => f.endsWith('.ts'))) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        // log.info(…), and log[level](…) with a level chosen at run time.
        const callee = ts.isCallExpression(node) ? node.expression : undefined;
        const method = callee === undefined ? undefined : ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isElementAccessExpression(callee) ? 'info' : undefined;
        if (ts.isCallExpression(node) && method !== undefined && (ts.isPropertyAccessExpression(node.expression) || ts.isElementAccessExpression(node.expression))) {
          const target = node.expression.expression.getText(source);
          if (['info', 'warn', 'error'].includes(method) && /(^|\.)log$/.test(target)) {
            const first = node.arguments[0];
            const coded = first !== undefined && ts.isObjectLiteralExpression(first) && first.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText(source) === 'event' && ts.isStringLiteral(p.initializer));
            if (!coded) out.push(`${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return out;
}

describe('log lines', () => {
  it('every info, warn and error line of the programs carries an event code', () => {
    expect(uncodedLogLines()).toEqual([]);
  });
});
