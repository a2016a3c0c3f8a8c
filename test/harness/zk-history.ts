import type { TestZk } from './index.js';

/** Every value `path` takes (default /redis/master), seen through `zk`'s watches, with when: for flapping checks. */
export function recordHistory(zk: TestZk, path = '/redis/master'): { values: string[]; times: number[] } {
  const h = { values: [] as string[], times: [] as number[] };
  const read = () =>
    zk.client.getData(
      path,
      () => read(),
      (err, data) => {
        if (err) return void zk.client.exists(path, () => read(), () => {});
        const v = data?.toString('utf8') ?? '';
        if (h.values[h.values.length - 1] !== v) {
          h.values.push(v);
          h.times.push(Date.now());
        }
      },
    );
  read();
  return h;
}
