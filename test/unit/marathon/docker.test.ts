// The images run what the tests run: each Dockerfile ships its program's bundle (the file
// scripts/build.mjs writes) and runs it as a non-root user under an init that forwards signals.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './definitions.js';
import { WRAPPER_NODE_FLAGS } from '../../../packages/core/src/process/node-flags.js';

const PROGRAMS = { server: 'redis-server', sentinel: 'redis-sentinel', watcher: undefined } as const;
const DEFAULT_PORT = { server: 6379, sentinel: 26379, watcher: 8080 } as const;

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe.each(Object.keys(PROGRAMS) as (keyof typeof PROGRAMS)[])('docker/%s.Dockerfile', (p) => {
  const file = join(repoRoot, 'docker', `${p}.Dockerfile`);
  const lines = instructions(readFileSync(file, 'utf8'));
  const bundle = `packages/${p}/dist/redis-zk-${p}.mjs`;
  const stages = lines.filter((l) => /^FROM /i.test(l));
  const runtime = lines.slice(lines.lastIndexOf(stages.at(-1)!));

  it('builds with pnpm from the lockfile and bundles with scripts/build.mjs', () => {
    expect(stages[0]).toBe('FROM ${NODE_IMAGE} AS build');
    expect(lines.join('\n')).toMatch(/npm i -g pnpm@10\.34\.9/);
    expect(lines.join('\n')).toMatch(/pnpm install --frozen-lockfile/);
    expect(lines.join('\n')).toMatch(/node scripts\/build\.mjs/);
    // The path the Dockerfile copies is the one build.mjs writes.
    const build = readFileSync(join(repoRoot, 'scripts', 'build.mjs'), 'utf8');
    expect(build).toContain('packages/${p}/dist/redis-zk-${p}.mjs');
  });

  it('copies only the bundle, its source map and the redis-zk command line into the runtime image', () => {
    // Debian and the node binary alone: the node image's npm, corepack and headers stay behind.
    expect(stages.at(-1)).toBe('FROM ${DEBIAN_IMAGE}');
    const copies = runtime.filter((l) => /^COPY /i.test(l));
    expect(copies).toEqual(['COPY --from=build /usr/local/bin/node /usr/local/bin/node', `COPY --from=build /src/${bundle} /src/${bundle}.map /app/`, 'COPY --from=build /src/packages/cli/dist/redis-zk.mjs /app/']);
  });

  it('pins the base by digest, and the Debian packages by version', () => {
    for (const [name, image] of [['NODE_IMAGE', 'node:24-bookworm-slim'], ['DEBIAN_IMAGE', 'debian:bookworm-slim']]) {
      const arg = lines.find((l) => l.startsWith(`ARG ${name}=`));
      expect(arg).toMatch(new RegExp(`^ARG ${name}=docker\\.io/library/${image}@sha256:[0-9a-f]{64}$`));
      expect(lines.indexOf(arg!)).toBeLessThan(lines.indexOf(stages[0]!));
    }
    const apt = runtime.find((l) => l.includes('apt-get install')) ?? '';
    const names = apt.split(/[\s"]+/).filter((w) => /^[a-z][a-z0-9.+-]*=\$\{/.test(w));
    // The wrapped package and its tools (which it depends on, at the same version), for Redis and
    // for Valkey (SERVER=valkey), and tini.
    expect(names.length).toBe(PROGRAMS[p] ? 5 : 1);
    if (PROGRAMS[p]) expect(names).toEqual(expect.arrayContaining([`${PROGRAMS[p]}=\${REDIS_VERSION}`, `${PROGRAMS[p]!.replace('redis', 'valkey')}=\${VALKEY_VERSION}`]));
    for (const n of names) {
      const variable = /=\$\{(\w+)\}$/.exec(n)?.[1];
      expect(variable, n).toBeDefined();
      expect(runtime.some((l) => new RegExp(`^ARG ${variable}=\\S+$`).test(l))).toBe(true);
    }
  });

  it('leaves the build tools and package lists out of the runtime image', () => {
    const clean = runtime.find((l) => l.includes('apt-get install')) ?? '';
    for (const path of ['/var/lib/apt/lists/*', '/usr/share/doc/*']) expect(clean).toContain(path);
  });

  it('installs the Redis binary it wraps, and tini', () => {
    const apt = runtime.find((l) => l.includes('apt-get install')) ?? '';
    expect(apt).toContain('tini');
    const wrapped = PROGRAMS[p];
    if (wrapped) expect(apt).toContain(wrapped);
    else expect(apt).not.toMatch(/redis/);
  });

  it('runs the bundle as a non-root user under tini', () => {
    const user = runtime.filter((l) => /^USER /i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    const entry = runtime.find((l) => /^ENTRYPOINT /.test(l));
    expect(JSON.parse(entry!.slice('ENTRYPOINT '.length))).toEqual(['/usr/bin/tini', '--', 'node', ...(p === 'watcher' ? [] : WRAPPER_NODE_FLAGS), `/app/redis-zk-${p}.mjs`]);
    expect(lines.lastIndexOf(user!)).toBeLessThan(lines.indexOf(entry!));
    expect(runtime).toContain(`EXPOSE ${DEFAULT_PORT[p]}`);
  });

  it('bakes in no secrets', () => {
    const text = lines.join('\n');
    expect(text).not.toMatch(/REDIS_PASSWORD|ZK_AUTH|requirepass/i);
    expect(lines.filter((l) => /^(ENV|ARG) /.test(l)).join(' ')).not.toMatch(/PASS|SECRET|TOKEN|KEY=/i);
  });
});

describe('.dockerignore', () => {
  it('keeps local state, dependencies and build output out of the context', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.git', '**/node_modules', '**/dist', '.local']) expect(ignore).toContain(entry);
    expect(existsSync(join(repoRoot, 'pnpm-lock.yaml'))).toBe(true);
  });
});
