/**
 * Author text in the browser: every plain-text field shows exactly what the
 * author wrote, and no author text anywhere (text fields, Markdown fields,
 * page prose, raw HTML, diagram source, builder values, lab fields) runs
 * script, while the text around it stays visible.
 */
import { expect, test, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { SHOWN } from '../helpers/written.ts';
import { url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'the fixture site is not built (scripts/test-all.sh builds it)');

test('every plain-text field shows the written line character for character', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(url('fixtures', '/text/verbatim/'));
  await page.waitForFunction(() => ['db-quiz', 'db-exercise', 'db-terminal', 'db-code-walkthrough'].every((t) => customElements.get(t)));
  const quiz = page.locator('db-quiz').first();
  const explained = page.locator('db-quiz').nth(1);
  await quiz.locator('.quiz-option input').first().check();
  await explained.locator('.quiz-option input').first().check();
  const exercise = page.locator('db-exercise').first();
  await exercise.locator('.ex-next-hint').click();
  const tasks = page.locator('db-exercise').nth(1);
  await tasks.locator('.ex-hint summary').click();
  const terminal = page.locator('db-terminal');
  await terminal.locator('.term-forward').click();
  const builder = page.locator('db-command-builder');

  const fields = {
    'quiz title': quiz.locator('.db-title'),
    'quiz question': quiz.locator('.quiz-prompt'),
    'quiz option': quiz.locator('.quiz-option-text').first(),
    'quiz feedback': quiz.locator('.quiz-option').first().locator('.quiz-feedback-text'),
    'quiz explanation': explained.locator('.quiz-option').first().locator('.quiz-feedback-text'),
    'terminal title': terminal.locator('.db-title'),
    'terminal narration (player)': terminal.locator('.term-now'),
    'walkthrough title': page.locator('db-code-walkthrough .db-title'),
    'walkthrough annotation': page.locator('db-code-walkthrough .cw-text'),
    'exercise title': exercise.locator('.db-title'),
    'exercise hint': exercise.locator('.ex-hint[data-hint="0"]').locator('p'),
    'task hint': tasks.locator('.ex-hint p'),
    'builder title': builder.locator('.db-title'),
    'builder label': builder.locator('.cb-label-text'),
    'builder explanation': builder.locator('.cb-explanation'),
  };
  for (const [name, field] of Object.entries(fields)) {
    await expect(field, name).toBeVisible();
    expect(await field.evaluate((el) => el.textContent?.trim()), name).toBe(SHOWN);
    // Only the bold and the code span are elements (in our paragraph); nothing else the author wrote became one.
    const tags = await field.evaluate((el) => [...el.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()).filter((t) => t !== 'p'));
    expect(tags, name).toEqual(['strong', 'code']);
  }
  // The transcript (for screen readers) holds the same narration, and the command and output exactly.
  expect(await terminal.locator('.term-steps .term-narration').textContent()).toBe(SHOWN);
  await expect(terminal.locator('.term-command')).toHaveText("grep -r '\\(error\\|warning\\)' /var/log/<service>");
  await expect(terminal.locator('.term-output')).toHaveText('> not a quote: HEAD~2 __init__ $_ <path>');
  await expect(builder.locator('input.cb-control')).toHaveAttribute('placeholder', '<pattern>');
  expect(errors).toEqual([]);
});

/** Everything a learner can do on the XSS page: answers, hints, solutions, steps, choices, the diagram. */
async function useEverything(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    ['db-quiz', 'db-exercise', 'db-terminal', 'db-code-walkthrough', 'db-command-builder'].every((t) => customElements.get(t)),
  );
  for (const input of await page.locator('db-quiz .quiz-option input').all()) await input.check();
  for (const button of await page.locator('db-exercise .ex-next-hint').all()) while (await button.isVisible()) await button.click();
  for (const details of await page.locator('details:not([open])').all())
    if (await details.locator('> summary').isVisible()) await details.locator('> summary').click();
  await page.locator('db-terminal .term-forward').click();
  for (const select of await page.locator('db-command-builder select').all()) {
    const values = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    await select.selectOption(values[values.length - 1] as string);
  }
  await page.locator('db-mermaid').scrollIntoViewIfNeeded();
  await expect(page.locator('db-mermaid .mermaid-figure[data-rendered] svg')).toBeVisible({ timeout: 15_000 });
  // Clicking the diagram's nodes must not run their `click` targets.
  for (const node of await page.locator('db-mermaid svg .node').all()) await node.click({ force: true });
}

test('no author text runs script, and the text around the script stays visible', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url('fixtures', '/text/xss/'));
  await useEverything(page);
  expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);

  const dom = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
      scriptUrls: all.flatMap((el) =>
        [...el.attributes]
          .filter((a) => /^\s*(javascript|data|vbscript):/i.test(a.value) && a.name !== 'content')
          .map((a) => `${el.tagName}[${a.name}=${a.value}]`),
      ),
      frames: document.querySelectorAll('iframe, object, embed, frame').length,
      authorScripts: [...document.scripts].filter((s) => s.textContent?.includes('__xss') && s.type !== 'application/json').length,
    };
  });
  expect(dom).toEqual({ handlers: [], scriptUrls: [], frames: 0, authorScripts: 0 });

  // Text fields show the markup as text; Markdown fields and prose keep the words around what was dropped.
  const literal = "<script>window.__xss = 'script'</script>";
  for (const field of [
    page.locator('db-quiz .quiz-prompt'),
    page.locator('db-quiz .quiz-option-text').first(),
    page.locator('db-quiz .quiz-option').first().locator('.quiz-feedback-text'),
    page.locator('db-terminal .term-now'),
    page.locator('db-code-walkthrough .cw-text'),
    page.locator('db-exercise .ex-hint[data-hint="0"]').first(),
    page.locator('db-command-builder .cb-explanation').first(),
    page.locator('db-lab .db-title'),
    page.locator('db-lab .db-lab-check-title'),
  ])
    await expect(field, field.toString()).toContainText(literal);
  for (const field of [
    page.locator('.lesson > p', { hasText: 'Before' }),
    page.locator('.admonition-body p'),
    page.locator('db-terminal .db-scenario'),
    page.locator('db-exercise .db-scenario').first(),
    page.locator('db-exercise .ex-solution').first(),
    page.locator('db-lab .db-description'),
  ]) {
    await expect(field, field.toString()).toContainText('Before');
    await expect(field, field.toString()).toContainText('after.');
    await expect(field, field.toString()).not.toContainText('window.__xss');
  }
  await expect(page.locator('.admonition-title')).toContainText("Title <script>window.__xss = 'admonition-title'</script>");
  await expect(page.locator('db-command-builder .cb-command').first()).toContainText(
    '<img src=../../assets/diagram.svg alt=diagram onload=',
  );
});

test("an MDX page's HTML runs nothing: <Fragment set:html> is left out, HTML written in the page is sanitised", async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url('fixtures', '/mdx/invalid-fragment-html/'));
  await page.waitForLoadState('load');
  expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  const handlers = await page.evaluate(() =>
    [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`),
    ),
  );
  expect(handlers).toEqual([]);
  await expect(page.locator('.lesson')).toContainText('Before after.');
  await expect(page.locator('.lesson')).toContainText('Before the div, after.');
  await expect(page.locator('.lesson')).toContainText('<b>kept as text</b>');
});
