#!/usr/bin/env node
// The bundle is built by `pnpm run build` (scripts/build.mjs); this stub keeps the bin linkable before that.
import('../dist/redis-zk.mjs').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('redis-zk.mjs')) {
    console.error('redis-zk: not built yet; run `npm run setup` (or `pnpm run build`) in the repository first');
    process.exit(70);
  }
  throw err;
});
