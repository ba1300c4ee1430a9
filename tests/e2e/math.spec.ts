/**
 * Math in a course whose mkdocs.yml lists pymdownx.arithmatex, as a reader
 * sees it: typeset by KaTeX at build time (no script), with KaTeX's styles
 * and fonts published with the site and loaded only by the page with math.
 * The spec builds its own two-page course and serves it with the server
 * `./drillbook up` runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildApp } from '../../src/server/app.ts';
import { watchErrors } from './helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'drillbook-math-e2e-'));
let origin = '';
let close: () => Promise<void> = async () => {};

test.beforeAll(async () => {
  const course = join(work, 'course');
  mkdirSync(join(course, 'docs'), { recursive: true });
  writeFileSync(join(course, 'mkdocs.yml'), 'site_name: Math\nmarkdown_extensions:\n  - pymdownx.arithmatex:\n      generic: true\n');
  writeFileSync(
    join(course, 'docs', 'index.md'),
    '# Lag\n\nReplay lag is $t_{replay} - t_{commit}$ seconds.\n\n$$\nRPO = \\max_i \\left(t_{i+1} - t_i\\right)\n$$\n',
  );
  writeFileSync(join(course, 'docs', 'plain.md'), '# Plain\n\nIt costs $5 and $6.\n');
  const out = join(work, 'site');
  const built = spawnSync(process.execPath, ['src/cli/main.ts', 'build', '--quiet'], {
    env: { ...process.env, DRILLBOOK_CONTENT: course, DRILLBOOK_OUT: out, DRILLBOOK_CACHE_DIR: join(work, 'cache') },
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  const app = await buildApp({ config: { siteDir: out, secret: 'math-e2e-secret-0123456789abcdef', allowedOrigins: [] }, manager: null });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  close = () => app.close();
});
test.afterAll(async () => {
  await close();
  rmSync(work, { recursive: true, force: true });
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
