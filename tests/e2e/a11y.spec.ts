/**
 * axe-core on every page of every built static site: no serious or critical
 * violation. The sandbox site serves the same pages; sandbox.spec.ts scans
 * its panel, open, in both schemes.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { SITES, siteBuilt } from '../../playwright.config.ts';
import { url } from './helpers.ts';

async function allPages(page: Page, home: string): Promise<string[]> {
  await page.goto(home);
  const hrefs = await page.$$eval('.sidebar a[href], .lesson-list a[href]', (els) => els.map((e) => (e as HTMLAnchorElement).href));
  return [...new Set([home, ...hrefs.map((h) => h.split('#')[0] as string)])];
}

for (const site of (Object.keys(SITES) as (keyof typeof SITES)[]).filter((s) => !SITES[s].sandbox)) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`axe ${site} (${scheme}): no serious or critical violations on any page`, async ({ browser }) => {
      test.skip(!siteBuilt(site), `${site} site not built`);
      test.setTimeout(600_000);
      const context = await browser.newContext({ colorScheme: scheme });
      const page = await context.newPage();
      const found: string[] = [];
      for (const u of await allPages(page, url(site))) {
        await page.goto(u);
        const { violations } = await new AxeBuilder({ page }).analyze();
        for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
          found.push(
            `${u}: ${v.id} (${v.impact}) ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')}`,
          );
        }
      }
      await context.close();
      expect(found).toEqual([]);
    });
  }
}
