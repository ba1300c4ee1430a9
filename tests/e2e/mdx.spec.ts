/**
 * MDX pages (issue 18) in the browser: the MDX lesson that writes every
 * block as a component works exactly like its Markdown twin (same HTML from
 * the server, same client elements, same interactions), a course's own
 * component and expressions render, HTML in MDX is sanitised, and broken MDX
 * shows error boxes while the page goes on.
 */
import { expect, test, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url, watchErrors } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'fixture site not built (dist-fixtures)');

const fx = (path: string) => url('fixtures', `/${path}/`);
const BLOCKS = ['db-quiz', 'db-command-builder', 'db-terminal', 'db-exercise', 'db-code-walkthrough', 'db-mermaid', 'db-lab'];
const TWINS = { markdown: 'mdx/markdown-twin', components: 'mdx/components', fences: 'mdx/fences' } as const;

/** Each block element's HTML as the server sent it, with the page's own id prefix and lab id made neutral. */
async function servedBlocks(page: Page, path: string, prefix: string): Promise<string[]> {
  const html = await (await page.request.get(fx(path))).text();
  return page.evaluate(
    ({ html, tags, prefix }) => {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      return tags.map((t) =>
        (doc.querySelector(t)?.outerHTML ?? `missing ${t}`).replaceAll(prefix, 'PAGE').replace(/twin-lab-[a-z]+/g, 'LAB'),
      );
    },
    { html, tags: BLOCKS, prefix },
  );
}

test('every block written as an MDX component is the same HTML as the fence on the Markdown twin, and so are fences in MDX', async ({
  page,
}) => {
  await page.goto('about:blank');
  const markdown = await servedBlocks(page, TWINS.markdown, 'mdx-markdown-twin');
  const components = await servedBlocks(page, TWINS.components, 'mdx-components');
  const fences = await servedBlocks(page, TWINS.fences, 'mdx-fences');
  for (const [i, tag] of BLOCKS.entries()) {
    expect(markdown[i], tag).toContain(`<${tag}`);
    expect(components[i], tag).toBe(markdown[i]);
    expect(fences[i], tag).toBe(markdown[i]);
  }
});

/** What a reader does with every block on a twin page, and what they see after. */
async function useEveryBlock(page: Page, path: string) {
  const errors = watchErrors(page);
  await page.goto(fx(path));
  const seen: Record<string, unknown> = {};
  // Every block is upgraded by its own client element.
  seen['upgraded'] = await page.evaluate((tags) => tags.map((t) => customElements.get(t) !== undefined), BLOCKS.slice(0, 6));

  const quiz = page.locator('db-quiz');
  await quiz.getByLabel('Restoring it somewhere else and checking the data').check();
  await expect(quiz.locator('.quiz-score')).toHaveText('Right!');
  seen['quiz'] = await quiz.locator('.quiz-option.is-correct .quiz-option-feedback').innerText();
  seen['question'] = await quiz.locator('legend').innerText();

  const builder = page.locator('db-command-builder');
  await builder.getByLabel('Format').selectOption({ label: 'c — Custom archive' });
  await builder.getByLabel('Skip ownership').check();
  seen['command'] = await builder.locator('.cb-command').innerText();
  seen['builderLink'] = await builder.locator('.db-description a').getAttribute('href');

  const term = page.locator('db-terminal');
  await expect(term).toHaveAttribute('data-ready', 'true', { timeout: 15_000 });
  await term.locator('.term-forward').click();
  await expect(term.locator('.term-position')).toHaveText('Step 1 of 2');
  seen['narration'] = await term.locator('.term-now').innerText();

  const ex = page.locator('db-exercise');
  await ex.locator('.ex-next-hint').click();
  seen['hint'] = await ex.locator('.ex-hint').first().innerText();
  await ex.getByText('Solution').click();
  seen['solution'] = await ex.locator('.ex-solution pre').innerText();

  const walk = page.locator('db-code-walkthrough');
  await walk.locator('.cw-next').click();
  seen['note'] = await walk.locator('.cw-position').innerText();

  const diagram = page.locator('db-mermaid');
  await diagram.scrollIntoViewIfNeeded();
  await expect(diagram.locator('svg').first()).toBeVisible({ timeout: 15_000 });
  seen['diagram'] = await diagram.locator('svg').first().getAttribute('aria-roledescription');

  const lab = page.locator('db-lab');
  seen['lab'] = await lab.locator('.db-lab-checks').innerText();
  seen['admonition'] = await page.locator('.admonition.note .admonition-title').innerText();
  expect(errors).toEqual([]);
  return seen;
}

test('the MDX lesson with every block as a component works like its Markdown twin', async ({ page }) => {
  const markdown = await useEveryBlock(page, TWINS.markdown);
  expect(markdown['command']).toBe('pg_dump -F c --no-owner');
  expect(markdown['upgraded']).toEqual([true, true, true, true, true, true]);
  expect(await useEveryBlock(page, TWINS.components)).toEqual(markdown);
  expect(await useEveryBlock(page, TWINS.fences)).toEqual(markdown);
});

test('MDX pages are in the navigation, search and progress like Markdown pages', async ({ page }) => {
  await page.goto(fx(TWINS.components));
  await expect(page.locator('.sidebar a[aria-current="page"]')).toHaveText(/Every block, in MDX/);
  await expect(page.locator('.pager-next, .pager-prev').first()).toBeVisible();
  const link = page.locator('.sidebar a', { hasText: 'Every block, in MDX' });
  await expect(link).toHaveAttribute('data-progress-quizzes', 'mdx-components-quiz-1');
  await page.locator('db-quiz').getByLabel('Restoring it somewhere else and checking the data').check();
  await expect(link.locator('.progress-mark')).not.toHaveText('');
  await page.locator('#site-search').fill('canonical fields');
  await expect(page.locator('#site-search-results a', { hasText: 'Every block, in MDX' })).toBeVisible({ timeout: 10_000 });
});

test("a course's own component, expressions and HTML in MDX render; a script in the page's HTML never runs", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(fx('mdx/local-component'));
  const callout = page.locator('aside.fixture-callout.tip');
  await expect(callout).toContainText('Restores are tested by restoring them.');
  // The component's own scoped style reaches the page.
  await expect(callout).toHaveCSS('border-left-style', 'solid');
  // A block inside the component is a block like any other.
  const quiz = callout.locator('db-quiz#inside-callout');
  await quiz.getByLabel('On a scratch server').check();
  await expect(quiz.locator('.quiz-score')).toHaveText('Right!');
  await expect(page.getByText('The shop database has 3 tables and 6 indexes.')).toBeVisible();
  await expect(page.locator('.fixture-grid')).toHaveAttribute('data-cols', '2');
  await expect(page.locator('.fixture-grid script')).toHaveCount(0);
  expect(await page.title()).not.toBe('script ran');
  await expect(page.getByRole('link', { name: 'link to the Markdown twin' })).toHaveAttribute('href', '/mdx/markdown-twin/');
  await expect(page.getByRole('img', { name: 'a diagram' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('broken MDX: error boxes at file:line for wrong props and syntax errors, markers for unknown components; the page goes on', async ({
  page,
}) => {
  await page.goto(fx('mdx/invalid-props'));
  const boxes = page.locator('.db-error');
  await expect(boxes).toHaveCount(4);
  await expect(boxes.nth(0)).toContainText('mdx/invalid-props.mdx:9');
  await expect(boxes.nth(0)).toContainText('has no option marked correct');
  await expect(boxes.nth(1)).toContainText('Prop "title" of <Terminal> is code (pageTitle)');
  await expect(page.locator('.db-missing-component')).toContainText('Unknown component <Fancy>');
  await expect(page.locator('.fixture-note')).not.toHaveAttribute('onclick');
  await expect(page.getByText('this paragraph renders')).toBeVisible();

  await page.goto(fx('mdx/invalid-syntax'));
  const box = page.locator('.db-error');
  await expect(box).toContainText('This part of the page has a problem and is not shown');
  await expect(box).toContainText('mdx/invalid-syntax.mdx:14');
  await expect(box).toContainText('Expected a closing tag for `<span>`');
  await expect(page.getByText('This admonition renders.')).toBeVisible();
  await expect(page.locator('db-quiz')).toHaveCount(1);
});
