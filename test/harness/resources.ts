/**
 * What the harness started, and when to clean it up: things made inside a test (or a beforeEach)
 * go after that test; things made in beforeAll, and private ZooKeepers and temp dirs, go after
 * the file. The hooks that drive this live in setup-each.ts (a vitest setupFiles entry).
 */
import { rmSync } from 'node:fs';

type Scope = 'test' | 'file';
interface Resource {
  what: string;
  cleanup: () => Promise<void> | void;
}

const resources: Record<Scope, Resource[]> = { test: [], file: [] };
let inTest = false;

/** Directories removed synchronously on process exit if cleanup never ran (crash, Ctrl-C). */
const dirsOnExit = new Set<string>();
process.on('exit', () => {
  for (const dir of dirsOnExit) rmSync(dir, { recursive: true, force: true });
});

export function removeDirOnExit(dir: string): () => void {
  dirsOnExit.add(dir);
  return () => dirsOnExit.delete(dir);
}

export function currentScope(): Scope {
  return inTest ? 'test' : 'file';
}

export function track(what: string, cleanup: () => Promise<void> | void, scope: Scope = currentScope()): void {
  resources[scope].push({ what, cleanup });
}

export function enterTest(): void {
  inTest = true;
}

/** Runs every cleanup of the scope (last made, first cleaned); reports failures after all ran. */
export async function cleanupScope(scope: Scope): Promise<void> {
  if (scope === 'test') inTest = false;
  const list = resources[scope].splice(0).reverse();
  const failures: string[] = [];
  for (const r of list) {
    try {
      await r.cleanup();
    } catch (err) {
      failures.push(`${r.what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(`harness cleanup failed: ${failures.join('; ')}`);
}
