// @redis-zk/client as an application gets it: `npm pack` of packages/client unpacked into a fresh
// directory beside the application's own ioredis, imported by its name, run against a real group
// (FAILOVER_MODE=zookeeper: no sentinels, so no Sentinel-aware client could do this).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { redisClient, repoRoot, sharedZkHosts, startProcess, tempDir } from '../../harness/index.js';
import { killRedisServer, startFullGroup } from '../../harness/full-group.js';

const APP = `
import { RedisZk } from '@redis-zk/client';
const rz = await RedisZk.connect({ zkHosts: process.env.ZK_HOSTS });
rz.on('master-changed', (e) => console.log(JSON.stringify({ event: 'master-changed', ...e })));
const redis = rz.client();
redis.on('error', () => {});
for (let i = 0; ; i += 1) {
  try {
    await redis.set('app:' + i, String(i));
    console.log(JSON.stringify({ event: 'ack', key: 'app:' + i, master: rz.master() }));
  } catch (err) {
    console.log(JSON.stringify({ event: 'error', code: err.code ?? null }));
  }
  await new Promise((r) => setTimeout(r, 10));
}
`;

const TYPED = `
import { RedisZk, type MasterChanged } from '@redis-zk/client';
const rz = await RedisZk.connect({ zkHosts: 'zk:2181/redis', onSessionExpired: 'fail-closed' });
rz.on('master-changed', (e: MasterChanged) => console.log(e.group, e.to ?? 'none', e.rule));
const redis = rz.client({ group: 'cache', readFrom: 'replica', maxLagBytes: 1024, queueTimeoutMs: 2000 });
const value: string | null = await redis.get('k');
const master: string | undefined = rz.master('cache');
console.log(value, master, rz.zkState());
await rz.close();
export {};
`;

describe('@redis-zk/client as published', () => {
  it('packs, installs beside the application\'s ioredis, and follows a failover', async () => {
    const app = tempDir('rzk-client-app-');
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', app], { cwd: join(repoRoot, 'packages/client') }).toString();
    const file = (JSON.parse(packed) as { filename: string; files: { path: string }[] }[])[0]!;
    expect(file.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/index.mjs', 'package.json', 'types/index.d.ts']);
    const pkgDir = join(app, 'node_modules/@redis-zk/client');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', join(app, file.filename), '-C', pkgDir, '--strip-components=1']);
    // The application's own ioredis (what `npm install @redis-zk/client` would bring).
    const ioredis = dirname(createRequire(join(repoRoot, 'packages/client/package.json')).resolve('ioredis/package.json'));
    symlinkSync(ioredis, join(app, 'node_modules/ioredis'));
    writeFileSync(join(app, 'app.mjs'), APP);
    // A TypeScript application type-checks against the published declarations alone (no core types).
    writeFileSync(join(app, 'typed.ts'), TYPED);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    symlinkSync(join(repoRoot, 'node_modules/@types'), join(app, 'node_modules/@types'));
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const checked = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', join(app, 'typed.ts')], { cwd: app, encoding: 'utf8' });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);

    const zkHosts = sharedZkHosts();
    const g = await startFullGroup({ zkHosts, mode: 'zookeeper' });
    const first = await g.steady('the group to form');
    const proc = startProcess('client-app', process.execPath, [join(app, 'app.mjs')], { ZK_HOSTS: zkHosts });
    try {
      await proc.waitForLog((l) => l.event === 'ack' && l.master === `127.0.0.1 ${first}`, 15_000);
      await killRedisServer(g.servers.find((s) => s.port === first)!);
      const moved = await proc.waitForLog((l) => l.event === 'master-changed' && l.from === `127.0.0.1 ${first}`, 15_000);
      await proc.waitForLog((l) => l.event === 'ack' && l.master === moved.to, 10_000);
      expect(moved.to).toBe(`127.0.0.1 ${await g.recordedPort()}`);
    } finally {
      proc.killGroup();
    }
    const last = proc.logs().filter((l) => l.event === 'ack').at(-1)!;
    const c = redisClient(Number(String(last.master).split(' ')[1]));
    expect(await c.get(String(last.key))).not.toBeNull();
    c.disconnect();
  });
});
