import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whether redis-server would load data from this directory: an RDB snapshot or an AOF directory
 * with a non-empty file. (How many keys it holds is known only once loaded.)
 */
export async function hasPersistedData(dir: string): Promise<boolean> {
  const size = (p: string) => stat(p).then((s) => (s.isFile() ? s.size : 0), () => 0);
  if ((await size(join(dir, 'dump.rdb'))) > 0) return true;
  const aof = await readdir(join(dir, 'appendonlydir')).catch(() => [] as string[]);
  for (const f of aof) if (!f.endsWith('.manifest') && (await size(join(dir, 'appendonlydir', f))) > 0) return true;
  return false;
}
