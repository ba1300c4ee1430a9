/**
 * Every block type, valid and invalid, on the fixture lessons: each renders
 * visible, meaningful static HTML; broken ones render an error box and the
 * rest of the page still renders.
 */
import { expect, test } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'fixture site not built (dist-fixtures)');

const fx = (path: string) => url('fixtures', `/${path}/`);

test('quiz: question, lettered options with <placeholders>, folded answer with feedback', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(fx('quiz/single-question'));
  const quiz = page.locator('db-quiz');
  await expect(quiz.locator('legend')).toContainText('Which command restores a pg_dump -Fc archive?');
  await expect(quiz.locator('.quiz-option')).toHaveCount(4);
  await expect(quiz.locator('.quiz-option-text').first()).toHaveText('psql -f <archive-file>');
  expect(errors).toEqual([]);
});

test('quiz without JavaScript: the folded answer holds every option with its feedback', async ({ browser }) => {
  const page = await browser.newPage({ javaScriptEnabled: false });
  await page.goto(fx('quiz/single-question'));
  const quiz = page.locator('db-quiz');
  await expect(quiz.locator('.quiz-answer .is-correct')).toBeHidden();
  await quiz.getByText('Show answer').click();
  await expect(quiz.locator('.quiz-answer .is-correct')).toContainText('pg_restore reads the custom archive format');
  await page.close();
});

test('without JavaScript: hints and transcript are listed, no control that needs a script is shown', async ({ browser }) => {
  const page = await browser.newPage({ javaScriptEnabled: false });
  await page.goto(fx('exercise/code'));
  await expect(page.locator('db-exercise .ex-hint')).toHaveCount(2);
  for (const h of await page.locator('db-exercise .ex-hint').all()) await expect(h).toBeVisible();
  await expect(page.locator('db-exercise .ex-next-hint')).toBeHidden();
  await expect(page.locator('db-exercise .ex-own')).toBeHidden();
  await page.goto(fx('terminal/replay'));
  await expect(page.locator('db-terminal .term-steps .term-command').first()).toBeVisible();
  await expect(page.locator('db-terminal .term-player')).toBeHidden();
  await page.goto(fx('command-builder/flat-options'));
  await expect(page.locator('db-command-builder .cb-command')).toBeVisible();
  await expect(page.locator('db-command-builder .cb-control').first()).toBeHidden();
  await expect(page.locator('db-command-builder .cb-actions')).toBeHidden();
  await page.goto(fx('code-walkthrough/with-language'));
  await expect(page.locator('db-code-walkthrough .cw-note').first()).toBeVisible();
  await expect(page.locator('db-code-walkthrough .cw-controls')).toBeHidden();
  await page.goto(fx('quiz/multiple-select'));
  await expect(page.locator('db-quiz .quiz-check')).toBeHidden();
  await expect(page.locator('db-quiz .quiz-footer')).toBeHidden();
  await page.close();
});

test('quiz: multi-question quiz shows every question', async ({ page }) => {
  await page.goto(fx('quiz/multi-question'));
  expect(await page.locator('db-quiz fieldset').count()).toBeGreaterThan(1);
});

test('command builder: the command and every piece with its choices', async ({ page }) => {
  await page.goto(fx('command-builder/groups-values'));
  const b = page.locator('db-command-builder');
  await expect(b.locator('.cb-command')).toHaveText('psql');
  await expect(b.locator('.cb-piece')).toHaveCount(4);
  await expect(b.locator('.cb-piece').nth(1)).toContainText('Through PgBouncer');
  await page.goto(fx('command-builder/template-parts'));
  await expect(page.locator('db-command-builder .cb-command')).toHaveText('SELECT cron.schedule(');
});

test('terminal: transcript with commands, outputs and narration', async ({ page }) => {
  await page.goto(fx('terminal/replay'));
  const t = page.locator('db-terminal');
  await expect(t.locator('.db-title')).toBeVisible();
  expect(await t.locator('.term-step').count()).toBeGreaterThan(1);
  await expect(t.locator('.term-command').first()).toBeVisible();
  await expect(t.locator('.term-narration').first()).toBeVisible();
});

test('exercise: nested-fence scenario survives whole and the blocks after it render', async ({ page }) => {
  await page.goto(fx('exercise/scenario-hints-solution'));
  const ex = page.locator('db-exercise');
  await expect(ex.locator('.db-scenario')).toContainText('Put the table back without touching anything else.');
  await expect(ex.locator('.ex-solution')).not.toHaveAttribute('open', '');
  await ex.getByText('Solution').click();
  await expect(ex.locator('.ex-solution p').last()).toHaveText("Finally compare the row count with yesterday's report.");
  await expect(ex.locator('.ex-hint')).toHaveCount(2);
  await expect(page.locator('db-quiz')).toHaveCount(1);
  await expect(page.locator('db-terminal .term-step')).toHaveCount(2);
  await expect(page.getByRole('heading', { name: 'After the blocks' })).toBeVisible();
});

test('exercise: every shape renders its parts', async ({ page }) => {
  await page.goto(fx('exercise/scenario-tasks'));
  expect(await page.locator('db-exercise .ex-task .ex-answer').count()).toBeGreaterThan(0);
  await page.goto(fx('exercise/description-tasks'));
  expect(await page.locator('db-exercise .ex-task').count()).toBeGreaterThan(0);
  await page.goto(fx('exercise/code'));
  await expect(page.locator('db-exercise .ex-starter pre')).toBeVisible();
  await page.goto(fx('exercise/initial-code-hint'));
  await expect(page.locator('db-exercise .ex-starter pre')).toBeVisible();
  await expect(page.locator('db-exercise .ex-hint')).toHaveCount(1);
});

test('code walkthrough: numbered, highlighted lines and annotations', async ({ page }) => {
  await page.goto(fx('code-walkthrough/with-language'));
  const w = page.locator('db-code-walkthrough');
  expect(await w.locator('.line[data-line]').count()).toBeGreaterThan(1);
  expect(await w.locator('.cw-note').count()).toBeGreaterThan(0);
  await expect(w.locator('pre.shiki')).toBeVisible();
});

test('mermaid: every diagram type renders as SVG', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(fx('mermaid/diagrams'));
  const diagrams = page.locator('db-mermaid');
  const n = await diagrams.count();
  expect(n).toBeGreaterThanOrEqual(8);
  for (let i = 0; i < n; i++) {
    await diagrams.nth(i).scrollIntoViewIfNeeded();
    await expect(diagrams.nth(i).locator('svg').first()).toBeVisible({ timeout: 15_000 });
  }
  expect(errors).toEqual([]);
});

test('invalid blocks: error boxes name file, line, block and path; the page goes on', async ({ page }) => {
  await page.goto(fx('code-walkthrough/invalid-line-out-of-range'));
  const box = page.locator('.db-error');
  await expect(box).toContainText('code-walkthrough/invalid-line-out-of-range.md:9');
  await expect(box).toContainText('annotations.1.line');
  await expect(box).toContainText('Annotation points at line 5, but the code has 3 lines.');
  await page.goto(fx('terminal/invalid-deeper-first-line'));
  await expect(page.locator('.db-error')).toContainText('Write "|2" instead of "|"');
});

test('a 4-backtick example stays code', async ({ page }) => {
  await page.goto(fx('page/four-backtick-example'));
  await expect(page.locator('pre', { hasText: '```quiz' })).toHaveCount(1);
});

test('links and images: raw spaces, %20 and anchors resolve; missing targets are marked', async ({ page }) => {
  await page.goto(fx('page/links-and-images'));
  for (const img of await page.locator('img[src*="diagram.svg"]').all()) {
    expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
  }
  await expect(page.locator('img[src*="diagram.svg"]')).toHaveCount(2);
  // One broken link and one missing image in the prose, and the same pair inside an exercise's scenario.
  await expect(page.locator('a[data-missing]')).toHaveText(['a page nobody wrote', 'a page nobody wrote']);
  await expect(page.locator('db-exercise a[data-missing]')).toHaveCount(1);
  await expect(page.locator('.db-missing-image')).toHaveCount(2);
  await expect(page.locator('.db-missing-image').first()).toContainText('../assets/missing.png');
  await page.getByRole('link', { name: 'its mount points' }).click();
  await expect(page).toHaveURL(/Other%20Notes\/target%20page\/#mount-points$/);
  await page.goBack();
  await page.getByRole('link', { name: 'the target page', exact: true }).click();
  await expect(page).toHaveURL(/Other%20Notes\/target%20page\/$/);
});

test('admonitions: titles, collapsible and open ones', async ({ page }) => {
  await page.goto(fx('page/admonitions'));
  expect(await page.locator('.admonition').count()).toBeGreaterThan(10);
  await expect(page.locator('details.admonition:not([open])').first()).toBeVisible();
  await expect(page.locator('details.admonition[open]').first()).toBeVisible();
  // A footnote called inside an admonition is listed once, at the end of the page, and links back.
  const call = page.locator('.admonition.quote sup a.footnote-ref');
  await expect(call).toHaveText('1');
  await call.click();
  const note = page.locator('.footnote li#fn\\:saying');
  await expect(note).toBeInViewport();
  await expect(note).toContainText('An old saying among DBAs');
  await expect(page.locator('.footnote li')).toHaveCount(1);
  await note.locator('a.footnote-backref').click();
  await expect(page).toHaveURL(/#fnref:saying$/);
});

test('content tabs: one panel shown at a time, chosen by clicking a label or with the arrow keys', async ({ page }) => {
  await page.goto(fx('page/content-tabs'));
  const sets = page.locator('.tabbed-set');
  await expect(sets).toHaveCount(3);
  const first = sets.nth(0);
  const panels = first.locator('.tabbed-block');
  await expect(panels.nth(0)).toContainText('pg_dump -Fc -f shop.dump shop');
  await expect(panels.nth(0)).toBeVisible();
  await expect(panels.nth(1)).toBeHidden();
  await first.getByText('MariaDB', { exact: true }).click();
  await expect(panels.nth(1)).toBeVisible();
  await expect(panels.nth(1)).toContainText('Consistent without locks');
  await expect(panels.nth(0)).toBeHidden();
  // The label shows the author's title as written, the placeholder included.
  await expect(first.locator('.tabbed-labels label').nth(2)).toHaveText('mydumper <threads>');
  await page.keyboard.press('ArrowRight');
  await expect(panels.nth(2)).toBeVisible();
  await expect(panels.nth(1)).toBeHidden();
  // A link to a heading inside a tab not shown shows that tab.
  await page.goto(fx('page/content-tabs') + '#parallel-dumps');
  await expect(panels.nth(2)).toBeVisible();
  await expect(page.locator('#parallel-dumps')).toBeInViewport();
  await page.goto(fx('page/content-tabs') + '#top');
  // ===+ chose the second tab of the other set.
  await expect(sets.nth(1).locator('.tabbed-block').nth(1)).toBeVisible();
  await expect(sets.nth(1).locator('.tabbed-block').nth(0)).toBeHidden();
  // Tabs under a list item, with icons in their labels, work the same way.
  const step = sets.nth(2);
  await expect(page.locator('ol > li').first().locator('.tabbed-set')).toHaveCount(1);
  await expect(step.locator('.tabbed-labels label').nth(0)).toHaveText('systemd');
  await expect(step.locator('.tabbed-labels label').nth(0).locator('.twemoji svg')).toBeVisible();
  await expect(step.locator('.tabbed-block').nth(0)).toContainText('systemctl stop postgresql@15-main');
  await step.getByText('Docker', { exact: true }).click();
  await expect(step.locator('.tabbed-block').nth(1)).toBeVisible();
  await expect(step.locator('.tabbed-block').nth(0)).toBeHidden();
});

test('generic blocks (/// name | title): an admonition, details that open, tabs that switch, figures with their captions', async ({
  page,
}) => {
  await page.goto(fx('page/blocks-syntax'));
  const lesson = page.locator('.lesson');
  await expect(lesson.locator('.admonition.warning .admonition-title')).toHaveText('Restore somewhere else');
  const details = lesson.locator('details.admonition.question');
  await expect(details.locator('summary')).toHaveText('What does --single-transaction change?');
  await expect(details.getByText('in one snapshot')).toBeHidden();
  await details.locator('summary').click();
  await expect(details.getByText('in one snapshot')).toBeVisible();
  const set = lesson.locator('.tabbed-set');
  await expect(set).toHaveCount(1);
  await expect(set.locator('.tabbed-block').nth(0)).toBeVisible();
  await set.getByText('MariaDB', { exact: true }).click();
  await expect(set.locator('.tabbed-block').nth(1)).toContainText('mariadb-dump --single-transaction shop > shop.sql');
  await expect(set.locator('.tabbed-block').nth(0)).toBeHidden();
  const figures = lesson.locator('figure');
  await expect(figures).toHaveCount(2);
  await expect(figures.nth(0).locator('img')).toHaveAttribute('alt', 'Base backup, then WAL');
  await expect(figures.nth(0).locator('figcaption')).toHaveText('A base backup, then the WAL that follows it.');
  await expect(figures.nth(1).locator('table td').first()).toHaveText('pg_dump');
  await expect(figures.nth(1).locator('figcaption')).toHaveText('Two PostgreSQL tools.');
  await expect(lesson).toContainText('/// tasklist An unknown block name stays as written. ///');
  // A /// define block is a definition list.
  await expect(lesson.locator('dl dt', { hasText: 'RPO' })).toHaveCount(1);
  await expect(lesson.locator('dl', { hasText: 'RPO' }).locator('dd')).toContainText('How much work may be lost');
  await expect(lesson).not.toContainText('/// tab');
  // Material's grids (md_in_html): list items as cards side by side, containers inside a generic grid.
  const cards = lesson.locator('.grid.cards li');
  await expect(cards).toHaveCount(2);
  const [a, b] = [await cards.nth(0).boundingBox(), await cards.nth(1).boundingBox()];
  expect(b!.y).toBe(a!.y);
  expect(b!.x).toBeGreaterThan(a!.x + a!.width - 1);
  const grid = lesson.locator('.grid:not(.cards)');
  await expect(grid.locator('> .admonition')).toHaveCount(2);
  await expect(grid.locator('.admonition.tip')).toContainText('Restore it somewhere else.');
});

test('icon shortcodes: drawn inline at the height of the text, an icon-only link named by its icon, unknown names as written', async ({
  page,
}) => {
  await page.goto(fx('page/content-tabs'));
  const stop = page.locator('.twemoji.stop');
  await expect(stop).toHaveAttribute('aria-label', 'stop circle');
  const box = await stop.locator('svg').boundingBox();
  const line = await page
    .locator('ol > li')
    .first()
    .locator('p')
    .first()
    .evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
  expect(box?.height).toBeGreaterThan(line * 0.9);
  expect(box?.height).toBeLessThan(line * 1.5);
  await expect(page.getByRole('link', { name: 'postgresql' })).toHaveAttribute('href', 'https://www.postgresql.org/');
  await expect(page.locator('.lesson')).toContainText(':material-no-such-icon-here: as written');
});

test('fence options: a title above the code, marked lines, numbered lines, and no copy button where the author said so', async ({
  page,
}) => {
  await page.goto(fx('page/code-options'));
  const titled = page.locator('.code-titled');
  await expect(titled.nth(0).locator('.code-title')).toHaveText('restore-check.sql');
  await expect(titled.nth(2).locator('.code-title')).toHaveText('<placeholder> & \\backslash');
  const marked = titled.nth(0).locator('.line.hl');
  await expect(marked).toHaveCount(3);
  await expect(marked.nth(0)).toHaveText('SELECT max(id) FROM orders;');
  // A marked line is tinted across the block's width, not only behind its text.
  const [line, pre] = await Promise.all([marked.nth(0).boundingBox(), titled.nth(0).locator('pre').boundingBox()]);
  expect(line!.width).toBeGreaterThan(pre!.width * 0.8);
  // Numbers from 10: a counter reset to 9 on the block, shown before each line (a pseudo-element: not copied).
  const numbered = page.locator('pre.linenums');
  expect(await numbered.evaluate((el) => getComputedStyle(el).counterReset)).toBe('fence-line 9');
  expect(
    await numbered
      .locator('.line')
      .nth(0)
      .evaluate((el) => getComputedStyle(el, '::before').content),
  ).toBe('counter(fence-line)');
  await expect(page.locator('pre.shiki')).toHaveCount(5);
  await expect(page.locator('.copy-code')).toHaveCount(4);
  await expect(page.locator('pre[data-no-copy]')).toHaveCount(1);
});

test('code annotations: numbers in the code point to the list after it, and copying the code copies no numbers', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(fx('page/code-options'));
  const marks = page.locator('.code-annotation');
  await expect(marks).toHaveCount(2);
  expect(await marks.nth(0).evaluate((el) => getComputedStyle(el, '::after').content)).toBe('"1"');
  const pre = page.locator('pre', { has: marks.first() });
  await expect(pre.locator('.line').nth(0)).toHaveText('pg_dump -Fc -f shop.dump shop');
  await expect(pre.locator('.line').nth(1)).toHaveText('pg_restore --list shop.dump # check the archive');
  await expect(page.locator('ol.code-annotations li').nth(0)).toHaveText('The custom format, which pg_restore reads.');
  await page.locator('.code-wrap', { has: marks.first() }).locator('.copy-code').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    'pg_dump -Fc -f shop.dump shop\npg_restore --list shop.dump # check the archive',
  );
});

test('a lesson with no interactive blocks ships no block JavaScript, only the small site shell', async ({ page }) => {
  // Every script body is read before the sums below: a handler that adds as bodies arrive
  // raced the assertions (it saw 12.5 KB one run, less on others, of the 17.5 KB sent).
  const scripts: Promise<{ name: string; bytes: number }>[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() !== 'script') return;
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    scripts.push(r.body().then((b) => ({ name, bytes: b.length })));
  });
  await page.goto(fx('page/no-blocks'));
  await page.waitForLoadState('networkidle');
  const loaded = await Promise.all(scripts);
  const bytes = loaded.reduce((sum, s) => sum + s.bytes, 0);
  expect(bytes).toBeGreaterThan(0);
  // The shell (page, results, sandbox panel, workshop bar; uncompressed) is ~17.5 KB: this bound
  // catches xterm (~330 KB) or a larger block module; the names below catch any block module.
  expect(bytes).toBeLessThan(20_000);
  const blockModule = /^(Quiz|Terminal|MermaidClient|Exercise|CommandBuilder|CodeWalkthrough|Lab)\.astro|^(xterm|addon-fit|mermaid)\b/;
  expect(loaded.map((s) => s.name).filter((n) => blockModule.test(n))).toEqual([]);
  for (const tag of ['db-quiz', 'db-terminal', 'db-mermaid', 'db-exercise', 'db-command-builder', 'db-code-walkthrough']) {
    expect(await page.evaluate((t) => customElements.get(t) === undefined, tag)).toBe(true);
  }
});

test('lesson meta, sidebar, table of contents and previous/next', async ({ page }) => {
  await page.goto(fx('quiz/multi-question'));
  await expect(page.locator('.lesson-facts')).toContainText('Level');
  await expect(page.locator('.sidebar a[aria-current="page"]')).toHaveCount(1);
  await expect(page.locator('.pager a').first()).toBeVisible();
  await page.goto(url('fixtures'));
  expect(await page.locator('.lesson-list .card').count()).toBeGreaterThan(20);
});

test('front matter hide: navigation and footer remove the sidebar and previous/next, the table of contents stays', async ({ page }) => {
  await page.goto(fx('page/hide-navigation-footer'));
  await expect(page.locator('h1')).toHaveText('Hidden navigation and footer');
  await expect(page.locator('nav.sidebar')).toHaveCount(0);
  await expect(page.locator('nav.pager')).toHaveCount(0);
  await expect(page.locator('nav.toc a')).toHaveText(['A section for the table of contents', 'Another section']);
  const box = await page.locator('main#content').boundingBox();
  expect(box?.x ?? 999).toBeLessThan(100);
});

test('prerequisites link to their pages; one that names no page is shown as text', async ({ page }) => {
  await page.goto(fx('page/prerequisites'));
  const facts = page.locator('.lesson-facts');
  await expect(facts.locator('a')).toHaveText(['No blocks', 'Target page', 'Single question']);
  await expect(facts).toContainText('restore-drills');
});
