import { RedisZkError } from '@redis-zk/core';
import { readFileSync } from 'node:fs';

export type ProgramName = 'server' | 'sentinel' | 'watcher';
export const PROGRAMS: readonly ProgramName[] = ['server', 'sentinel', 'watcher'];

/** The part of Marathon's AppDefinition the launcher acts on (the schema holds the rest). */
export interface HealthCheckDef {
  protocol?: string;
  path?: string;
  portIndex?: number;
  port?: number;
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  maxConsecutiveFailures?: number;
}

export interface AppDef {
  id: string;
  instances?: number;
  env?: Record<string, string | { secret: string }>;
  labels?: Record<string, string>;
  portDefinitions?: { port?: number; name?: string; protocol?: string; labels?: Record<string, string> }[];
  healthChecks?: HealthCheckDef[];
  dependencies?: string[];
  taskKillGracePeriodSeconds?: number;
  backoffSeconds?: number;
  backoffFactor?: number;
  maxLaunchDelaySeconds?: number;
  constraints?: string[][];
  container?: { docker?: { image?: string } };
  [key: string]: unknown;
}

export interface GroupDef {
  id: string;
  apps?: AppDef[];
  groups?: GroupDef[];
  dependencies?: string[];
}

/** The label that says which program an app runs; the image name is the fallback. */
export const PROGRAM_LABEL = 'REDIS_ZK_PROGRAM';

export function programOf(app: AppDef): ProgramName {
  const label = app.labels?.[PROGRAM_LABEL];
  if (label !== undefined) {
    if ((PROGRAMS as readonly string[]).includes(label)) return label as ProgramName;
    throw new RedisZkError('DEFINITION_INVALID', `app ${app.id}: label ${PROGRAM_LABEL}=${JSON.stringify(label)} is not one of ${PROGRAMS.join(', ')}`);
  }
  const image = app.container?.docker?.image ?? '';
  const fromImage = PROGRAMS.find((p) => new RegExp(`(^|[/-])${p}(:|$)`).test(image));
  if (fromImage) return fromImage;
  throw new RedisZkError('DEFINITION_INVALID', `app ${app.id}: cannot tell which program it runs; add the label "${PROGRAM_LABEL}": "server" | "sentinel" | "watcher"`);
}

/** Every app of the group tree, depth first. */
export function appsOf(group: GroupDef): AppDef[] {
  return [...(group.apps ?? []), ...(group.groups ?? []).flatMap(appsOf)];
}

export function readGroup(file: string): GroupDef {
  const group = JSON.parse(readFileSync(file, 'utf8')) as GroupDef;
  if (typeof group.id !== 'string' || appsOf(group).length === 0) {
    throw new RedisZkError('DEFINITION_INVALID', `${file}: not a Marathon group with apps (expected {"id": "/…", "apps": [...]})`);
  }
  return group;
}

/** Resolves a Marathon dependency path (absolute, or relative to the app's parent group). */
export function resolveDependency(appId: string, dep: string): string {
  const base = dep.startsWith('/') ? [] : appId.split('/').filter(Boolean).slice(0, -1);
  const parts = [...base];
  for (const seg of dep.split('/').filter(Boolean)) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/**
 * Apps in start order: every app after the apps (or groups) it depends on. Marathon refuses a
 * cycle; so does this.
 */
export function startOrder(apps: AppDef[]): AppDef[] {
  const byId = new Map(apps.map((a) => [a.id, a]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: AppDef[] = [];
  const visit = (app: AppDef) => {
    if (done.has(app.id)) return;
    if (visiting.has(app.id)) throw new RedisZkError('DEFINITION_INVALID', `dependency cycle through ${app.id}`);
    visiting.add(app.id);
    for (const dep of app.dependencies ?? []) {
      const target = resolveDependency(app.id, dep);
      // A dependency on a group means every app under it.
      const deps = apps.filter((a) => a.id === target || a.id.startsWith(`${target}/`));
      if (deps.length === 0) throw new RedisZkError('DEFINITION_INVALID', `app ${app.id} depends on ${target}, which is not in the group`);
      deps.forEach(visit);
    }
    visiting.delete(app.id);
    done.add(app.id);
    out.push(app);
  };
  for (const a of byId.values()) visit(a);
  return out;
}

/** Marathon's by-name port variable for a port definition name (`redis` → `PORT_REDIS`). */
export function portEnvName(name: string): string {
  return `PORT_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** Plain-string env of an app; secret references cannot run locally and are reported. */
export function plainEnv(app: AppDef): { env: Record<string, string>; secrets: string[] } {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [k, v] of Object.entries(app.env ?? {})) {
    if (typeof v === 'string') env[k] = v;
    else secrets.push(k);
  }
  return { env, secrets };
}

/**
 * The group with `count` Redis groups instead of one: the server app is repeated as
 * `<id>-g2` … `<id>-g<count>` with MASTER_NAME g2 … g<count>, beside the same sentinels and
 * watcher (which serve every group), and whatever depended on the server app depends on every
 * copy. The first group stays the definition's own (the default group).
 */
export function withGroups(group: GroupDef, count: number): GroupDef {
  if (count <= 1) return group;
  const apps = appsOf(group);
  const server = apps.find((a) => programOf(a) === 'server');
  if (server === undefined) throw new RedisZkError('DEFINITION_INVALID', `--groups ${count}: the group definition has no redis-zk-server app to repeat`);
  const copies: AppDef[] = [];
  for (let i = 2; i <= count; i += 1) copies.push({ ...server, id: `${server.id}-g${i}`, env: { ...server.env, MASTER_NAME: `g${i}` } });
  const dependOnCopies = (a: AppDef): AppDef => {
    const deps = a.dependencies?.map((d) => resolveDependency(a.id, d));
    if (deps === undefined || !deps.includes(server.id)) return a;
    return { ...a, dependencies: [...(a.dependencies ?? []), ...copies.map((c) => c.id)] };
  };
  const rewrite = (g: GroupDef): GroupDef => ({
    ...g,
    apps: g.apps?.flatMap((a) => (a === server ? [a, ...copies] : [dependOnCopies(a)])),
    groups: g.groups?.map(rewrite),
  });
  return rewrite(group);
}

/**
 * `--failover-mode zookeeper`: the group without its sentinel apps (and without dependencies on
 * them), FAILOVER_MODE=zookeeper on every server and watcher app.
 */
export function withFailoverMode(group: GroupDef, mode: 'sentinel' | 'zookeeper'): GroupDef {
  if (mode === 'sentinel') return group;
  const sentinelIds = new Set(appsOf(group).filter((a) => programOf(a) === 'sentinel').map((a) => a.id));
  const rewrite = (g: GroupDef): GroupDef => ({
    ...g,
    apps: g.apps
      ?.filter((a) => !sentinelIds.has(a.id))
      .map((a) => ({
        ...a,
        env: { ...a.env, FAILOVER_MODE: 'zookeeper' },
        ...(a.dependencies === undefined ? {} : { dependencies: a.dependencies.filter((d) => !sentinelIds.has(resolveDependency(a.id, d))) }),
      })),
    groups: g.groups?.map(rewrite),
  });
  return rewrite(group);
}
