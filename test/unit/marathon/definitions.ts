// The files under test and Marathon's published schemas, loaded once for the marathon unit tests.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppDef, GroupDef } from '../../../packages/launcher/src/definitions.js';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const marathonDir = join(repoRoot, 'marathon');
/** Marathon's schemas live beside the repository, never copied into it. */
export const schemaDir = join(repoRoot, '..', 'shared', 'marathon-schema');
export const schemaAvailable =
  existsSync(join(schemaDir, 'AppDefinition.json')) && existsSync(join(schemaDir, 'Group.json'));
export const schemaMissingReason = `Marathon schema not found at ${schemaDir} (expected AppDefinition.json and Group.json there); schema validation skipped`;

export const APP_FILES = ['redis.json', 'sentinel.json', 'watcher.json'] as const;

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
export const apps: Record<(typeof APP_FILES)[number], AppDef> = Object.fromEntries(
  APP_FILES.map((f) => [f, readJson<AppDef>(join(marathonDir, f))]),
) as Record<(typeof APP_FILES)[number], AppDef>;
export const group = readJson<GroupDef>(join(marathonDir, 'group.json'));
