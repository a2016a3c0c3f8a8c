import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Files that run for minutes, longest first. Vitest orders files by their last durations, but a
 * fresh clone (CI's first pass) has none and falls back to file size: the image test (about 5
 * minutes) then started midway and the suite ended on one worker. Started first, these overlap
 * everything else.
 */
const LONG_FIRST = [
  'test/e2e/containers.test.ts',
  'test/integration/server/crash-failover.test.ts',
  'test/e2e/chaos.test.ts',
  'test/e2e/partition.test.ts',
  'test/e2e/zookeeper-mode.test.ts',
  'test/integration/client/zookeeper-mode.test.ts',
];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i === -1 ? LONG_FIRST.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup-each.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration files start real servers; more workers only add contention.
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    reporters: ['default'],
  },
});
