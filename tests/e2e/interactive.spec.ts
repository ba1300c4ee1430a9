/**
 * The self-paced reader's interactions on the fixture and conformance
 * lessons: quizzes, builders, replays, exercises, walkthroughs, progress,
 * theme, search, keyboard-only use and a phone-sized viewport.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { skipToContent, tabTo, url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'fixture site not built (dist-fixtures)');

const fx = (path: string) => url('fixtures', `/${path}/`);

/** Records every drillbook:answer event on the page. */
async function recordAnswers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { answers: unknown[] }).answers = [];
    document.addEventListener('drillbook:answer', (e) =>
      (window as unknown as { answers: unknown[] }).answers.push((e as CustomEvent).detail),
    );
  });
}
const answers = (page: Page) => page.evaluate(() => (window as unknown as { answers: unknown[] }).answers);

test('quiz: feedback per option, right/wrong marks, one answer event each, kept across reloads, try again', async ({ page }) => {
  const errors = watchErrors(page);
  await recordAnswers(page);
  await page.goto(fx('quiz/single-question'));
  const quiz = page.locator('db-quiz');
  await expect(quiz.locator('.quiz-answer')).toBeHidden();
  await quiz.getByLabel('psql -f <archive-file>').check();
  const first = quiz.locator('.quiz-option').nth(0);
  await expect(first).toHaveClass(/is-wrong/);
  await expect(first.locator('.quiz-option-feedback')).toContainText('psql only replays plain SQL scripts.');
  await quiz.getByLabel('pg_restore -d <target-db> <archive-file>').check();
  await expect(quiz.locator('.quiz-option').nth(1)).toHaveClass(/is-correct/);
  await expect(first.locator('.quiz-option-feedback')).toBeHidden();
  await expect(quiz.locator('.quiz-score')).toHaveText('Right!');
  expect(await answers(page)).toEqual([
    { blockId: 'quiz-single-question-quiz-1', question: 0, choice: [0], correct: false },
    { blockId: 'quiz-single-question-quiz-1', question: 0, choice: [1], correct: true },
  ]);
  await page.reload();
  await expect(page.locator('db-quiz .quiz-option').nth(1)).toHaveClass(/is-correct/);
  await expect(page.locator('db-quiz input').nth(1)).toBeChecked();
  await page.locator('db-quiz .quiz-retry').click();
  await expect(page.locator('db-quiz input:checked')).toHaveCount(0);
  await expect(page.locator('db-quiz .quiz-score')).toHaveText('');
  expect(errors).toEqual([]);
});

test('quiz: keyboard only, arrow keys move the selection, Space or Enter answers, one answer event each', async ({ page }) => {
  await recordAnswers(page);
  await page.goto(fx('quiz/single-question'));
  const quiz = page.locator('db-quiz');
  const radios = quiz.locator('input[type="radio"]');
  const options = quiz.locator('.quiz-option');
  await tabTo(page, radios.first());
  await expect(quiz.locator('.quiz-keys')).toBeVisible();
  await page.keyboard.press('Space');
  await expect(options.nth(0)).toHaveClass(/is-wrong/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(radios.nth(2)).toBeChecked();
  await expect(radios.nth(2)).toBeFocused();
  // Moving the selection answered nothing: A is still the answer shown, and only A was answered.
  await expect(quiz.locator('.quiz-option.is-picked')).toHaveCount(1);
  await expect(options.nth(0)).toHaveClass(/is-picked/);
  expect(await answers(page)).toHaveLength(1);
  await page.keyboard.press('Space');
  await expect(options.nth(2)).toHaveClass(/is-wrong/);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(options.nth(1)).toHaveClass(/is-correct/);
  await page.keyboard.press('Space'); // the answer already given: not a new answer
  const id = 'quiz-single-question-quiz-1';
  expect(await answers(page)).toEqual([
    { blockId: id, question: 0, choice: [0], correct: false },
    { blockId: id, question: 0, choice: [2], correct: false },
    { blockId: id, question: 0, choice: [1], correct: true },
  ]);
  // The answered option is described by its feedback (the others by nothing); the feedback is announced.
  await expect(radios.nth(1)).toHaveAccessibleDescription(/^Right\.\s*Yes: pg_restore reads the custom archive format\.$/);
  await expect(radios.nth(0)).not.toHaveAttribute('aria-describedby');
  await expect(radios.nth(2)).not.toHaveAttribute('aria-describedby');
  const announce = quiz.locator('.quiz-announce');
  await expect(announce).toHaveAttribute('aria-live', 'polite');
  await expect(announce).toHaveText('Right. Yes: pg_restore reads the custom archive format.');
  await page.reload();
  await expect(page.locator('db-quiz input[type="radio"]').nth(1)).toBeChecked();
  await expect(page.locator('db-quiz .quiz-option').nth(1)).toHaveClass(/is-correct/);
});

test('quiz: multi-question score and multiple-select check', async ({ page }) => {
  await recordAnswers(page);
  await page.goto(fx('quiz/multi-question'));
  const quiz = page.locator('db-quiz');
  const score = quiz.locator('.quiz-score');
  const [first, second] = [0, 1].map((i) => quiz.locator('fieldset').nth(i));
  await first!.getByLabel('--lock-all-tables').check();
  await expect(score).toHaveText('Score: 0 of 2 right');
  await first!.getByLabel('--single-transaction').check();
  await expect(score).toHaveText('Score: 1 of 2 right');
  await second!.getByLabel('Nowhere').check();
  await expect(score).toHaveText('Score: 1 of 2 right');
  await expect(quiz.locator('.quiz-announce')).toHaveText('Not quite. They are included when the system database is. Score: 1 of 2 right');
  await second!.getByLabel("In the mysql system database's dump").check();
  await expect(score).toHaveText('Score: 2 of 2 right');
  expect((await answers(page)).map((a) => (a as { correct: boolean }).correct)).toEqual([false, true, false, true]);

  await page.goto(fx('quiz/multiple-select'));
  const multi = page.locator('db-quiz');
  const boxes = multi.locator('input[type="checkbox"]');
  const correct = await multi
    .locator('.quiz-option')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['correct'] === 'true'));
  await boxes.nth(correct.indexOf(true)).check();
  await multi.locator('.quiz-check').click();
  await expect(multi.locator('fieldset')).toHaveAttribute('data-result', 'wrong');
  for (let i = 0; i < correct.length; i++) if (correct[i]) await boxes.nth(i).check();
  await multi.locator('.quiz-check').click();
  await expect(multi.locator('fieldset')).toHaveAttribute('data-result', 'right');
});

test('command builders (fixtures): the exact command after each choice, what each chosen piece adds, copy and reset', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(fx('command-builder/flat-options'));
  const b = page.locator('db-command-builder');
  const cmd = b.locator('.cb-command');
  const adds = (i: number) => b.locator('.cb-piece').nth(i).locator('.cb-meaning');
  // Nothing chosen yet: the command is the base alone, every select on its one "(none)" entry.
  const initial = 'pg_dump';
  await expect(cmd).toHaveText(initial);
  for (const i of [0, 1, 2, 3, 4, 5, 6]) await expect(adds(i)).toBeHidden();
  await expect(b.getByLabel('Database').locator('option:checked')).toHaveText("(nothing) — Your user's default");
  await expect(b.getByLabel('Format').locator('option:checked')).toHaveText('(none)');
  for (const select of await b.locator('select').all())
    expect(
      await select
        .locator('option')
        .filter({ hasText: /^\((none|nothing)\)/ })
        .count(),
    ).toBe(1);
  await b.getByLabel('Database').selectOption({ label: '--dbname=<database> — Name it yourself' });
  await expect(adds(0)).toHaveText('Adds --dbname=<database>: Name it yourself');
  await b.getByLabel('Database').selectOption({ label: "(nothing) — Your user's default" });
  await b.getByLabel('Format').selectOption({ label: 'd — Directory' });
  await b.getByLabel('Tables').selectOption({ label: '--table="Mixed Case" — A quoted name' });
  await b.getByLabel('Output file').fill('/srv/dumps/shop.d');
  await b.getByLabel('Skip ownership').check();
  // A one-value toggle is a checkbox that can be turned on and off again.
  await b.getByLabel('Privileges and comments').check();
  await expect(adds(5)).toHaveText('Adds --no-privileges --no-comments: Privileges and comments: off');
  await b.getByLabel('Privileges and comments').uncheck();
  await b.getByLabel('Drop before create').check();
  await expect(cmd).toHaveText('pg_dump -F d --table="Mixed Case" --file /srv/dumps/shop.d --no-owner --clean');
  await expect(adds(0)).toBeHidden();
  await expect(adds(1)).toHaveText('Adds -F d: Directory');
  await expect(adds(2)).toHaveText('Adds --table="Mixed Case": A quoted name');
  await expect(adds(3)).toHaveText('Adds --file /srv/dumps/shop.d');
  await expect(adds(4)).toHaveText('Adds --no-owner: Skip ownership');
  await expect(adds(5)).toBeHidden();
  await expect(adds(6)).toHaveText('Adds --clean: Drop before create');
  await b.getByLabel('Output file').fill('   ');
  await b.getByLabel('Tables').selectOption({ label: "--table='tmp\\_orders' — An escaped underscore" });
  const built = "pg_dump -F d --table='tmp\\_orders' --no-owner --clean";
  await expect(cmd).toHaveText(built);
  await expect(adds(3)).toBeHidden();
  await b.locator('.cb-copy').click();
  await expect(b.locator('.cb-status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(built);
  await b.locator('.cb-reset').click();
  await expect(cmd).toHaveText(initial);
  await expect(b.getByLabel('Skip ownership')).not.toBeChecked();
  await expect(b.getByLabel('Output file')).toHaveValue('');
  await expect(b.getByLabel('Format')).toHaveValue('');
  await expect(adds(0)).toBeHidden();
  await expect(adds(6)).toBeHidden();

  await page.goto(fx('command-builder/groups-switches'));
  await b.getByLabel('Snapshot InnoDB tables').check();
  await b.getByLabel('Include stored procedures').check();
  await expect(cmd).toHaveText('mariadb-dump --single-transaction --routines');
  await expect(adds(0)).toHaveText('Adds --single-transaction: Snapshot InnoDB tables without locking them');
  await expect(adds(1)).toBeHidden();

  await page.goto(fx('command-builder/groups-values'));
  await b.getByLabel('Server').selectOption({ label: '/var/run/postgresql — The local socket directory' });
  await b.getByLabel('Port').selectOption({ label: '6432 — Through PgBouncer' });
  await b.getByLabel('Role').selectOption({ label: 'backup_operator — The backup role' });
  await b.getByLabel('Always ask for a password').check();
  await expect(cmd).toHaveText('psql -h /var/run/postgresql -p 6432 -U backup_operator -W');
  await expect(adds(1)).toHaveText('Adds -p 6432: Through PgBouncer');
  await expect(adds(3)).toHaveText('Adds -W: Always ask for a password');

  await page.goto(fx('command-builder/template-parts'));
  // Required parts start unchosen, and the builder says they are still needed.
  await expect(cmd).toHaveText('SELECT cron.schedule(');
  await expect(b.locator('.cb-missing')).toHaveText('Still to choose: Job name, Schedule.');
  await b.getByLabel('Job name').selectOption({ label: "'hourly-analyze' — hourly" });
  await b.getByLabel('Schedule').selectOption({ label: ", '0 * * * *' — every hour" });
  await b.getByLabel('Command', { exact: true }).and(b.locator('select')).selectOption({ label: ", 'ANALYZE'); — analyze everything" });
  await expect(cmd).toHaveText("SELECT cron.schedule('hourly-analyze', '0 * * * *', 'ANALYZE');");
  await expect(b.locator('.cb-missing')).toBeHidden();
  await expect(adds(2)).toHaveText("Adds , 'ANALYZE');: analyze everything");
  await b.getByLabel('Command', { exact: true }).and(b.locator('select')).selectOption({ label: '(none)' });
  await expect(cmd).toHaveText("SELECT cron.schedule('hourly-analyze', '0 * * * *'");
  await expect(adds(2)).toBeHidden();

  await page.goto(fx('command-builder/block-style-choices'));
  await b.getByLabel('Target').selectOption({ label: '--clean --if-exists --dbname=shop — Replace objects in place' });
  await b.getByLabel('Parallel jobs').selectOption({ label: '1 — One worker' });
  await expect(cmd).toHaveText('pg_restore --clean --if-exists --dbname=shop --jobs 1');
  await expect(adds(0)).toHaveText('Adds --clean --if-exists --dbname=shop: Replace objects in place');
});

test('command builders assemble the conformance commands live; copy and reset', async ({ page, context }) => {
  test.skip(!siteBuilt('conformance'), 'conformance course not built');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(url('conformance', '/Backups/logical-dumps/'));
  const b = page.locator('db-command-builder');
  await expect(b.locator('.cb-command')).toHaveText('mysqldump');
  await b.getByLabel('Scope').selectOption({ label: '--all-databases — Every database' });
  await b.getByLabel('Output file').fill('/srv/backups/x.sql');
  await b.getByLabel('Consistent snapshot').check();
  await b.getByLabel('Routines').check();
  await expect(b.locator('.cb-command')).toHaveText(
    'mysqldump --all-databases --result-file /srv/backups/x.sql --single-transaction --routines --triggers',
  );
  await expect(b.locator('.cb-piece').nth(0).locator('.cb-meaning')).toHaveText('Adds --all-databases: Every database');
  await b.getByLabel('Routines').uncheck();
  await expect(b.locator('.cb-command')).toHaveText('mysqldump --all-databases --result-file /srv/backups/x.sql --single-transaction');
  await b.locator('.cb-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    'mysqldump --all-databases --result-file /srv/backups/x.sql --single-transaction',
  );
  await b.locator('.cb-reset').click();
  await expect(b.locator('.cb-command')).toHaveText('mysqldump');

  await page.goto(url('conformance', '/Backups/physical-copies/'));
  const [basebackup, mysql, mariabackup] = [0, 1, 2].map((i) => page.locator('db-command-builder').nth(i));
  for (const [builder, base] of [
    [basebackup, 'pg_basebackup'],
    [mysql, 'mysql'],
    [mariabackup, 'mariabackup'],
  ] as const)
    await expect(builder!.locator('.cb-command')).toHaveText(base);
  await basebackup!.getByLabel('Plain data directory').check();
  await basebackup!.getByLabel('Stream WAL during the backup').check();
  await expect(basebackup!.locator('.cb-command')).toHaveText('pg_basebackup -Fp -Xs');
  await mysql!.getByLabel('Host').selectOption({ label: '127.0.0.1 — TCP to this machine' });
  await mysql!.getByLabel('Ask for a password').check();
  await expect(mysql!.locator('.cb-command')).toHaveText('mysql -h 127.0.0.1 -p');
  await mariabackup!.getByLabel('Mode').selectOption({ label: '--backup --target-dir=/srv/base — Full backup' });
  await expect(mariabackup!.locator('.cb-command')).toHaveText('mariabackup --backup --target-dir=/srv/base');

  await page.goto(url('conformance', '/Server%20Ops/disk%20layout/'));
  const parts = page.locator('db-command-builder');
  await expect(parts.locator('.cb-command')).toHaveText('dump_collection(');
  await parts.getByLabel('Collection').selectOption({ label: "'orders' — orders" });
  await parts.getByLabel('Compression').selectOption({ label: ", compress='gzip') — gzip" });
  await expect(parts.locator('.cb-command')).toHaveText("dump_collection('orders', compress='gzip')");
});

test('terminal replay: step, back, restart, narration, speed, keyboard and copy', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const errors = watchErrors(page);
  await page.goto(fx('terminal/replay'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  const screen = t.locator('.xterm-rows');
  const firstCommand = (await t.locator('.term-command').first().textContent()) ?? '';
  await t.locator('.term-forward').click();
  await expect(t.locator('.term-position')).toHaveText(/^Step 1 of \d+$/);
  await expect(screen).toContainText(firstCommand.slice(0, 20));
  await expect(t.locator('.term-now')).toHaveText((await t.locator('.term-narration').first().textContent()) ?? '');
  await t.locator('.term-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstCommand);
  await t.locator('.term-back').click();
  await expect(t).toHaveAttribute('data-step', '-1');
  await expect(t.locator('.term-player')).toBeFocused(); // Back is disabled now; the player keeps the focus
  await t.locator('.term-player').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(t).toHaveAttribute('data-step', '1');
  await page.keyboard.press('ArrowLeft');
  await expect(t).toHaveAttribute('data-step', '0');
  await t.locator('.term-speed').selectOption('4');
  await page.keyboard.press('r');
  // Restart goes back to the start and waits: the reader plays when ready.
  await expect(t).toHaveAttribute('data-step', '-1');
  await page.waitForTimeout(500);
  await expect(t).toHaveAttribute('data-step', '-1');
  await expect(t.locator('.term-play')).toHaveText('Play');
  await page.keyboard.press('Space');
  await expect(t.locator('.term-play')).toHaveText('Pause');
  const steps = await t.locator('.term-step').count();
  await expect(t).toHaveAttribute('data-step', String(steps - 1), { timeout: 20_000 });
  await expect(t.locator('.term-play')).toHaveText('Play');
  await expect(t.locator('.term-steps')).toHaveCount(1); // transcript kept for screen readers
  expect(errors).toEqual([]);
});

test('terminal replay: reduced motion shows steps whole; multi-line commands and empty outputs', async ({ browser }) => {
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.goto(fx('terminal/scenario-multiline'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await t.locator('.term-play').click();
  const steps = await t.locator('.term-step').count();
  await expect(t).toHaveAttribute('data-step', String(steps - 1), { timeout: 10_000 });
  await expect(t.locator('.xterm-rows')).toContainText('> ');
  await page.close();
});

/** A replay's screen as the learner sees it: xterm's rendered rows, trailing blanks dropped. */
async function screenRows(t: Locator): Promise<string[]> {
  const rows = (await t.locator('.xterm-rows > div').allTextContents()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  return rows;
}
const FIRST = '$ pg_dump --format=custom --compress=zstd --file=/srv/dumps/shop.dump shop';

test('terminal replay: Space pauses mid-command keeping what was typed, Play goes on from there; a silent step prints nothing', async ({
  page,
}) => {
  await page.goto(fx('reader/replay'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await tabTo(page, t.locator('.term-player'));
  await page.keyboard.press('Space');
  await expect.poll(async () => (await screenRows(t))[0] ?? '', { intervals: [25] }).toMatch(/^\$ pg_dump --f/);
  await page.keyboard.press('Space');
  await expect(t.locator('.term-play')).toHaveText('Play');
  await page.waitForTimeout(150); // xterm draws what was written on a later frame
  const paused = (await screenRows(t))[0] ?? '';
  expect(paused.length, 'paused mid-command').toBeLessThan(FIRST.length);
  expect(FIRST.startsWith(paused), `"${paused}" is the start of the command`).toBe(true);
  await page.waitForTimeout(700); // twenty characters' typing at 1x: nothing more may appear
  expect((await screenRows(t))[0]).toBe(paused);
  await expect(t).toHaveAttribute('data-step', '-1');
  await page.keyboard.press('Space');
  await expect(t).toHaveAttribute('data-step', '0', { timeout: 10_000 });
  await page.keyboard.press('Space');
  // Typed once, not again from the start; no output line before the next prompt.
  await expect.poll(async () => (await screenRows(t)).slice(0, 2)).toEqual([FIRST, '$']);
  await page.keyboard.press('ArrowRight');
  await expect(t).toHaveAttribute('data-step', '1');
  await expect.poll(() => screenRows(t)).toEqual([FIRST, '$ ls /srv/dumps', 'shop.dump', '$']);
});

test('terminal replay: 0.5x takes clearly longer than 4x', async ({ page }) => {
  await page.goto(fx('reader/replay'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  // Timed in the page, from Play to the first step shown, by watching the attribute change (polling it from here can
  // miss a step that lasts less than a poll on a busy machine, and adds its own delay).
  const firstStep = async (speed: string): Promise<number> => {
    await t.locator('.term-speed').selectOption(speed);
    await t.locator('.term-restart').click();
    await expect(t).toHaveAttribute('data-step', '-1');
    const { step, ms } = await t.evaluate(
      (el) =>
        new Promise<{ step: string | null; ms: number }>((ok) => {
          const start = performance.now();
          const seen = new MutationObserver(() => {
            const now = el.getAttribute('data-step');
            if (now === '-1') return;
            seen.disconnect();
            ok({ step: now, ms: performance.now() - start });
          });
          seen.observe(el, { attributes: true, attributeFilter: ['data-step'] });
          (el.querySelector('.term-play') as HTMLElement).click();
        }),
    );
    expect(step, 'the first step shown after Play').toBe('0');
    await t.locator('.term-play').click();
    return ms;
  };
  const fast = await firstStep('4');
  const slow = await firstStep('0.5');
  expect(slow, `0.5x took ${slow} ms, 4x ${fast} ms`).toBeGreaterThan(3 * fast);
});

test('terminal replay: with reduced motion Play shows the whole first command at once', async ({ browser }) => {
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.goto(fx('reader/replay'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await t.locator('.term-play').click();
  // Typing it would take over two seconds.
  await expect(t.locator('.xterm-rows')).toContainText(FIRST, { timeout: 300 });
  await page.close();
});

test('terminal replay: no invisible tab stops; the transcript stays for screen readers', async ({ page }) => {
  await page.goto(fx('reader/replay'));
  const t = page.locator('db-terminal');
  await expect(t).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  // Tab from the lesson's heading (a click sets where sequential focus starts), past the sidebar's links.
  await page.locator('main h1').click();
  // Every stop inside the block is something the reader can see: the point at its centre hits it.
  const stops: { what: string; seen: boolean }[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return 'end';
      if (!a.closest('db-terminal')) return null;
      const r = a.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return { what: `${a.tagName.toLowerCase()}.${a.classList[a.classList.length - 1]}`, seen: hit !== null && a.contains(hit) };
    });
    if (at === 'end') break;
    if (at) stops.push(at);
  }
  expect(stops.map((s) => s.what)).toContain('div.term-player');
  expect(stops.filter((s) => !s.seen)).toEqual([]);
  expect(await t.locator('.term-steps').ariaSnapshot()).toContain('pg_restore --list /srv/dumps/shop.dump | wc -l');
});

test('xterm.js and mermaid are fetched only when their block comes near the viewport', async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const heavy = () => ({
    xterm: fetched.filter((u) => /\/_astro\/(xterm|addon-fit)\.[\w-]+\.js$/.test(u)),
    // mermaid's own prebuilt entry, published with the site (src/integration/vendor.ts).
    mermaid: fetched.filter((u) => /\/_drillbook\/mermaid\/mermaid\.esm\.min\.mjs$/.test(u)),
  });
  await page.goto(fx('reader/far-below'));
  await page.waitForLoadState('networkidle');
  // Both elements are upgraded and waiting: what keeps the libraries away is distance, not a missing script.
  expect(await page.evaluate(() => ['db-terminal', 'db-mermaid'].map((t) => customElements.get(t) !== undefined))).toEqual([true, true]);
  expect(heavy()).toEqual({ xterm: [], mermaid: [] });
  await page.locator('db-terminal').scrollIntoViewIfNeeded();
  await expect(page.locator('db-terminal')).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await expect(page.locator('db-terminal .xterm-rows')).toBeVisible();
  expect(heavy().xterm.length).toBeGreaterThan(0);
  expect(heavy().mermaid).toEqual([]);
  await page.locator('db-mermaid').scrollIntoViewIfNeeded();
  await expect(page.locator('db-mermaid svg')).toBeVisible({ timeout: 15_000 });
  expect(heavy().mermaid.length).toBe(1);
});

test('exercise: hints one at a time, notes and done kept, progress in the sidebar', async ({ page }) => {
  await page.goto(fx('exercise/code'));
  const ex = page.locator('db-exercise');
  await expect(ex.locator('.ex-hint')).toHaveCount(2);
  await expect(ex.locator('.ex-hint').first()).toBeHidden();
  await ex.locator('.ex-next-hint').click();
  await expect(ex.locator('.ex-hint').first()).toBeVisible();
  await expect(ex.locator('.ex-hint').nth(1)).toBeHidden();
  await expect(ex.locator('.ex-next-hint')).toHaveText('Show another hint (1 left)');
  await ex.locator('.ex-next-hint').click();
  await expect(ex.locator('.ex-hint').nth(1)).toBeVisible();
  await expect(ex.locator('.ex-next-hint')).toBeHidden();
  await expect(ex.locator('.ex-solution')).not.toHaveAttribute('open', '');
  await ex.getByLabel('Your notes').fill('max() with a key');
  await ex.getByLabel('I have done this exercise').check();
  const link = page.locator('.sidebar a', { hasText: 'Code exercise' });
  await expect(link.locator('.progress-mark')).toHaveText('✓');
  await page.reload();
  await expect(page.locator('db-exercise').getByLabel('Your notes')).toHaveValue('max() with a key');
  await expect(page.locator('db-exercise .ex-hint').nth(1)).toBeVisible();
  await page.goto(url('fixtures'));
  await expect(page.locator('.lesson-list a', { hasText: 'Code exercise' }).locator('.progress-mark')).toHaveText('✓');
  page.once('dialog', (d) => void d.accept());
  await page.locator('.progress-reset').click();
  await page.waitForLoadState('load');
  await expect(page.locator('.lesson-list a', { hasText: 'Code exercise' }).locator('.progress-mark')).toHaveText('');
});

test('progress: a quiz answered right shows in the sidebar and the course index, in words too; kept on reload; reset clears it', async ({
  page,
}) => {
  const lesson = 'Every block on one page';
  const words = `${lesson} (1 of 3 done: quizzes 1 of 1 right, exercises 0 of 2 done)`;
  await page.goto(fx('reader/all-blocks'));
  const side = page.locator('.sidebar a', { hasText: lesson });
  await expect(side).toHaveAccessibleName(lesson);
  await page.locator('db-quiz').getByLabel('Restoring it somewhere else').check();
  await expect(side.locator('.progress-mark')).toHaveText('1/3');
  await expect(side).toHaveAccessibleName(words);
  await page.reload();
  await expect(side.locator('.progress-mark')).toHaveText('1/3');
  await expect(side).toHaveAccessibleName(words);
  await page.goto(url('fixtures'));
  const card = page.locator('.lesson-list a', { hasText: lesson });
  await expect(card.locator('.progress-mark')).toHaveText('1/3');
  await expect(card).toHaveAccessibleName(words);
  page.once('dialog', (d) => void d.accept());
  await page.locator('.progress-reset').click();
  await expect(card.locator('.progress-mark')).toHaveText('');
  await expect(card).toHaveAccessibleName(lesson);
  await page.goto(fx('reader/all-blocks'));
  await expect(side.locator('.progress-mark')).toHaveText('');
  await expect(side).toHaveAccessibleName(lesson);
});

test('code walkthrough: next and previous move the highlighted line', async ({ page }) => {
  await page.goto(fx('code-walkthrough/with-language'));
  const w = page.locator('db-code-walkthrough');
  const lines = await w.locator('.cw-note').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['line']));
  await expect(w.locator('.line.is-highlighted')).toHaveAttribute('data-line', lines[0] as string);
  await w.locator('.cw-next').click();
  await expect(w.locator('.line.is-highlighted')).toHaveAttribute('data-line', lines[1] as string);
  await expect(w.locator('.cw-position')).toHaveText(`Note 2 of ${lines.length}: line ${lines[1]}`);
  await w.locator('.cw-prev').click();
  await expect(w.locator('.cw-note.is-current')).toHaveAttribute('data-note', '0');
});

test('keyboard only: command builder controls, copy and reset', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(fx('command-builder/flat-options'));
  const b = page.locator('db-command-builder');
  await skipToContent(page);
  await tabTo(page, b.getByLabel('Format'));
  await page.keyboard.press('ArrowDown');
  await expect(b.getByLabel('Format')).toHaveValue('0');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(b.getByLabel('Output file')).toBeFocused();
  await page.keyboard.type('/srv/x.dump');
  await page.keyboard.press('Tab');
  await expect(b.getByLabel('Skip ownership')).toBeFocused();
  await page.keyboard.press('Space');
  const built = 'pg_dump -F c --file /srv/x.dump --no-owner';
  await expect(b.locator('.cb-command')).toHaveText(built);
  await tabTo(page, b.locator('.cb-copy'), { back: true });
  await page.keyboard.press('Enter');
  await expect(b.locator('.cb-status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(built);
  await page.keyboard.press('Tab');
  await expect(b.locator('.cb-reset')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(b.locator('.cb-command')).toHaveText('pg_dump');
});

test('keyboard only: exercise hints, solution, notes and done', async ({ page }) => {
  await page.goto(fx('exercise/code'));
  const ex = page.locator('db-exercise');
  const hints = ex.locator('.ex-hint');
  await skipToContent(page);
  await tabTo(page, ex.locator('.ex-next-hint'));
  await page.keyboard.press('Enter');
  await expect(hints.first()).toBeVisible();
  await expect(hints.first().locator('summary')).toBeFocused();
  await tabTo(page, ex.locator('.ex-next-hint'));
  await page.keyboard.press('Space');
  await expect(hints.nth(1)).toBeVisible();
  await expect(ex.locator('.ex-next-hint')).toBeHidden();
  await tabTo(page, ex.locator('.ex-solution summary'));
  await page.keyboard.press('Enter');
  await expect(ex.locator('.ex-solution')).toHaveAttribute('open', '');
  await tabTo(page, ex.getByLabel('Your notes'));
  await page.keyboard.type('max() with a key');
  await page.keyboard.press('Tab');
  await expect(ex.getByLabel('I have done this exercise')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(ex.getByLabel('I have done this exercise')).toBeChecked();
  await page.reload();
  await expect(page.locator('db-exercise').getByLabel('Your notes')).toHaveValue('max() with a key');
  await expect(page.locator('db-exercise').getByLabel('I have done this exercise')).toBeChecked();
});

test('keyboard only: walkthrough next, previous and a note of its own; notes are a plain list', async ({ page }) => {
  await page.goto(fx('code-walkthrough/with-language'));
  const w = page.locator('db-code-walkthrough');
  const lines = await w.locator('.cw-note').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['line'] as string));
  const highlighted = w.locator('.line.is-highlighted');
  await skipToContent(page);
  await tabTo(page, w.locator('.cw-next'));
  await page.keyboard.press('Enter');
  await expect(highlighted).toHaveAttribute('data-line', lines[1] as string);
  await page.keyboard.press('Shift+Tab');
  await expect(w.locator('.cw-prev')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(w.locator('.cw-note.is-current')).toHaveAttribute('data-note', '0');
  await expect(w.locator('.cw-next')).toBeFocused(); // Previous is disabled now; focus stays in the controls
  const last = w.locator('.cw-note').last();
  await tabTo(page, last.getByRole('button', { name: `Line ${lines[lines.length - 1]}` }));
  await page.keyboard.press('Enter');
  await expect(last).toHaveClass(/is-current/);
  await expect(highlighted).toHaveAttribute('data-line', lines[lines.length - 1] as string);
  await expect(last.getByRole('button')).toHaveAttribute('aria-current', 'step');
  await expect(w.locator('[aria-current]')).toHaveCount(1);
  await expect(w.locator('.cw-note[tabindex]')).toHaveCount(0);
  await expect(w.getByRole('listitem')).toHaveCount(lines.length);
});

test('keyboard only: theme toggle, copy buttons, search and progress reset', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(fx('page/code-languages'));
  const toggle = page.locator('.theme-toggle');
  await tabTo(page, toggle);
  const pressed = await toggle.getAttribute('aria-pressed');
  await page.keyboard.press('Enter');
  await expect(toggle).not.toHaveAttribute('aria-pressed', pressed as string);
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-pressed', pressed as string);

  const code = page.locator('.lesson .code-wrap').first();
  await tabTo(page, code.locator('.copy-code'));
  await page.keyboard.press('Enter');
  await expect(code.locator('.copy-code')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await code.locator('pre').textContent());

  await tabTo(page, page.getByLabel('Search the course'), { back: true });
  await page.keyboard.type('invoices');
  const hit = page.locator('#site-search-results a').first();
  await expect(hit).toBeVisible({ timeout: 10_000 });
  await page.keyboard.press('Tab');
  await expect(hit).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.lesson')).toContainText(/invoices/i);

  await page.evaluate(() => localStorage.setItem('drillbook:progress:exercise-code-exercise-1', JSON.stringify({ done: true })));
  await page.goto(url('fixtures'));
  const mark = page.locator('.lesson-list a', { hasText: 'Code exercise' }).locator('.progress-mark');
  await expect(mark).toHaveText('✓');
  await tabTo(page, page.locator('.progress-reset'));
  page.once('dialog', (d) => void d.accept());
  await page.keyboard.press('Enter');
  await expect(page.locator('.lesson-list a', { hasText: 'Code exercise' }).locator('.progress-mark')).toHaveText('');
});

test('print: hints, answers, solutions and folded admonitions are printed, controls are not', async ({ page }) => {
  await page.goto(fx('reader/all-blocks'));
  await page.waitForFunction(() => ['db-quiz', 'db-exercise', 'db-code-walkthrough'].every((t) => customElements.get(t)));
  await expect(page.locator('.copy-code').first()).toBeAttached();
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  const printed = [
    page.locator('.ex-solution pre'),
    page.locator('.ex-hint[data-hint="0"] p'),
    page.locator('.ex-hint[data-hint="1"] p'),
    page.locator('.ex-task .ex-hint p'),
    page.locator('.ex-answer p'),
    page.locator('details.admonition p'),
    page.locator('.quiz-answer li').nth(1),
  ];
  for (const l of printed) await expect(l, l.toString()).toBeVisible();
  for (const sel of [
    '.quiz-footer',
    '.quiz-keys',
    '.ex-next-hint',
    '.ex-own',
    '.cw-controls',
    '.copy-code',
    '.cb-actions',
    '.term-player',
    '.theme-toggle',
    '#site-search',
  ])
    for (const l of await page.locator(sel).all()) await expect(l, sel).toBeHidden();
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });
  await expect(page.locator('.ex-solution')).not.toHaveAttribute('open', '');
  await expect(page.locator('details.admonition')).not.toHaveAttribute('open', '');
  await expect(page.locator('.ex-hint[data-hint="0"]')).toBeHidden();

  await page.goto(url('fixtures'));
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.progress-reset')).toBeHidden();
});

test('dark mode: system default, toggle remembered, mermaid redrawn', async ({ browser }) => {
  const page = await browser.newPage({ colorScheme: 'dark' });
  await page.goto(fx('mermaid/diagrams'));
  await expect(page.locator('.theme-toggle')).toHaveText('☾ Dark');
  const fig = page.locator('db-mermaid .mermaid-figure').first();
  await expect(fig).toHaveAttribute('data-rendered', 'dark', { timeout: 15_000 });
  await page.locator('.theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(fig).toHaveAttribute('data-rendered', 'light', { timeout: 15_000 });
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(bg).toBe('rgb(255, 255, 255)');
  await page.close();
});

test('search: results counted in a status, Escape closes them, nothing leaves 127.0.0.1', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).hostname !== '127.0.0.1') outside.push(r.url());
  });
  await page.goto(fx('page/no-blocks'));
  const box = page.getByLabel('Search the course');
  const list = page.locator('#site-search-results');
  const status = page.getByRole('status').and(page.locator('#site-search-status'));
  await box.fill('invoices');
  await expect(list.locator('li a').first()).toBeVisible({ timeout: 10_000 });
  const n = await list.locator('li a').count();
  await expect(status).toHaveText(`${n} result${n === 1 ? '' : 's'} for “invoices”`);
  await box.press('Escape');
  await expect(list).toBeHidden();
  await expect(box).toBeFocused();
  await expect(box).toHaveValue('invoices');
  await box.fill('zzqqxx');
  await expect(status).toHaveText('No results for “zzqqxx”');
  await box.fill('invoices');
  await list.locator('li a').first().focus();
  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
  await expect(box).toBeFocused();
  await box.fill('invoices');
  await expect(list).toBeVisible();
  await page.locator('.lesson h1').click();
  await expect(list).toBeHidden();
  await box.fill('invoice');
  await list.locator('li a').first().click();
  await expect(page.locator('.lesson')).toContainText(/invoices/i);
  expect(outside).toEqual([]);
});

test('search offline: a first query that cannot load the index says so and the next one retries; once loaded, search goes on offline', async ({
  page,
  context,
}) => {
  await page.goto(fx('page/no-blocks'));
  const box = page.getByLabel('Search the course');
  const hits = page.locator('#site-search-results li a');
  const status = page.locator('#site-search-status');
  await context.setOffline(true);
  await box.fill('invoices');
  await expect(status).toHaveText(/^Search could not be loaded/);
  await context.setOffline(false);
  await box.fill('invoice');
  await expect(hits.first()).toBeVisible({ timeout: 10_000 });
  const title = await hits.first().textContent();
  await context.setOffline(true);
  await box.fill('');
  await box.fill('invoices');
  await expect(status).toHaveText(/^\d+ results? for “invoices”/);
  await expect(hits.first()).toHaveText(title as string);
  await context.setOffline(false);
});

test('phone viewport: no horizontal scroll once blocks are upgraded, lessons folded behind a toggle, heading anchors shown', async ({
  browser,
}) => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  for (const [p, upgraded] of [
    ['quiz/single-question', 'db-quiz:defined'],
    ['command-builder/flat-options', 'db-command-builder:defined'],
    ['terminal/replay', 'db-terminal[data-ready]'],
    ['exercise/scenario-hints-solution', 'db-exercise:defined'],
    ['code-walkthrough/with-language', 'db-code-walkthrough:defined'],
    ['mermaid/diagrams', 'db-mermaid .mermaid-figure[data-rendered]'],
    ['reader/all-blocks', 'db-terminal[data-ready]'],
  ] as const) {
    await page.goto(fx(p));
    // Diagrams render as they come near: bring each one on screen.
    for (const m of await page.locator('db-mermaid').all()) {
      await m.scrollIntoViewIfNeeded();
      await expect(m.locator('svg, [role="alert"]').first()).toBeVisible({ timeout: 15_000 });
    }
    await page.locator(upgraded).first().waitFor({ state: 'attached', timeout: 15_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, p).toBeLessThanOrEqual(0);
  }
  await page.goto(fx('quiz/single-question'));
  await page.locator('db-quiz label').nth(1).tap();
  await expect(page.locator('db-quiz .quiz-option').nth(1)).toHaveClass(/is-correct/);

  const toggle = page.getByRole('button', { name: 'Lessons' });
  const aLesson = page.locator('.sidebar a', { hasText: 'Multiple select' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(aLesson).toBeHidden();
  await toggle.tap();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(aLesson).toBeVisible();
  await toggle.tap();
  await expect(aLesson).toBeHidden();
  await tabTo(page, toggle);
  await page.keyboard.press('Enter');
  await expect(aLesson).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.locator('.sidebar a').first()).toBeFocused();

  await page.goto(fx('page/Other%20Notes/target%20page'));
  await expect(page.locator('.lesson h2 .heading-anchor').first()).toHaveCSS('opacity', '1');
  await page.close();
});

test('wide screen: the lesson list is always shown, without a toggle', async ({ page }) => {
  await page.goto(fx('quiz/single-question'));
  await expect(page.getByRole('button', { name: 'Lessons' })).toBeHidden();
  await expect(page.locator('.sidebar a', { hasText: 'Multiple select' })).toBeVisible();
  await page.goto(fx('page/Other%20Notes/target%20page'));
  await expect(page.locator('.lesson h2 .heading-anchor').first()).toHaveCSS('opacity', '0'); // shown on hover or focus
});

test('no layout shift while blocks upgrade, with their scripts arriving after the first paint', async ({ page }) => {
  // As on a slow network: the static page is painted before any block script runs.
  await page.route('**/_astro/*.js', async (route) => {
    await new Promise((ok) => setTimeout(ok, 700));
    await route.continue();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { upgradedAt?: number };
    for (const tag of ['db-terminal', 'db-command-builder', 'db-quiz', 'db-exercise', 'db-code-walkthrough', 'db-mermaid'])
      void customElements.whenDefined(tag).then(() => (w.upgradedAt ??= performance.now()));
  });
  for (const [p, upgraded, scriptInline] of [
    ['terminal/replay', 'db-terminal[data-ready]', false],
    ['command-builder/flat-options', 'db-command-builder:defined', false],
    ['quiz/multi-question', 'db-quiz:defined', false],
    ['quiz/multiple-select', 'db-quiz:defined', false],
    ['exercise/scenario-hints-solution', 'db-exercise:defined', false],
    ['exercise/code', 'db-exercise:defined', false],
    // Astro inlines this small script into the page, so it runs before the first paint.
    ['code-walkthrough/with-language', 'db-code-walkthrough:defined', true],
    ['mermaid/diagrams', 'db-mermaid .mermaid-figure[data-rendered]', false],
  ] as const) {
    await page.goto(fx(p));
    await page.locator(upgraded).first().waitFor({ state: 'attached', timeout: 15_000 });
    await page.waitForTimeout(500);
    const { shifts, paintedFirst } = await page.evaluate(
      () =>
        new Promise<{ shifts: string[]; paintedFirst: boolean }>((ok) => {
          const shifts: string[] = [];
          type Shift = { value: number; hadRecentInput: boolean; sources: { node?: Node }[] };
          new PerformanceObserver((list) => {
            for (const e of list.getEntries() as unknown as Shift[])
              if (!e.hadRecentInput)
                shifts.push(`${e.value.toFixed(4)}: ${e.sources.map((s) => (s.node as Element | undefined)?.className ?? '?').join(', ')}`);
          }).observe({ type: 'layout-shift', buffered: true });
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Infinity;
          const upgradedAt = (window as unknown as { upgradedAt?: number }).upgradedAt ?? 0;
          setTimeout(() => ok({ shifts, paintedFirst: fcp < upgradedAt }), 300);
        }),
    );
    if (!scriptInline) expect(paintedFirst, `${p}: the static page was painted before the upgrade`).toBe(true);
    expect(shifts, `${p}: nothing moved`).toEqual([]);
  }
});

test('mermaid: a diagram that cannot be drawn shows its source and the error', async ({ page }) => {
  await page.goto(fx('mermaid/diagrams'));
  await expect(page.locator('db-mermaid svg').first()).toBeVisible({ timeout: 15_000 });
  await page.waitForLoadState('networkidle');
  // The other diagrams' renders come and go in <body> too; only this diagram's leftovers count.
  const leftovers = () =>
    page.evaluate(() =>
      [...document.body.children].filter((e) => e.id.includes('broken-diagram')).map((e) => `${e.tagName.toLowerCase()}#${e.id}`),
    );
  await page.evaluate(() => {
    const el = document.createElement('db-mermaid');
    el.id = 'broken-diagram';
    el.innerHTML = '<figure class="mermaid-figure"><pre class="mermaid-source"><code>flowchart LR\n  A --> --> B ((</code></pre></figure>';
    document.querySelector('.lesson')?.prepend(el);
  });
  const broken = page.locator('#broken-diagram');
  await expect(broken.locator('[role="alert"]')).toContainText('This diagram could not be drawn', { timeout: 15_000 });
  await expect(broken.locator('.mermaid-source')).toContainText('A --> --> B');
  // Nothing of the failed render is left in the page: no mermaid error graphic, no scratch element.
  expect(await leftovers()).toEqual([]);
  await expect(page.getByText('Syntax error in text')).toHaveCount(0);
});

test('code blocks have a copy button; headings have anchors', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(fx('page/code-languages'));
  const first = page.locator('.lesson .code-wrap').first();
  await expect(first.locator('.copy-code')).toHaveAccessibleName('Copy code');
  await first.locator('.copy-code').click();
  await expect(first.locator('.copy-code')).toHaveText('Copied');
  await expect(page.getByRole('status').filter({ hasText: 'Code copied' })).toHaveCount(1);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await first.locator('pre').textContent());
  await page.goto(fx('page/Other%20Notes/target%20page'));
  const anchor = page.locator('.lesson h2 .heading-anchor').first();
  const id = await page.locator('.lesson h2').first().getAttribute('id');
  await expect(anchor).toHaveAttribute('href', `#${id}`);
});
