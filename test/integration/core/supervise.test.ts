// supervise() against real children: exit status propagation, SIGTERM→SIGKILL, a missing
// executable, and the rule that a child never outlives its wrapper.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, isRedisZkError, probeRedis, supervise, waitForPing } from '@redis-zk/core';
import { freePort, isAlive, repoRoot, SERVER_BIN, startProcess, tempDir, waitFor } from '../../harness/index.js';

const log = createLogger('test', 'silent');
const auth = { password: undefined, timeoutMs: 1_000 };

describe('supervise', () => {
  it('runs redis-server, and stop() ends it with SIGTERM: exit 0, idempotent', async () => {
    const port = await freePort();
    const dir = tempDir();
    const child = await supervise(SERVER_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--loglevel', 'warning'], {
      log,
      shutdownTimeoutMs: 5_000,
    });
    try {
      await waitForPing({ host: '127.0.0.1', port }, auth, 10_000);
      const probe = await probeRedis({ host: '127.0.0.1', port }, auth);
      expect(probe).toMatchObject({ reachable: true, role: 'master' });
      const [first, second] = await Promise.all([child.stop(), child.stop()]);
      expect(first).toEqual({ code: 0, signal: null, exitCode: 0 });
      expect(second).toEqual(first);
      expect(await child.exited).toEqual(first);
      expect(await child.stop()).toEqual(first);
      expect(isAlive(child.pid)).toBe(false);
    } finally {
      await child.stop('SIGKILL');
    }
  });

  it("makes the child's exit code, or 128 + its signal, the wrapper's exit status", async () => {
    const coded = await supervise('sh', ['-c', 'exit 3'], { log, shutdownTimeoutMs: 1_000 });
    expect(await coded.exited).toEqual({ code: 3, signal: null, exitCode: 3 });
    const killed = await supervise('sh', ['-c', 'kill -9 $$'], { log, shutdownTimeoutMs: 1_000 });
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL', exitCode: 137 });
    const termed = await supervise('sh', ['-c', 'kill -TERM $$'], { log, shutdownTimeoutMs: 1_000 });
    expect((await termed.exited).exitCode).toBe(143);
  });

  it('gives the child umask 077: a file it creates is 0600 whatever the wrapper had', async () => {
    const dir = tempDir();
    const before = process.umask(0o022);
    try {
      const child = await supervise('sh', ['-c', 'echo secret > created && umask > umask-seen'], { log, shutdownTimeoutMs: 1_000, cwd: dir });
      expect((await child.exited).exitCode).toBe(0);
      expect(statSync(join(dir, 'created')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'umask-seen'), 'utf8').trim()).toBe('0077');
    } finally {
      process.umask(before);
    }
  });

  it('passes cwd and env through', async () => {
    const dir = tempDir();
    const child = await supervise('sh', ['-c', 'test "$PWD" = "$EXPECT_DIR" && test "$MARK" = yes'], {
      log,
      shutdownTimeoutMs: 1_000,
      cwd: dir,
      env: { EXPECT_DIR: dir, MARK: 'yes' },
    });
    expect((await child.exited).exitCode).toBe(0);
  });

  it('SIGKILLs a child that ignores SIGTERM after shutdownTimeoutMs', async () => {
    const child = await supervise(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], {
      log,
      shutdownTimeoutMs: 300,
    });
    // Give node time to install its handler, else SIGTERM kills it before it can ignore it.
    await new Promise((r) => setTimeout(r, 500));
    const t = Date.now();
    const exit = await child.stop();
    expect(exit).toEqual({ code: null, signal: 'SIGKILL', exitCode: 137 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t).toBeLessThan(5_000);
  });

  it('rejects with CHILD_START_FAILED and one clear sentence when the executable is missing', async () => {
    const err = await supervise('/nonexistent/redis-server', [], { log, shutdownTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(isRedisZkError(err, 'CHILD_START_FAILED')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toBe('cannot start "/nonexistent/redis-server": no such executable (not found on PATH or at that path)');
    const onPath = await supervise('redis-server-that-does-not-exist', [], { log, shutdownTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(isRedisZkError(onPath, 'CHILD_START_FAILED')).toBe(true);
    const dir = tempDir();
    const notExecutable = await supervise(dir, [], { log, shutdownTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(isRedisZkError(notExecutable, 'CHILD_START_FAILED')).toBe(true);
  });

  describe('the child never outlives its wrapper', () => {
    let bundle: string | undefined;
    async function wrapperBundle(): Promise<string> {
      if (bundle) return bundle;
      const out = join(tempDir(), 'wrapper.mjs');
      await build({
        entryPoints: [join(repoRoot, 'test/integration/core/fixtures/supervise-wrapper.ts')],
        outfile: out,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'warning',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      return (bundle = out);
    }

    for (const how of ['exit', 'throw'] as const) {
      it(`when the wrapper leaves by ${how === 'exit' ? 'process.exit' : 'an uncaught exception'}`, async () => {
        const wrapper = startProcess('supervise-wrapper', process.execPath, [await wrapperBundle(), how]);
        const line = await wrapper.waitForLog((l) => typeof l.childPid === 'number');
        const childPid = line.childPid as number;
        const exit = await wrapper.exited;
        expect(exit.code).toBe(how === 'exit' ? 3 : 1);
        await waitFor(() => !isAlive(childPid), { what: `supervised child ${childPid} to be gone after its wrapper exited`, timeoutMs: 3_000 });
      });
    }

    it('when the wrapper itself is killed with SIGKILL (no exit hook runs): the kernel kills the child', async () => {
      const wrapper = startProcess('supervise-wrapper', process.execPath, [await wrapperBundle(), 'stay']);
      const line = await wrapper.waitForLog((l) => typeof l.childPid === 'number');
      const childPid = line.childPid as number;
      expect(isAlive(childPid)).toBe(true);
      process.kill(wrapper.pid, 'SIGKILL'); // the wrapper only, not its process group
      expect((await wrapper.exited).signal).toBe('SIGKILL');
      await waitFor(() => !isAlive(childPid), { what: `supervised child ${childPid} to be gone after its wrapper was SIGKILLed`, timeoutMs: 3_000 });
    });
  });
});
