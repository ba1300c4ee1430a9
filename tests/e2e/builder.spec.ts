/**
 * Command builders as a learner meets them: options the tool refuses
 * together cannot be combined (and the builder says why), the command wraps
 * on a phone instead of running off the screen, and on a wide screen each
 * piece's meaning sits beside its control.
 */
import { expect, test } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'the fixture site is not built (scripts/test-all.sh builds it)');

test('declared conflicts disable the other option, with the reason beside it, and free it again', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(url('fixtures', '/command-builder/conflicts/'));
  const b = page.locator('db-command-builder');
  const cmd = b.locator('.cb-command');
  const piece = (i: number) => b.locator('.cb-piece').nth(i);
  await expect(cmd).toHaveText('mysqldump');

  await b.getByLabel('Every database').check();
  await expect(b.getByLabel('These databases')).toBeDisabled();
  await expect(piece(1).locator('.cb-blocked')).toHaveText('Not with --all-databases: --all-databases already dumps every database');
  await expect(b.getByLabel('These databases')).toHaveAccessibleDescription(
    'Not with --all-databases: --all-databases already dumps every database',
  );
  await b.getByLabel('Every database').uncheck();
  await expect(b.getByLabel('These databases')).toBeEnabled();
  await expect(piece(1).locator('.cb-blocked')).toBeHidden();

  // A switch rules out single choices of a select: they are disabled and say by what.
  await b.getByLabel('Consistent snapshot').check();
  const locking = b.getByLabel('Locking');
  await expect(locking.locator('option', { hasText: '--lock-all-tables' })).toBeDisabled();
  await expect(locking.locator('option', { hasText: '--lock-all-tables' })).toHaveText(
    '--lock-all-tables — One global read lock (not with --single-transaction)',
  );
  await expect(locking.locator('option', { hasText: "--lock-tables — Lock each database's tables" })).toBeDisabled();
  await expect(piece(3).locator('.cb-blocked')).toContainText('Not with --single-transaction');
  await expect(cmd).toHaveText('mysqldump --single-transaction');

  // And the other way round: a chosen value rules out the switch.
  await b.getByLabel('Consistent snapshot').uncheck();
  await locking.selectOption({ label: '--lock-all-tables — One global read lock' });
  await expect(b.getByLabel('Consistent snapshot')).toBeDisabled();
  await expect(piece(2).locator('.cb-blocked')).toHaveText(
    'Not with --lock-all-tables: mysqldump takes either a snapshot or a global lock, not both',
  );
  await expect(cmd).toHaveText('mysqldump --lock-all-tables');
  await b.locator('.cb-reset').click();
  await expect(b.getByLabel('Consistent snapshot')).toBeEnabled();
  await expect(cmd).toHaveText('mysqldump');
  expect(errors).toEqual([]);
});

test('the command wraps on a phone: nothing runs off the screen', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(url('fixtures', '/command-builder/flat-options/'));
  const b = page.locator('db-command-builder');
  await b.getByLabel('Tables').selectOption({ label: '--table=orders --table=order_lines — Two tables' });
  await b.getByLabel('Output file').fill('/srv/dumps/a-very-long-directory-name/with-another-one/shop-2026-12-06T02:00:00.dump');
  await b.getByLabel('Skip ownership').check();
  const box = await b
    .locator('.cb-command')
    .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, right: el.getBoundingClientRect().right }));
  expect(box.scroll).toBeLessThanOrEqual(box.client);
  expect(box.right).toBeLessThanOrEqual(360);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.close();
});

test('on a wide screen each meaning sits beside its control', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url('fixtures', '/command-builder/flat-options/'));
  const piece = page.locator('db-command-builder .cb-piece').first();
  await page.locator('db-command-builder').getByLabel('Database').selectOption({ label: '--dbname=shop — shop' });
  const pick = await piece.locator('.cb-pick').boundingBox();
  const about = await piece.locator('.cb-about').boundingBox();
  expect(about!.x).toBeGreaterThanOrEqual(pick!.x + pick!.width);
  expect(Math.abs(about!.y - pick!.y)).toBeLessThan(4);
  await page.close();
});

test('declared requirements say what the tool still needs, and with what, until it is chosen', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(url('fixtures', '/command-builder/requires/'));
  const b = page.locator('db-command-builder');
  const cmd = b.locator('.cb-command');
  const needs = b.locator('.cb-needs');
  // Always needed: said before anything is chosen, by the page itself.
  await expect(needs).toHaveText('Needs --dbname: the database to dump');
  await b.getByLabel('Database').selectOption({ label: 'shop — shop' });
  await expect(needs).toBeHidden();
  await b.getByLabel('Format').selectOption({ label: '-Fd — Directory' });
  await expect(needs).toHaveText('Needs -f with -Fd: pg_dump: no output directory specified');
  await expect(cmd).toHaveText('pg_dump -Fd --dbname shop');
  await b.getByLabel('Output').fill('/srv/backups/shop.dir');
  await expect(needs).toBeHidden();
  await expect(cmd).toHaveText('pg_dump -Fd -f /srv/backups/shop.dir --dbname shop');
  await b.locator('.cb-reset').click();
  await expect(needs).toHaveText('Needs --dbname: the database to dump');
  expect(errors).toEqual([]);
});
