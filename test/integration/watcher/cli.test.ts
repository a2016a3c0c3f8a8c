/**
 * What a user sees for mistakes on the watcher's command line and in its listening variables:
 * one line naming what is wrong and what is expected, a non-zero exit, no stack trace.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runProgramToExit, sharedZkHosts } from '../../harness/index.js';
import { watcherEnv } from './group.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Something else listening on 127.0.0.1:<port>. */
async function occupy(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

function expectOneLineRefusal(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr + r.stdout).not.toMatch(/unexpected failure|\n\s+at /);
}

describe('redis-zk-watcher listening', () => {
  it('PORT0 in use: one line naming PORT0, non-zero exit', async () => {
    const env = await watcherEnv(sharedZkHosts());
    await occupy(Number(env.PORT0));
    const r = await runProgramToExit('watcher', env);
    expectOneLineRefusal(r, new RegExp(`^redis-zk-watcher: PORT0=${env.PORT0} is already in use`));
  });

  it('BIND_IP not an address of this machine: one line naming BIND_IP, non-zero exit', async () => {
    // TEST-NET-1 (RFC 5737): never an address of a test machine.
    const env = await watcherEnv(sharedZkHosts(), { BIND_IP: '192.0.2.1' });
    const r = await runProgramToExit('watcher', env);
    expectOneLineRefusal(r, /^redis-zk-watcher: BIND_IP=192\.0\.2\.1 is not an address of this machine/);
  });
});

describe('arguments', () => {
  // Refused before anything else (no configuration needed): an empty environment is enough.
  for (const args of [['foo'], ['--', 'foo'], ['--']]) {
    it(`redis-zk-watcher ${args.join(' ')}: refused in one line, exit 2, nothing about a child`, async () => {
      const r = await runProgramToExit('watcher', {}, args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `redis-zk-watcher: unknown argument ${JSON.stringify(args[0])}; redis-zk-watcher takes no arguments: configuration is by environment (see --help)`,
      ]);
    });
  }

  it('redis-zk-sentinel -- foo: refused too (it passes nothing to redis-sentinel)', async () => {
    const r = await runProgramToExit('sentinel', {}, ['--', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^redis-zk-sentinel: unknown argument "--"; redis-zk-sentinel takes no arguments/);
  });

  it('redis-zk-server keeps taking arguments for redis-server after -- and refusing its own unknown ones', async () => {
    const own = await runProgramToExit('server', {}, ['foo']);
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/^redis-zk-server: unknown argument "foo"; .*arguments for the child go after --$/m);
    // Past the argument check: a bad variable is what it stops on now.
    const child = await runProgramToExit('server', { ZK_SESSION_TIMEOUT_MS: 'soon' }, ['--', '--save', '']);
    expect(child.code).toBe(2);
    expect(child.stderr).not.toMatch(/unknown argument/);
    expect(child.stderr).toMatch(/ZK_SESSION_TIMEOUT_MS/);
  });

  it('--help still works for the watcher', async () => {
    const r = await runProgramToExit('watcher', {}, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/redis-zk-watcher/);
  });
});
