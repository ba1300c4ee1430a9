/**
 * The author's loop (issue 17): `./drillbook dev` on a 105-page course (the
 * synthetic course `bench build` measures, plus one page this test edits).
 * Saving the lesson updates the open page, blocks included, without a
 * reload by hand; a block made invalid shows its error box in the page and
 * its problem in the terminal; fixing it clears both, without a restart.
 * The time from save to updated page is reported as an annotation (the ≤ 1 s
 * target is a figure, read from this run, not a timed assertion).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from '@playwright/test';
import { generateCourse } from '../../src/cli/bench-course.ts';

const PORT = Number(process.env['DRILLBOOK_E2E_PORT_BASE'] ?? 4611) + 4;
const URL = `http://127.0.0.1:${PORT}/dev-loop/edit-me/`;

const lesson = (paragraph: string, question: string, correct: string) => `---
title: Edit me
---

# Edit me

${paragraph}

\`\`\`quiz
question: "${question}"
options:
  - text: "pg_restore"
    ${correct}
  - text: "psql"
\`\`\`
`;

let work: string;
let file: string;
let tip: string;
let server: ChildProcess;
let output = '';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drillbook-dev-loop-'));
  const course = generateCourse(join(work, 'course'), 105).dir;
  mkdirSync(join(course, 'dev-loop'));
  file = join(course, 'dev-loop', 'edit-me.md');
  writeFileSync(file, lesson('First version of the text.', 'Which tool restores a custom-format dump?', 'correct: true'));
  // A page that includes a snippet from outside the course folder (the project folder around it), not written yet.
  mkdirSync(join(work, 'shared'));
  tip = join(work, 'shared', 'tip.md');
  writeFileSync(
    join(course, 'dev-loop', 'with-snippet.md'),
    '---\ntitle: With a snippet\n---\n\n# With a snippet\n\nBefore the snippet.\n\n--8<-- "shared/tip.md"\n',
  );
  server = spawn(resolve('drillbook'), ['dev', '--port', String(PORT), '--host', '127.0.0.1'], {
    env: { ...process.env, DRILLBOOK_CONTENT: course, DRILLBOOK_CACHE_DIR: join(work, 'cache'), ASTRO_TELEMETRY_DISABLED: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(URL)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (i > 900 || server.exitCode !== null) throw new Error(`drillbook dev did not serve ${URL}:\n${output}`);
    await sleep(100);
  }
});

test.afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    process.kill(-server.pid, 'SIGTERM');
    await new Promise((ok) => server.once('exit', ok));
  }
  rmSync(work, { recursive: true, force: true });
});

/** Writes the lesson (or another file) and returns the output the server prints from now on. */
function save(text: string, path = file): { t0: number; since: () => string } {
  const from = output.length;
  writeFileSync(path, text);
  return { t0: Date.now(), since: () => output.slice(from) };
}

/** A figure of this run: in the report's annotations and printed (it includes Playwright's polling, ~100 ms at most). */
function report(what: string, t0: number): void {
  const ms = Date.now() - t0;
  test.info().annotations.push({ type: `${what} (ms)`, description: String(ms) });
  process.stdout.write(`dev loop on a 105-page course: ${what}: ${ms} ms\n`);
}

test('saving a lesson updates the open page, blocks included; a broken block shows its error until it is fixed', async ({ page }) => {
  await page.goto(URL);
  await expect(page.getByText('First version of the text.')).toBeVisible();
  await expect(page.locator('db-quiz')).toContainText('Which tool restores a custom-format dump?');

  // Edit the prose and the block: the open page shows both, by itself.
  const edit = save(lesson('Second version of the text.', 'Which tool reads a pg_dump -Fc archive?', 'correct: true'));
  await expect(page.getByText('Second version of the text.')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('db-quiz')).toContainText('Which tool reads a pg_dump -Fc archive?');
  report('save to updated page', edit.t0);

  // Break the block: no option is correct. Error box in the page, the problem in the terminal.
  const broken = save(lesson('Second version of the text.', 'Which tool reads a pg_dump -Fc archive?', 'correct: false'));
  const box = page.locator('.db-error[data-block="quiz"]');
  await expect(box).toBeVisible({ timeout: 20_000 });
  await expect(box).toContainText('Question "Which tool reads a pg_dump -Fc archive?" has no option marked correct.');
  await expect.poll(broken.since, { timeout: 5_000 }).toContain('dev-loop/edit-me.md:9:1  error  quiz  options');
  report('save to error box', broken.t0);

  // Fix it: the box goes, the quiz is back, the terminal says so; same server, no restart.
  const fixed = save(lesson('Third version of the text.', 'Which tool reads a pg_dump -Fc archive?', 'correct: true'));
  await expect(page.getByText('Third version of the text.')).toBeVisible({ timeout: 20_000 });
  await expect(box).toHaveCount(0);
  await expect(page.locator('db-quiz')).toContainText('Which tool reads a pg_dump -Fc archive?');
  await expect.poll(fixed.since, { timeout: 5_000 }).toContain('[drillbook] dev-loop/edit-me.md: no problems');
  report('save to error box gone', fixed.t0);
  expect(server.exitCode).toBeNull();
});

test('a snippet file outside the course folder is watched: creating and editing it updates the page that includes it', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORT}/dev-loop/with-snippet/`);
  await expect(page.getByText('Before the snippet.')).toBeVisible();
  // Printed with the course's problems once all its checks are done (a page waits only for its own).
  await expect
    .poll(() => output, { timeout: 10_000 })
    .toContain('dev-loop/with-snippet.md:9:1  warning  page  -  The snippet "shared/tip.md" was not found');

  // The file the page names appears: the page shows it, and the terminal says the page has no problems now.
  const created = save('!!! tip "Restore first"\n    Restore it somewhere else before you trust it.\n', tip);
  await expect(page.getByText('Restore it somewhere else before you trust it.')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('.admonition.tip .admonition-title')).toHaveText('Restore first');
  await expect.poll(created.since, { timeout: 5_000 }).toContain('[drillbook] dev-loop/with-snippet.md: no problems');

  // Edited: the page follows.
  save('!!! tip "Restore first"\n    A backup you never restored is a hope.\n', tip);
  await expect(page.getByText('A backup you never restored is a hope.')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Restore it somewhere else before you trust it.')).toHaveCount(0);
  expect(server.exitCode).toBeNull();
});
