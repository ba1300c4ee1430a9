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

/**
 * Brings every diagram of the page into view and waits until it is drawn (or
 * shows its error): diagrams draw only near the viewport, and a scan before
 * they are drawn checked none of their text (mermaid's dark edge labels failed
 * contrast unseen, except when a slow run happened to draw one in time).
 */
async function drawDiagrams(page: Page): Promise<void> {
  const diagrams = page.locator('db-mermaid');
  for (let i = 0; i < (await diagrams.count()); i++) {
    const d = diagrams.nth(i);
    await d.scrollIntoViewIfNeeded();
    await expect(d.locator('.mermaid-figure[data-rendered], .db-error-text').first()).toBeAttached({ timeout: 20_000 });
  }
  await page.evaluate(() => window.scrollTo(0, 0));
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
        await drawDiagrams(page);
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

/** The same rules on states a page reaches only through use, on the fixture page with every block. */
test('axe fixtures: no serious or critical violations once blocks are used (answered, revealed, open, failed, playing)', async ({
  browser,
}) => {
  test.skip(!siteBuilt('fixtures'), 'fixture site not built');
  test.setTimeout(180_000);
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    const scan = async (state: string) => {
      const { violations } = await new AxeBuilder({ page }).analyze();
      for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
        found.push(
          `${colorScheme}, ${state}: ${v.id} (${v.impact}) ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
        );
    };
    await page.goto(url('fixtures', '/reader/all-blocks/'));
    const quiz = page.locator('db-quiz');
    await quiz.getByLabel("The backup job's exit status").check();
    await expect(quiz.locator('.quiz-option.is-wrong')).toHaveCount(1);
    await scan('quiz answered wrong');
    await quiz.getByLabel('Restoring it somewhere else').check();
    await expect(quiz.locator('.quiz-retry')).toBeVisible();
    await scan('quiz answered right');

    const code = page.locator('db-exercise').first();
    await code.locator('.ex-next-hint').click();
    await code.locator('.ex-next-hint').click();
    await code.locator('.ex-solution summary').click();
    const tasks = page.locator('db-exercise').nth(1);
    for (const s of await tasks.locator('summary').all()) await s.click();
    await page.locator('details.admonition summary').click();
    await expect(code.locator('.ex-solution pre')).toBeVisible();
    await scan('hints, answers and solution shown');

    // The broken diagram is caught by mermaid's parser at build time: an error box in place of the drawing.
    const broken = page.locator('.db-error[data-block="mermaid"]');
    await broken.scrollIntoViewIfNeeded();
    await expect(broken).toHaveAttribute('role', 'alert');
    await expect(broken).toContainText('The diagram does not parse');
    await page.locator('db-mermaid').first().scrollIntoViewIfNeeded();
    await expect(page.locator('db-mermaid').first().locator('svg')).toBeVisible({ timeout: 15_000 });
    await scan('diagram drawn, and the error box of one that does not parse');

    const replay = page.locator('db-terminal');
    await replay.scrollIntoViewIfNeeded();
    await expect(replay).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
    await replay.locator('.term-play').click();
    await expect(replay.locator('.term-play')).toHaveText('Pause');
    await scan('replay playing');

    await page.locator('db-command-builder').getByLabel('Skip ownership').check();
    await page.locator('db-code-walkthrough .cw-next').click();
    await scan('builder and walkthrough used');

    await page.getByLabel('Search the course').fill('restore');
    await expect(page.locator('#site-search-results li a').first()).toBeVisible({ timeout: 10_000 });
    await scan('search results open');
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Lessons' }).click();
    await expect(page.locator('.sidebar .nav-tree')).toBeVisible();
    await scan('phone, lesson list open');
    await context.close();
  }
  expect(found).toEqual([]);
});
