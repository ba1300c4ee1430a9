/**
 * Math in a course whose mkdocs.yml lists pymdownx.arithmatex, as a reader
 * sees it: typeset by KaTeX at build time (no script), with KaTeX's styles
 * and fonts published with the site and loaded only by the page with math.
 * The two-page course is tests/math-course, built into dist-math by
 * scripts/test-all.sh and served here with the server `./drillbook up` runs.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildApp } from '../../src/server/app.ts';
import { watchErrors } from './helpers.ts';

/** Built by scripts/test-all.sh (`./drillbook test`) from tests/math-course, before the browser tests: no build runs beside them. */
const SITE = 'dist-math';
let origin = '';
let close: () => Promise<void> = async () => {};

test.skip(!existsSync(join(SITE, 'index.html')), `the math site (${SITE}) is not built (scripts/test-all.sh builds it)`);

test.beforeAll(async () => {
  const app = await buildApp({
    config: { siteDir: resolve(SITE), secret: 'math-e2e-secret-0123456789abcdef', allowedOrigins: [] },
    manager: null,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  close = () => app.close();
});
test.afterAll(async () => {
  await close();
});

test('math is typeset with KaTeX fonts; a page without math loads none of it', async ({ page }) => {
  const errors = watchErrors(page);
  const fetched: string[] = [];
  page.on('requestfinished', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(`${origin}/`);
  await page.evaluate(() => document.fonts.ready);
  const inline = page.locator('p .arithmatex .katex').first();
  await expect(inline).toBeVisible();
  // Typeset, not shown as TeX: what is drawn has no TeX syntax left (the TeX is only in MathML's annotation).
  const drawn = (await page.locator('p .katex-html').first().textContent()) ?? '';
  expect(drawn).toContain('replay');
  expect(drawn).not.toMatch(/[_{}\\]/);
  expect(await page.evaluate(() => document.fonts.check('16px KaTeX_Main') && document.fonts.check('16px KaTeX_Math'))).toBe(true);
  const display = page.locator('div.arithmatex .katex-display');
  await expect(display).toBeVisible();
  expect((await display.boundingBox())!.height).toBeGreaterThan(30);
  expect(fetched.some((p) => p.endsWith('/_drillbook/katex/katex.min.css'))).toBe(true);
  expect(fetched.some((p) => /\/_drillbook\/katex\/fonts\/KaTeX_Main-Regular\.woff2$/.test(p))).toBe(true);

  fetched.length = 0;
  await page.goto(`${origin}/plain/`);
  await expect(page.locator('.lesson')).toContainText('It costs $5 and $6.');
  expect(fetched.filter((p) => p.includes('katex'))).toEqual([]);
  expect(errors).toEqual([]);
});
