/**
 * Crawls every built site from its home page: every internal link and image
 * answers 200 (except those the content check reports, which are marked
 * data-missing on the page), and no page logs a console error. On the sites
 * of our own course, any element marked data-missing fails the crawl too.
 */
import { expect, test } from '@playwright/test';
import { SITES, siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';

for (const site of Object.keys(SITES) as (keyof typeof SITES)[]) {
  test(`crawl ${site}: no broken internal link or image, no console error`, async ({ page, request }) => {
    test.skip(!siteBuilt(site), `${site} site not built (${SITES[site].dir}/index.html missing)`);
    test.setTimeout(120_000);
    const origin = new URL(url(site)).origin;
    const errors = watchErrors(page);
    const queue = [url(site)];
    const seen = new Set(queue);
    const broken: string[] = [];
    const missing: string[] = [];
    const checked = new Set<string>();
    while (queue.length > 0) {
      const at = queue.shift() as string;
      const res = await page.goto(at);
      expect(res?.status(), at).toBe(200);
      if (SITES[site].own) {
        const marked = await page.$$eval('[data-missing]', (els) => els.map((e) => e.outerHTML.slice(0, 160)));
        missing.push(...marked.map((m) => `${at}: ${m}`));
      }
      // Targets the content check reports as missing are marked data-missing.
      const refs = await page.$$eval('a[href]:not([data-missing]), img[src]:not([data-missing])', (els) =>
        els.map((e) => (e instanceof HTMLImageElement ? e.src : (e as HTMLAnchorElement).href)),
      );
      for (const ref of refs) {
        const u = new URL(ref);
        if (u.origin !== origin) continue;
        u.hash = '';
        const key = u.toString();
        if (!checked.has(key)) {
          checked.add(key);
          const r = await request.get(key);
          if (r.status() !== 200) broken.push(`${at} → ${key} (${r.status()})`);
        }
        if (!seen.has(key) && (key.endsWith('/') || key.endsWith('.html'))) {
          seen.add(key);
          queue.push(key);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(missing).toEqual([]);
    expect(errors).toEqual([]);
    expect(seen.size).toBeGreaterThan(1);
  });
}
