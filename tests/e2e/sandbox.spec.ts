/**
 * Sandbox mode in the page: the panel on a lesson served with sandbox mode
 * on (real bubblewrap, PostgreSQL and MariaDB behind the terminal), "Run in
 * my sandbox" on blocks, reattaching after a reload, reset, keyboard-only use
 * on a phone; and nothing of it on the static site. What the terminal shows
 * is read from xterm's rendered rows, i.e. what the learner sees.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Route, type WebSocketRoute } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';
import { screen, squeeze, waitForPrompt } from './terminal-screen.ts';

const LESSON = '/foundations/logical-vs-physical/';

async function run(page: Page, command: string): Promise<void> {
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

test.describe('static site (sandbox mode off)', () => {
  test.skip(!siteBuilt('content'), 'content site not built (dist)');

  test('no sandbox UI: no launcher, no "Run in my sandbox", no console error', async ({ page }) => {
    const errors = watchErrors(page);
    const health = page.waitForResponse((r) => r.url().endsWith('/api/health'));
    await page.goto(url('content', LESSON));
    expect(await (await health).json()).toMatchObject({ ok: true, sandbox: { enabled: false } });
    await expect(page.locator('db-command-builder').first()).toBeVisible();
    await page.waitForTimeout(300);
    await expect(page.locator('html')).not.toHaveAttribute('data-sandbox', /.*/);
    await expect(page.getByRole('button', { name: 'Open sandbox' })).toBeHidden();
    await expect(page.locator('.db-run-in-sandbox').first()).toBeAttached();
    for (const b of await page.locator('.db-run-in-sandbox').all()) await expect(b).toBeHidden();
    expect(errors).toEqual([]);
  });

  test('plain static hosting: the built api/health file, a 404 or no answer all leave the page static', async ({ page }) => {
    const answers: [string, (r: Route) => Promise<void>][] = [
      ['the static file', (r) => r.fulfill({ path: 'dist/api/health', contentType: 'application/octet-stream' })],
      ['404', (r) => r.fulfill({ status: 404, contentType: 'text/html', body: '<h1>Not found</h1>' })],
      ['no answer', (r) => r.abort('connectionrefused')],
    ];
    for (const [what, answer] of answers) {
      await page.unrouteAll();
      await page.route('**/api/health', answer);
      const asked = page.waitForRequest('**/api/health');
      await page.goto(url('content', LESSON));
      await asked;
      await page.waitForTimeout(300);
      await expect(page.locator('html'), what).not.toHaveAttribute('data-sandbox', /.*/);
      await expect(page.getByRole('button', { name: 'Open sandbox' }), what).toBeHidden();
      await expect(page.locator('db-command-builder .db-run-in-sandbox').first(), what).toBeHidden();
    }
  });
});

test.describe('sandbox mode', () => {
  test.skip(!siteBuilt('sandbox'), 'sandbox server not started (DRILLBOOK_SKIP_SANDBOX_E2E=1 or dist not built)');
  test.setTimeout(120_000);

  test.afterEach(async ({ page }) => {
    // End this learner's sandbox (the page's cookie) so tests do not pile up sandboxes.
    await page.request.delete(url('sandbox', '/api/sandbox')).catch(() => undefined);
  });

  test('open the sandbox in a lesson and run psql against its own PostgreSQL', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LESSON));
    const launch = page.getByRole('button', { name: 'Open sandbox' });
    await expect(launch).toBeVisible();
    await launch.click();
    const panel = page.getByRole('region', { name: 'Your sandbox' });
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('status')).toHaveText('Connected', { timeout: 30_000 });
    await expect(panel.locator('.sandbox-info')).toContainText('PostgreSQL and MariaDB on localhost');
    await expect(page.locator('db-sandbox .xterm textarea')).toBeFocused();
    await waitForPrompt(page);
    await run(page, "psql -h localhost -U postgres -c 'select 1'");
    await expect.poll(() => screen(page), { timeout: 20_000 }).toContain('(1 row)');
    expect(await screen(page)).toMatch(/\?column\?\s*\n-+\s*\n\s*1\s*\n\(1 row\)/);
    await waitForPrompt(page);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { violations } = await new AxeBuilder({ page }).include('db-sandbox').analyze();
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${scheme}: ${v.id}`)).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  test('"Run in my sandbox" types the command into the shell and does not run it', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LESSON));
    const builder = page.locator('db-command-builder').first();
    const command = (await builder.locator('.cb-command code').textContent()) ?? '';
    expect(command).toContain('mysqldump');
    await builder.getByRole('button', { name: 'Run in my sandbox' }).click();
    await expect(page.getByRole('region', { name: 'Your sandbox' })).toBeVisible();
    await expect(page.locator('db-sandbox .xterm textarea')).toBeFocused();
    await expect.poll(async () => squeeze(await screen(page)), { timeout: 30_000 }).toContain(squeeze(command));
    // Not run: a second later the command is still the last thing on screen, after the one prompt.
    await page.waitForTimeout(1000);
    let text = await screen(page);
    expect(squeeze(text).endsWith(squeeze(command))).toBe(true);
    expect(text.match(/\$ /g)?.length).toBe(1);

    // A replay step's command, the same way (Ctrl+C abandons the typed line first).
    await page.keyboard.press('Control+C');
    await waitForPrompt(page);
    const replay = page.locator('db-terminal').first();
    const step = (await replay.locator('.term-step[data-step="0"] .term-command').textContent()) ?? '';
    await replay.getByRole('button', { name: 'Run in my sandbox' }).click();
    await expect.poll(async () => squeeze(await screen(page)), { timeout: 10_000 }).toMatch(new RegExp(`${escape(squeeze(step))}$`));
    await page.waitForTimeout(1000);
    text = await screen(page);
    expect(squeeze(text).endsWith(squeeze(step))).toBe(true);
    expect(errors).toEqual([]);
  });

  test('a reload reattaches to the same sandbox; reset gives a fresh one', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(url('sandbox', LESSON));
    await page.getByRole('button', { name: 'Open sandbox' }).click();
    await waitForPrompt(page);
    const before = (await (await page.request.get(url('sandbox', '/api/sandbox'))).json()) as { id: string };
    await run(page, 'echo kept-$((6*7)) > ~/marker; echo written');
    await expect.poll(() => screen(page)).toMatch(/^written$/m);

    await page.reload();
    const panel = page.getByRole('region', { name: 'Your sandbox' });
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('status')).toHaveText('Connected', { timeout: 30_000 });
    await page.locator('db-sandbox .xterm textarea').focus();
    await run(page, 'cat ~/marker');
    await expect.poll(() => screen(page), { timeout: 10_000 }).toMatch(/^kept-42$/m);
    const after = (await (await page.request.get(url('sandbox', '/api/sandbox'))).json()) as { id: string };
    expect(after.id).toBe(before.id);

    page.once('dialog', (d) => void d.accept());
    await panel.getByRole('button', { name: 'Reset sandbox' }).click();
    await expect(panel.getByRole('status')).toHaveText('Connected', { timeout: 30_000 });
    await waitForPrompt(page);
    const fresh = (await (await page.request.get(url('sandbox', '/api/sandbox'))).json()) as { id: string };
    expect(fresh.id).not.toBe(before.id);
    await run(page, 'cat ~/marker');
    await expect.poll(() => screen(page), { timeout: 10_000 }).toContain('No such file or directory');

    // Closing hides the panel and is remembered: the next reload leaves it closed.
    await panel.getByRole('button', { name: 'Close panel' }).click();
    await expect(panel).toBeHidden();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Open sandbox' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Your sandbox' })).toBeHidden();
    expect(errors).toEqual([]);
  });

  test('a dropped connection reconnects to the same shell, showing its output once', async ({ page }) => {
    const errors = watchErrors(page);
    const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await page.routeWebSocket(/\/api\/sandbox\/terminal/, (ws) => {
      sockets.push({ page: ws, server: ws.connectToServer() });
    });
    await page.goto(url('sandbox', LESSON));
    await page.getByRole('button', { name: 'Open sandbox' }).click();
    const status = page.getByRole('region', { name: 'Your sandbox' }).getByRole('status');
    await waitForPrompt(page);
    await run(page, 'X=kept; echo "$X is set"');
    await expect.poll(() => screen(page)).toMatch(/^kept is set$/m);

    const first = sockets[0];
    if (!first) throw new Error('no terminal socket');
    await first.server.close();
    await first.page.close();
    await expect.poll(() => sockets.length, { timeout: 15_000 }).toBe(2);
    await expect(status).toHaveText('Connected');
    // The server replays the shell's recent output after reattaching; it is shown once, not appended.
    await expect.poll(async () => (await screen(page)).match(/^kept is set$/gm)?.length).toBe(1);
    await page.locator('db-sandbox .xterm textarea').focus();
    await run(page, 'echo "$X again"');
    await expect.poll(() => screen(page)).toMatch(/^kept again$/m);
    expect(errors).toEqual([]);
  });

  test('no layout shift when sandbox mode turns on, on a desktop and a phone', async ({ browser }) => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(url('sandbox', LESSON));
      await expect(page.getByRole('button', { name: 'Open sandbox' })).toBeVisible();
      await page.waitForTimeout(1000);
      const cls = await page.evaluate(
        () =>
          new Promise<number>((ok) => {
            let sum = 0;
            new PerformanceObserver((list) => {
              for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[])
                if (!e.hadRecentInput) sum += e.value;
            }).observe({ type: 'layout-shift', buffered: true });
            setTimeout(() => ok(sum), 300);
          }),
      );
      expect(cls, `${viewport.width}px`).toBeLessThan(0.05);
      await context.close();
    }
  });

  test('keyboard only on a phone: open, use the shell, leave it with Shift+Tab, close', async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    try {
      await page.goto(url('sandbox', LESSON));
      const launch = page.getByRole('button', { name: 'Open sandbox' });
      await expect(launch).toBeVisible();
      await launch.focus();
      await page.keyboard.press('Enter');
      const panel = page.getByRole('region', { name: 'Your sandbox' });
      await expect(panel).toBeVisible();
      const box = await panel.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
      await expect(page.locator('db-sandbox .xterm textarea')).toBeFocused();
      await waitForPrompt(page);
      await run(page, 'echo $((40+2))');
      await expect.poll(() => screen(page)).toMatch(/^42$/m);
      await page.keyboard.press('Shift+Tab');
      await expect(panel.getByRole('button', { name: 'Close panel' })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(panel).toBeHidden();
      await expect(launch).toBeFocused();
    } finally {
      await page.request.delete(url('sandbox', '/api/sandbox')).catch(() => undefined);
      await context.close();
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
