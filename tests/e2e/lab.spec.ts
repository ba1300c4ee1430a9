/**
 * The mysqldump lab in the browser. On the sandbox site (real bubblewrap and
 * MariaDB): Start lab, a first check before any work ("not yet", and the
 * solution stays locked, also for the API), the 3 s check rate limit as the
 * page shows it, the solution's commands typed into the terminal, every check
 * passed and the solution served, then Reset lab; and "Give up and show me
 * the solution". On the static site: the lab reads as text, without actions
 * and without the solution, which no lab page's HTML contains. The terminal
 * is read from xterm's rendered rows, as in sandbox.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type ConsoleMessage, type Locator, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { courseLabs } from '../../src/labs/course-labs.ts';
import { routeUrl } from '../../src/lesson/links.ts';
import { url } from './helpers.ts';
import { screen, squeeze, waitForPrompt } from './terminal-screen.ts';

const LAB = '/mariadb/lab-mysqldump-full-restore/';
const CHECKS = ['dump-exists', 'dump-rows', 'dump-data', 'dump-code', 'restored'];
const SOLUTION = [
  'mysqldump --single-transaction --routines --triggers --events shop > ~/backups/shop.sql',
  "mysql -e 'CREATE DATABASE shop_restored'",
  'mysql shop_restored < ~/backups/shop.sql',
];
/** The server's least time between two checks of one lab (src/cli/serve.ts). */
const CHECK_INTERVAL_MS = 3_000;

/**
 * Console errors and page errors, except the browser's own "Failed to load
 * resource" lines for answers the test provokes on purpose: 429 from a check
 * inside the rate limit, and the 404 the sandbox panel gets when it asks for
 * the sandbox in the moment a reset has ended the old one and not yet
 * handed out the new one (it then reattaches).
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  const expected = (m: ConsoleMessage) =>
    m.text().startsWith('Failed to load resource') &&
    ((/ 429 /.test(m.text()) && m.location().url.endsWith('/check')) ||
      (/ 404 /.test(m.text()) && m.location().url.endsWith('/api/sandbox')));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected(m)) errors.push(`${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

/** Types a command, presses Enter and waits for it to finish: its echo is on screen, then the prompt is back. */
async function runToPrompt(page: Page, command: string): Promise<void> {
  await page.keyboard.type(command);
  await expect.poll(async () => squeeze(await screen(page)), { message: `the typed ${command}` }).toContain(squeeze(command));
  await page.keyboard.press('Enter');
  // Until the command ends, the screen ends with its echo, not with a prompt.
  await waitForPrompt(page, 60_000);
}

function check(lab: Locator, id: string): { status: Locator; message: Locator } {
  const li = lab.locator(`li[data-check="${id}"]`);
  return { status: li.locator('.db-lab-status'), message: li.locator('.db-lab-message') };
}

test.describe('static site (sandbox mode off)', () => {
  test.skip(!siteBuilt('content'), 'content site not built (dist)');

  test('the lab reads as text: tasks and checks, no actions, and no solution in the page (only a note that a sandbox server shows it)', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await page.goto(url('content', LAB));
    const lab = page.locator('db-lab');
    await expect(lab.getByRole('heading', { name: 'Back up the shop and prove the backup restores' })).toBeVisible();
    await expect(lab.locator('.db-lab-tasks > li')).toHaveCount(3);
    await expect(lab.locator('.db-lab-check-title')).toHaveText([
      'A dump is at ~/backups/shop.sql',
      'Loaded into an empty database, the dump brings back every row',
      "The dump's orders and order lines are identical to the shop's",
      'The dump brings back the function, the trigger and the event',
      "shop_restored has the shop's rows, data, function, trigger and event",
    ]);
    await page.waitForTimeout(300);
    await expect(page.locator('html')).not.toHaveAttribute('data-sandbox', /.*/);
    await expect(lab.getByRole('button')).toHaveCount(0);
    for (const name of ['Start lab', 'Check my work', 'Reset lab']) await expect(lab.locator('button', { hasText: name })).toBeHidden();
    await expect(lab.locator('.db-lab-status').first()).toBeHidden();
    await expect(lab.locator('.db-lab-offline')).toBeVisible();
    await expect(lab.locator('.db-lab-solution-later')).toBeHidden();
    await expect(lab.locator('.db-lab-solution-static')).toHaveText(
      'A Drillbook server with sandbox mode shows the solution once you have tried the lab.',
    );
    await expect(lab.locator('details.db-lab-solution')).toBeHidden();
    await expect(lab.locator('details.db-lab-solution code')).toHaveText('');
    expect(errors).toEqual([]);
  });

  test("no lab page's HTML contains its solution", async ({ request }) => {
    const course = loadCourse('content');
    const labs = [...courseLabs(course).values()];
    expect(labs.length).toBeGreaterThan(5);
    for (const cl of labs) {
      const res = await request.get(url('content', routeUrl(cl.route, '/')));
      expect(res.status(), cl.route).toBe(200);
      const html = (await res.text())
        .replace(/<[^>]+>/g, '')
        .replace(
          /&(#39|#x27|quot|amp|lt|gt);/g,
          (_, e: string) => ({ '#39': "'", '#x27': "'", quot: '"', amp: '&', lt: '<', gt: '>' })[e] ?? '',
        );
      // The page may show a command the solution also runs (in its prose, the tasks or a check's title); no other line may appear.
      const prose = [
        readFileSync(join(course.dir, cl.file), 'utf8').replace(/```lab[\s\S]*?\n```/, ''),
        cl.lab.description ?? '',
        ...cl.lab.tasks,
        ...cl.lab.checks.map((c) => c.title),
      ].join('\n');
      const distinctive = cl.lab.solution
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 16 && !prose.includes(l));
      expect(distinctive.length, cl.id).toBeGreaterThan(0);
      for (const line of distinctive) expect(html.includes(line), `${cl.route} shows the solution line: ${line}`).toBe(false);
    }
  });
});

test.describe('sandbox mode', () => {
  test.skip(!siteBuilt('sandbox'), 'sandbox server not started (DRILLBOOK_SKIP_SANDBOX_E2E=1 or dist not built)');
  test.setTimeout(240_000);

  test.afterEach(async ({ page }) => {
    // End this learner's sandbox (the page's cookie) so tests do not pile up sandboxes.
    await page.request.delete(url('sandbox', '/api/sandbox')).catch(() => undefined);
  });

  test('start, check before any work, do the work in the terminal, all checks pass, reset', async ({ page }) => {
    const errors = watchErrors(page);
    const loaded = page.waitForResponse((r) => r.url().endsWith('/api/labs/mysqldump-full-restore') && r.request().method() === 'GET');
    await page.goto(url('sandbox', LAB));
    expect((await loaded).status()).toBe(200);
    const lab = page.locator('db-lab');
    const status = lab.getByRole('status');
    const start = lab.getByRole('button', { name: 'Start lab' });
    const checkWork = lab.getByRole('button', { name: 'Check my work' });
    const reset = lab.getByRole('button', { name: 'Reset lab' });
    const solution = lab.locator('details.db-lab-solution');
    await expect(start).toBeVisible();
    await expect(checkWork).toBeDisabled();
    await expect(reset).toBeDisabled();
    await expect(lab.locator('.db-lab-offline')).toBeHidden();
    await expect(solution).toBeHidden();
    await expect(lab.locator('.db-lab-solution-later')).toHaveText(
      'The solution opens here once you have tried: work on the tasks in your sandbox, then press Check my work.',
    );
    await expect(lab.getByRole('button', { name: 'Give up and show me the solution' })).toBeVisible();
    for (const id of CHECKS) await expect(check(lab, id).status).toHaveText('not checked');

    // Start lab from the keyboard: the setup runs (progress shows), then the lab is ready and the sandbox panel opens.
    await start.focus();
    await page.keyboard.press('Enter');
    await expect(status).toHaveText('Preparing your sandbox for this lab…');
    await expect(lab).toHaveAttribute('aria-busy', 'true');
    await expect(status).toHaveText(/^Lab ready in \d+\.\d s\. Open the terminal and work through the tasks\.$/, { timeout: 120_000 });
    await expect(lab).not.toHaveAttribute('aria-busy');
    await expect(start).toBeHidden();
    await expect(checkWork).toBeEnabled();
    await expect(reset).toBeEnabled();
    const panel = page.getByRole('region', { name: 'Your sandbox' });
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('status')).toHaveText('Connected', { timeout: 30_000 });
    await expect(page.locator('db-sandbox .xterm textarea')).toBeFocused();
    await waitForPrompt(page);

    // A first check before any work: every check "not yet", the first with its message and hint; the solution stays locked.
    await checkWork.focus();
    const first = page.waitForResponse((r) => r.url().endsWith('/check'));
    await page.keyboard.press('Enter');
    expect((await first).status()).toBe(200);
    const checkedAt = Date.now();
    await expect(status).toHaveText('0 of 5 checks passed.');
    for (const id of CHECKS) await expect(check(lab, id).status).toHaveText('not yet');
    const dump = check(lab, 'dump-exists').message;
    await expect(dump).toContainText('There is no mysqldump output at ~/backups/shop.sql yet.');
    await expect(dump.locator('.db-lab-hint')).toHaveText(
      'Hint: mysqldump writes to standard output: redirect it with > ~/backups/shop.sql.',
    );
    // `code` spans in the author's text are shown as code, not as backticks.
    await expect(dump.locator('.db-lab-hint code')).toHaveText(['mysqldump', '> ~/backups/shop.sql']);
    // A check that waited for an earlier one says so, without a hint about a step the learner has not reached.
    await expect(check(lab, 'dump-rows').message).toHaveText('Waiting for: A dump is at ~/backups/shop.sql.');
    await expect(solution).toBeHidden();
    await expect(lab.locator('.db-lab-solution-later')).toBeVisible();
    await expect(checkWork).toBeFocused();
    // Not from the API either: a check without any work is not an attempt.
    const locked = await page.request.get(url('sandbox', '/api/labs/mysqldump-full-restore/solution'));
    expect(locked.status()).toBe(403);
    expect(await locked.json()).toMatchObject({ error: 'SolutionLocked' });

    // Checking again at once is inside the 3 s limit: the server answers 429 and the page says when to retry.
    const limited = page.waitForResponse((r) => r.url().endsWith('/check'));
    await checkWork.click();
    const answer = await limited;
    expect(answer.status()).toBe(429);
    expect(await answer.json()).toMatchObject({ error: 'RateLimited' });
    await expect(status).toHaveText(/^You checked a moment ago\. Check again in [1-3] s\.$/);
    for (const id of CHECKS) await expect(check(lab, id).status).toHaveText('not yet');

    // The work, typed into the terminal as the learner would.
    await page.locator('db-sandbox .xterm textarea').focus();
    for (const command of SOLUTION) await runToPrompt(page, command);

    const wait = checkedAt + CHECK_INTERVAL_MS + 250 - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    const second = page.waitForResponse((r) => r.url().endsWith('/check'));
    await checkWork.click();
    expect((await second).status()).toBe(200);
    await expect(status).toHaveText('All 5 checks passed. Well done. The solution is now available below.');
    for (const id of CHECKS) {
      await expect(check(lab, id).status).toHaveText('passed');
      await expect(check(lab, id).message).toBeEmpty();
    }
    // After a real attempt the solution is served, as text, folded.
    await expect(solution).toBeVisible();
    await expect(solution).not.toHaveAttribute('open');
    await expect(lab.locator('.db-lab-solution-later')).toBeHidden();
    await expect(lab.getByRole('button', { name: 'Give up and show me the solution' })).toBeHidden();
    await solution.locator('summary').click();
    await expect(solution.locator('pre code')).toHaveText(SOLUTION.join('\n'));

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { violations } = await new AxeBuilder({ page }).include('db-lab').analyze();
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${scheme}: ${v.id}`)).toEqual([]);
    }

    // A reload shows the same state, from the server.
    await page.reload();
    await expect(checkWork).toBeEnabled();
    await expect(start).toBeHidden();
    for (const id of CHECKS) await expect(check(lab, id).status).toHaveText('passed');
    await expect(solution).toBeVisible();

    // Reset lab: fresh servers, the setup again, nothing checked yet; the solution stays open.
    page.once('dialog', (d) => void d.accept());
    await reset.click();
    await expect(status).toHaveText(/^Lab ready in \d+\.\d s\./, { timeout: 120_000 });
    for (const id of CHECKS) await expect(check(lab, id).status).toHaveText('not checked');
    await expect(solution).toBeVisible();
    await expect(panel.getByRole('status')).toHaveText('Connected', { timeout: 30_000 });
    await waitForPrompt(page);
    await page.locator('db-sandbox .xterm textarea').focus();
    await runToPrompt(page, 'test -e ~/backups/shop.sql || echo "no dump in the fresh sandbox"');
    expect(await screen(page)).toMatch(/^no dump in the fresh sandbox$/m);
    expect(errors).toEqual([]);
  });

  test('"Give up and show me the solution" shows it and is kept as a give-up', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LAB));
    const lab = page.locator('db-lab');
    const giveUp = lab.getByRole('button', { name: 'Give up and show me the solution' });
    await expect(giveUp).toBeVisible();
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await giveUp.click();
    const solution = lab.locator('details.db-lab-solution');
    await expect(solution).toHaveAttribute('open', '');
    await expect(solution.locator('pre code')).toHaveText(SOLUTION.join('\n'));
    expect(asked).toBe('Give up and see the solution? That you gave up is kept with your results.');
    await expect(lab.getByRole('status')).toHaveText('The solution is shown below. That you gave up is kept with your results.');
    await expect(giveUp).toBeHidden();
    const view = await page.request.get(url('sandbox', '/api/labs/mysqldump-full-restore'));
    expect(await view.json()).toMatchObject({ solution: 'gave-up' });
    // Still there after a reload, from the server.
    await page.reload();
    await expect(solution).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('Start lab over earlier work gives fresh servers, so the setup cannot trip over it', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LAB));
    await page.getByRole('button', { name: 'Open sandbox' }).click();
    await waitForPrompt(page);
    // The learner has already made a `shop` database of their own, which the setup also creates.
    await runToPrompt(page, "mysql -e 'CREATE DATABASE shop; CREATE TABLE shop.mine (x int)'");
    const lab = page.locator('db-lab');
    await lab.getByRole('button', { name: 'Start lab' }).click();
    await expect(lab.getByRole('status')).toHaveText(/^Lab ready in/, { timeout: 120_000 });
    await expect(lab.getByRole('button', { name: 'Check my work' })).toBeEnabled();
    await waitForPrompt(page);
    await page.locator('db-sandbox .xterm textarea').focus();
    await runToPrompt(
      page,
      "mysql -Nse \"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'mine'\"",
    );
    expect(await screen(page)).toMatch(/^0$/m);
    expect(errors).toEqual([]);
  });

  test('a check when the lab is not running in the sandbox shows it as not started', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LAB));
    const lab = page.locator('db-lab');
    await lab.getByRole('button', { name: 'Start lab' }).click();
    await expect(lab.getByRole('status')).toHaveText(/^Lab ready in/, { timeout: 120_000 });
    await page.getByRole('region', { name: 'Your sandbox' }).getByRole('button', { name: 'Close panel' }).click();

    // The sandbox ends behind the page's back (idle timeout, another tab).
    expect((await page.request.delete(url('sandbox', '/api/sandbox'))).status()).toBe(204);
    await lab.getByRole('button', { name: 'Check my work' }).click();
    await expect(lab.getByRole('status')).toHaveText(/^This lab is not running in your sandbox/);
    await expect(lab.getByRole('button', { name: 'Start lab' })).toBeVisible();
    await expect(lab.getByRole('button', { name: 'Check my work' })).toBeDisabled();
    expect(errors.filter((e) => !/ 409 /.test(e))).toEqual([]);
  });
});
