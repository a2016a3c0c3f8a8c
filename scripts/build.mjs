// Bundles each program into one ESM file (dist/<bin>.mjs): fast start, and the same file the
// images ship and the end-to-end tests run.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;
const programs = ['server', 'sentinel', 'watcher'];
const entries = programs.map((p) => ({ entry: `${root}packages/${p}/src/main.ts`, outfile: `${root}packages/${p}/dist/redis-zk-${p}.mjs` }));
// The local launcher (`npm start`, scripts/local-group.mjs).
entries.push({ entry: `${root}packages/launcher/src/main.ts`, outfile: `${root}packages/launcher/dist/launcher.mjs` });

await Promise.all(
  entries.map(({ entry, outfile }) =>
    build({
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
