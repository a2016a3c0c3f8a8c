#!/usr/bin/env node
// `npm start`: runs marathon/group.json locally. The launcher is TypeScript in packages/launcher,
// bundled by scripts/build.mjs (which `npm start` runs through scripts/setup.sh).
import('../packages/launcher/dist/launcher.mjs').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('launcher.mjs')) {
    console.error('launcher: not built yet; run `npm run setup` (or `pnpm run build`) first');
    process.exit(70);
  }
  throw err;
});
