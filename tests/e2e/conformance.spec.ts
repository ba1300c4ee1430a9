/** The shared conformance course, built as-is, shows what its README promises. */
import { expect, test } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('conformance'), 'conformance course not built: ../shared/conformance/course was not found beside the clone');

const dumps = url('conformance', '/Backups/logical-dumps/');
const physical = url('conformance', '/Backups/physical-copies/');
const disk = url('conformance', '/Server%20Ops/disk%20layout/');

test('logical dumps: admonitions, nested-fence exercise, quizzes and the 4-backtick example', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(dumps);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Logical Dumps');
  await expect(page.locator('.admonition.warning .admonition-title')).toHaveText('The "nightly" dump may be days old');
  await expect(page.locator('details.admonition.note')).toHaveAttribute('open', '');
  await expect(page.locator('details.admonition.note td code').filter({ hasText: 'a|b' })).toHaveCount(1);

  const exercise = page.locator('db-exercise', { hasText: 'Restore one table' });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await expect(exercise.locator('.ex-solution')).toContainText('pg_restore -d shop -t orders --data-only /srv/backups/shop.dump');
  await expect(exercise.locator('.ex-solution p').last()).toHaveText('Then count the rows.');

  const quizzes = page.locator('db-quiz');
  await expect(quizzes).toHaveCount(2);
  await expect(quizzes.nth(1).locator('fieldset')).toHaveCount(2);
  await expect(quizzes.nth(0).locator('.quiz-option-text').nth(3)).toHaveText('Only <your-own-format>');

  const example = page.locator('pre', { hasText: 'This is an example, not a block' });
  await expect(example).toContainText('```quiz');
  expect(errors).toEqual([]);
});

test('logical dumps: the diagram image appears twice and both disk-layout links work', async ({ page }) => {
  await page.goto(dumps);
  const imgs = page.locator('img[src*="restore-flow.svg"]');
  await expect(imgs).toHaveCount(2);
  for (const img of await imgs.all()) {
    await img.scrollIntoViewIfNeeded();
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
  }
  await page.getByRole('link', { name: 'the disk layout notes' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Disk Layout');
  await page.goBack();
  await page.getByRole('link', { name: 'the same page, encoded' }).click();
  await expect(page).toHaveURL(/#mount-points$/);
  await expect(page.locator('#mount-points')).toContainText('Mount points');
});

test('physical copies: terminal replay shapes and the invalid block as an error box', async ({ page }) => {
  await page.goto(physical);
  const replay = page.locator('db-terminal').first();
  await expect(replay.locator('.db-title')).toHaveCount(0);
  await expect(replay.locator('.db-scenario')).toContainText('A base backup of a small cluster');
  await expect(replay.locator('.term-command').nth(1)).toHaveText('ls /srv/base \\\n  | head -3');
  await expect(replay.locator('.term-step').nth(2).locator('.term-output')).toHaveCount(0);
  const box = page.locator('.db-error[data-block="terminal"]');
  await expect(box).toContainText('Backups/physical-copies.md:34');
  await expect(box).toContainText('Write "|2" instead of "|"');
  await expect(page.locator('db-exercise .ex-task')).toHaveCount(3);
  await expect(page.locator('db-code-walkthrough .line[data-line]')).toHaveCount(3);
});

test('disk layout: code exercises, walkthrough without language, error boxes, mermaid', async ({ page }) => {
  await page.goto(disk);
  await expect(page.locator('db-exercise .ex-starter')).toHaveCount(2);
  await expect(page.locator('db-exercise', { hasText: 'GROUP BY the customer.' })).toHaveCount(1);
  await expect(page.locator('db-code-walkthrough[data-language="plaintext"]')).toHaveCount(1);
  await expect(page.locator('.db-error[data-block="quiz"]')).toContainText('has no option marked correct');
  await expect(page.locator('.db-error[data-block="code-walkthrough"]')).toContainText('annotations.0.line');
  // Diagrams render only when they come near the viewport.
  await expect(page.locator('db-mermaid svg')).toHaveCount(0);
  await page.locator('db-mermaid').scrollIntoViewIfNeeded();
  await expect(page.locator('db-mermaid svg')).toHaveCount(1, { timeout: 15_000 });
});

test('three mermaid diagrams render as SVG, in light and dark', async ({ browser }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ colorScheme });
    let svgs = 0;
    for (const u of [dumps, physical, disk]) {
      await page.goto(u);
      const fig = page.locator('db-mermaid .mermaid-figure');
      await fig.scrollIntoViewIfNeeded();
      await expect(fig.locator('svg')).toBeVisible({ timeout: 15_000 });
      await expect(fig).toHaveAttribute('data-rendered', colorScheme);
      svgs += await fig.locator('svg').count();
    }
    expect(svgs).toBe(3);
    await page.close();
  }
});

test('home page renders the README with its raw HTML cards', async ({ page }) => {
  await page.goto(url('conformance'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Restore Drills');
  await page.locator('a.topic-card', { hasText: 'Logical dumps' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Logical Dumps');
});
