// CI's short seeded chaos soak, once per failover mode: the tool `npm run chaos` runs (a whole
// group on a 3-node ZooKeeper ensemble under random faults, SET + WAIT writers), healed at the
// end, every acknowledged key read back. The seeds are fixed so a failure can be replayed with
// `npm run chaos -- --mode <mode> --seed <seed> --minutes 0.75`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../harness/index.js';

const CASES = [
  { mode: 'sentinel', seed: 1801 },
  { mode: 'zookeeper', seed: 1802 },
] as const;

interface Summary {
  mode: string;
  seed: number;
  nemeses: number;
  acknowledged: number;
  lost: number;
  twoWritableSlots: number;
  longestWithoutWritableMasterMs: number;
}

describe.each(CASES)('chaos soak ($mode mode, seed $seed)', ({ mode, seed }) => {
  it('45 s of random faults: every acknowledged write is on the converged master', async () => {
    const dir = tempDir(`chaos-${mode}-`);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(repoRoot, 'tools/chaos/dist/chaos.mjs'), '--mode', mode, '--seed', String(seed), '--minutes', '0.75', '--json', '--dir', dir], { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout: out, stderr: errOut }),
      );
      child.on('error', () => undefined);
    });
    const lines = stdout.trim().split('\n');
    console.log(lines.filter((l) => /acknowledged|probe:|nemeses:|both accepted/.test(l)).join('\n'));
    expect(code, `${stderr}\n${lines.slice(-20).join('\n')}`).toBe(0);
    const summary = JSON.parse(lines.at(-1)!) as Summary;
    expect(summary).toMatchObject({ mode, seed, lost: 0 });
    expect(summary.nemeses).toBeGreaterThanOrEqual(3);
    expect(summary.acknowledged).toBeGreaterThan(1_000);
  }, 300_000);
});
