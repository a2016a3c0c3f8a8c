// Bundles each program into one ESM file (dist/<bin>.mjs): fast start, and the same file the
// images ship and the end-to-end tests run.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;
const programs = ['server', 'sentinel', 'watcher'];
const entries = programs.map((p) => ({ entry: `${root}packages/${p}/src/main.ts`, outfile: `${root}packages/${p}/dist/redis-zk-${p}.mjs` }));
// The local launcher (`npm start`, scripts/local-group.mjs).
entries.push({ entry: `${root}packages/launcher/src/main.ts`, outfile: `${root}packages/launcher/dist/launcher.mjs` });
// The operator's command line (`pnpm exec redis-zk`, and in the images).
entries.push({ entry: `${root}packages/cli/src/main.ts`, outfile: `${root}packages/cli/dist/redis-zk.mjs` });
// The chaos soak (`npm run chaos`).
entries.push({ entry: `${root}tools/chaos/main.ts`, outfile: `${root}tools/chaos/dist/chaos.mjs` });
// @redis-zk/client as published: the core inside, ioredis the application's own (it gets an
// ordinary ioredis client, of the class it imports).
entries.push({ entry: `${root}packages/client/src/index.ts`, outfile: `${root}packages/client/dist/index.mjs`, external: ['ioredis'] });

const results = await Promise.all(
  entries.map(({ entry, outfile, external }) =>
    build({
      external,
      write: false,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'linked',
      logLevel: 'warning',
      define: { __REDIS_ZK_VERSION__: JSON.stringify(version) },
      // CommonJS dependencies (node-zookeeper-client, ioredis) call require() on builtins.
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    }),
  ),
);

// A bundle that did not change is not touched, and one that did is replaced by a rename: a
// program starting meanwhile (`npm start` builds while tests or a group may be running) never
// reads a half-written file.
for (const { outputFiles } of results) {
  for (const f of outputFiles) {
    let same = false;
    try {
      same = Buffer.compare(readFileSync(f.path), f.contents) === 0;
    } catch {
      /* not there yet */
    }
    if (same) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}
