/**
 * Once per `vitest run`: build the bundles the tests start, and run one suite-wide ZooKeeper
 * that tests share through per-test chroots (sharedZkHosts()).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { killGroupsOnSignals, startZooKeeper } from '@redis-zk/devkit';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>` of the suite-wide ZooKeeper. */
    zkConnectString: string;
    /** Why `node scripts/build.mjs` failed, or '' when the bundles are fresh. */
    buildError: string;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let buildError = '';
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    // Unit tests can still run; tests that start a program fail with this text.
    buildError = (e.stderr?.toString() || e.message).trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(0, 20).join('\n');
    process.stderr.write(`harness: node scripts/build.mjs failed; tests that start programs will fail:\n${buildError}\n`);
  }
  killGroupsOnSignals();
  const zk = await startZooKeeper();
  project.provide('zkConnectString', zk.connectString);
  project.provide('buildError', buildError);
  return async () => {
    await zk.destroy();
  };
}
