import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-each.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration files start real servers; more workers only add contention.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
