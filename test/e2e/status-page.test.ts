// The status page in a real headless Chromium (Debian's chromium, driven by playwright-core; no
// browser is downloaded): it shows the group's master, and after a kill -9 of the master it shows
// the new one without a reload, from the live event stream. UPDATE_SCREENSHOT=1 writes the
// screenshot the docs show (docs/status-page.png).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot, sharedZkHosts, waitFor } from '../harness/index.js';
import { startGroup, startHealthyWatcher } from '../integration/watcher/group.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe.skipIf(CHROMIUM === undefined)(`status page in headless Chromium${CHROMIUM === undefined ? ' (skipped: no /usr/bin/chromium; `bash scripts/setup.sh --for-tests` installs it)' : ''}`, () => {
  it('shows the master, replicas, sentinels and events, the new master after a kill -9 without a reload, and a pause', async () => {
    const group = await startGroup({ zkHosts: sharedZkHosts() });
    const { base } = await startHealthyWatcher(group.zkHosts, { API_TOKEN: 'page-token-0123456789' });

    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // What a browser asks for: text/html first.
      const res = await page.goto(`${base}/`);
      expect(res?.headers()['content-type']).toMatch(/^text\/html/);
      const masterCell = page.locator('[data-group="mymaster"] .master');
      const first = `127.0.0.1:${group.servers[0]!.port}`;
      await masterCell.filter({ hasText: first }).waitFor({ timeout: 10_000 });
      await page.locator('#stream', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-group="mymaster"] tr.replica').nth(1).waitFor({ timeout: 10_000 });
      expect(await page.locator('#sentinels').textContent()).toContain(`127.0.0.1:${group.sentinels[0]!.port}`);
      expect(await page.locator('#so-token').getAttribute('type')).toBe('password');

      // kill -9 of the master: the sentinels fail over, the watcher records it, the page follows.
      group.servers[0]!.process.signal('SIGKILL');
      const next = await waitFor(async () => {
        const m = await group.zk.get('/redis/master');
        return m !== undefined && m !== `127.0.0.1 ${group.servers[0]!.port}` ? m.replace(' ', ':') : false;
      }, { what: 'ZooKeeper to record the new master', timeoutMs: 30_000 });
      const t0 = Date.now();
      await masterCell.filter({ hasText: next }).waitFor({ timeout: 10_000 });
      console.log(`status page: the new master ${next} shown ${Date.now() - t0} ms after ZooKeeper recorded it, without a reload`);
      await page.locator('#events li[data-kind="switch-master"]').first().waitFor({ timeout: 10_000 });
      // The remaining replica, re-pointed by the sentinels, appears under the new master.
      await page.locator('[data-group="mymaster"] tr.replica').first().waitFor({ timeout: 20_000 });
      // The change is in the group's recent history, newest first.
      await page.locator('[data-group="mymaster"] ul.history li', { hasText: next.replace(':', ' ') }).first().waitFor({ timeout: 10_000 });
      // Maintenance mode shows on the page too (at its next refresh, within 5 s).
      await group.zk.create('/redis/paused/mymaster', JSON.stringify({ by: 'ops@page-test', reason: 'upgrade' }));
      await page.locator('[data-group="mymaster"] .badge.paused').waitFor({ timeout: 10_000 });
      await group.zk.remove('/redis/paused/mymaster');
      await page.locator('[data-group="mymaster"] .badge.paused').waitFor({ state: 'detached', timeout: 10_000 });
      expect(errors).toEqual([]);
      if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: join(repoRoot, 'docs', 'status-page.png') });
    } finally {
      await browser?.close();
    }
  }, 90_000);
});
