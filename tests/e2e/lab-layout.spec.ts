/**
 * A lab page with its sandbox open (real sandbox server): on a wide screen
 * the instructions and the terminal sit side by side and the terminal's
 * width follows its separator (keyboard and pointer); on a phone they are
 * two tabs. A lesson without a lab keeps the panel docked at the bottom.
 */
import { expect, test, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { routeUrl } from '../../src/lesson/links.ts';
import { courseLabs } from '../../src/labs/course-labs.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { url } from './helpers.ts';

test.skip(!siteBuilt('sandbox'), 'sandbox server not started (DRILLBOOK_SKIP_SANDBOX_E2E=1 or dist not built)');
test.setTimeout(120_000);

const course = loadCourse('content');
const labPage = routeUrl([...courseLabs(course).values()][0]?.route ?? '', '/');
const plainPage = routeUrl(
  course.lessons.find((l) => !l.nodes.some((n) => n.kind === 'block' && n.type === 'lab') && l.route !== '')?.route ?? '',
  '/',
);

async function openSandbox(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-sandbox', 'on');
  await page.getByRole('button', { name: 'Open sandbox' }).click();
  await expect(page.locator('.sandbox-status')).toHaveText('Connected', { timeout: 60_000 });
}

test.afterEach(async ({ page }) => {
  await page.request.delete(url('sandbox', '/api/sandbox')).catch(() => undefined);
});

test('wide screen: the terminal beside the lab instructions, resizable from its edge', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(url('sandbox', labPage));
  await openSandbox(page);
  const panel = page.locator('#db-sandbox-panel');
  const lab = page.locator('db-lab');
  await lab.locator('.db-title').scrollIntoViewIfNeeded();
  const [p, l] = [await panel.boundingBox(), await lab.boundingBox()];
  // Beside, not below: the panel runs the height of the window, right of the instructions, which stay readable.
  expect(p!.height).toBeGreaterThan(850);
  expect(l!.x + l!.width).toBeLessThanOrEqual(p!.x + 1);
  await expect(lab.locator('.db-title')).toBeInViewport();
  await expect(panel).toBeInViewport();

  const separator = page.getByRole('separator', { name: 'Width of the terminal' });
  const before = Number(await separator.getAttribute('aria-valuenow'));
  await separator.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
  await expect(separator).toHaveAttribute('aria-valuenow', String(before + 96));
  expect(Math.round((await panel.boundingBox())!.width)).toBe(before + 96);

  const s = (await separator.boundingBox())!;
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move(1440 - 500, s.y + s.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(separator).toHaveAttribute('aria-valuenow', '500');
  // Remembered for the next page.
  await page.reload();
  await expect(page.locator('.sandbox-status')).toHaveText('Connected', { timeout: 60_000 });
  await expect(separator).toHaveAttribute('aria-valuenow', '500');
});

test('phone: instructions and terminal are two tabs', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url('sandbox', labPage));
  await openSandbox(page);
  const tabs = page.getByRole('tablist', { name: 'Lab view' });
  const terminalTab = tabs.getByRole('tab', { name: 'Terminal' });
  const pageTab = tabs.getByRole('tab', { name: 'Instructions' });
  await expect(terminalTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#db-sandbox-panel')).toBeVisible();
  await expect(page.locator('db-lab')).toBeHidden();
  await pageTab.click();
  await expect(pageTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('db-lab')).toBeVisible();
  await expect(page.locator('#db-sandbox-panel')).toBeHidden();
  await pageTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(terminalTab).toBeFocused();
  await expect(terminalTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#db-sandbox-panel')).toBeVisible();
  await expect(page.locator('db-sandbox .xterm-rows')).toContainText('$', { timeout: 30_000 });
});

test('a lesson without a lab keeps the panel docked at the bottom', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(url('sandbox', plainPage));
  await openSandbox(page);
  const p = (await page.locator('#db-sandbox-panel').boundingBox())!;
  expect(p.width).toBeGreaterThan(1400);
  expect(p.y + p.height).toBeGreaterThan(895);
  expect(p.y).toBeGreaterThan(300);
  await expect(page.getByRole('tablist', { name: 'Lab view' })).toBeHidden();
});
