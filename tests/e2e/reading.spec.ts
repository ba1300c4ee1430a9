/**
 * Reading comfort on real courses: where you are in a long lesson list,
 * diagrams at their own height and readable on phones, quiz verdicts apart
 * from the feedback, replay controls drawn without font glyphs, a terminal
 * that stands out from a dark page.
 */
import { expect, test } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { url } from './helpers.ts';

test.skip(!siteBuilt('fixtures'), 'the fixture site is not built (scripts/test-all.sh builds it)');

test('sidebar: only the current section is open, the current link is in view, other sections open on demand', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 520 } });
  await page.goto(url('fixtures', '/text/xss/'));
  const nav = page.locator('.sidebar');
  const section = (route: string) => nav.locator(`.nav-section:has(> .nav-section-head a[href="/${route}/"])`);
  await expect(section('text').locator('.nav-section-body')).toBeVisible();
  await expect(section('text').locator('.nav-section-toggle')).toHaveAttribute('aria-expanded', 'true');
  for (const closed of ['quiz', 'terminal', 'command-builder']) {
    await expect(section(closed).locator('.nav-section-body')).toBeHidden();
    await expect(section(closed).locator('.nav-section-toggle')).toHaveAttribute('aria-expanded', 'false');
  }
  const current = nav.locator('a[aria-current="page"]');
  await expect(current).toHaveText(/Author text never runs script/);
  const [box, link] = [await nav.boundingBox(), await current.boundingBox()];
  expect(link!.y).toBeGreaterThanOrEqual(box!.y);
  expect(link!.y + link!.height).toBeLessThanOrEqual(box!.y + box!.height + 1);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  await section('quiz').locator('.nav-section-toggle').click();
  await expect(section('quiz').locator('.nav-section-body')).toBeVisible();
  await expect(section('quiz').getByRole('link', { name: /Single question/i })).toBeVisible();
  await page.close();
});

test('a drawn diagram takes the height of its drawing: no empty band', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 700 });
  await page.goto(url('fixtures', '/mermaid/diagrams/'));
  const figures = page.locator('db-mermaid .mermaid-figure');
  const gap = async (i: number) =>
    figures.nth(i).evaluate((f) => f.getBoundingClientRect().height - (f.querySelector('svg')?.getBoundingClientRect().height ?? 0));
  // The last one is drawn out of sight: it takes its own height at once.
  await figures.last().scrollIntoViewIfNeeded();
  await expect(figures.last()).toHaveAttribute('data-rendered', /light|dark/, { timeout: 15_000 });
  expect(await gap(7)).toBeLessThan(2);
  // The first one was drawn while in sight: it kept its height then, and takes the drawing's once out of sight.
  await expect(figures.first()).toHaveAttribute('data-rendered', /light|dark/);
  expect(await gap(0)).toBeLessThan(2);
});

test('a wide diagram on a phone keeps its text readable and scrolls sideways; a button fits it to the width', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(url('fixtures', '/mermaid/wide/'));
  const figure = page.locator('db-mermaid .mermaid-figure');
  await expect(figure).toHaveAttribute('data-rendered', /light|dark/, { timeout: 15_000 });
  const textPx = () =>
    figure.evaluate((f) => {
      const svg = f.querySelector('svg') as SVGSVGElement;
      const label = svg.querySelector('.nodeLabel, .label, text') as Element;
      return (parseFloat(getComputedStyle(label).fontSize) * svg.getBoundingClientRect().width) / svg.viewBox.baseVal.width;
    });
  expect(await textPx()).toBeGreaterThanOrEqual(10);
  expect(await figure.evaluate((f) => f.scrollWidth > f.clientWidth)).toBe(true);
  await expect(figure).toHaveAttribute('tabindex', '0');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.locator('db-mermaid .mermaid-zoom').click();
  expect(await textPx()).toBeLessThan(10);
  expect(await figure.evaluate((f) => f.scrollWidth <= f.clientWidth)).toBe(true);
  await expect(page.locator('db-mermaid .mermaid-zoom')).toHaveText('Show at readable size');
  await page.close();
});

test('quiz: the verdict on its own line above the feedback, and no empty band under the options', async ({ page }) => {
  await page.goto(url('fixtures', '/quiz/single-question/'));
  const quiz = page.locator('db-quiz');
  await expect(quiz.locator('.quiz-keys')).toBeHidden();
  const keysHeight = await quiz.locator('.quiz-keys').evaluate((el) => el.getBoundingClientRect().height);
  expect(keysHeight).toBe(0);
  await quiz.getByLabel('psql -f <archive-file>').check();
  const feedback = quiz.locator('.quiz-option').first().locator('.quiz-option-feedback');
  const verdict = await feedback.locator('.quiz-verdict').boundingBox();
  const text = await feedback.locator('.quiz-feedback-text').boundingBox();
  expect(verdict!.y + verdict!.height).toBeLessThanOrEqual(text!.y + 1);
  await expect(feedback.locator('.quiz-verdict')).toHaveText('Not quite.');
});

test('replay controls are drawn icons, not font glyphs the installed fonts may lack', async ({ page }) => {
  await page.goto(url('fixtures', '/terminal/replay/'));
  const toolbar = page.locator('db-terminal .term-toolbar');
  for (const cls of ['term-restart', 'term-back', 'term-play', 'term-forward']) {
    const button = toolbar.locator(`.${cls}`);
    await expect(button.locator('svg.term-icon').first()).toBeVisible();
    expect(await button.textContent(), cls).not.toMatch(/[\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff]/);
  }
  await expect(toolbar.locator('.term-play')).toHaveText('Play');
});

test('the replay terminal has a visible edge on a dark page', async ({ browser }) => {
  const page = await browser.newPage({ colorScheme: 'dark' });
  await page.goto(url('fixtures', '/terminal/replay/'));
  const colours = await page.evaluate(() => {
    const parse = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    return {
      edge: parse(getComputedStyle(document.querySelector('.term-xterm') as Element).borderTopColor),
      page: parse(getComputedStyle(document.body).backgroundColor),
    };
  });
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
  };
  const [hi, lo] = [luminance(colours.edge), luminance(colours.page)].sort((a, b) => b - a);
  // WCAG 1.4.11: a component's boundary needs 3:1 against what is next to it.
  expect((hi! + 0.05) / (lo! + 0.05)).toBeGreaterThanOrEqual(3);
  await page.close();
});
