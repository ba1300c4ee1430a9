/**
 * A workshop from start to end, in real browsers against the sandbox server
 * (real bubblewrap sandboxes; playwright.config.ts starts it with an
 * instructor password): the instructor signs in and creates a workshop in
 * the browser, three learners join in their own browser contexts (a fourth
 * finds it full), answer a quiz and start a lab; the live view shows each
 * event within 2 s; a lab check failing 3 times flags the learner as stuck,
 * and the filter, "stuck only" and sorting find them; then watching a terminal read-only, locking a lesson,
 * "everyone to this page", a message, downloading the gradebook, and ending
 * the workshop, which releases the learners' sandboxes. Then a learner
 * answers a quiz with the network cut: the answer waits in the page's queue
 * and reaches the store and the live view once the network is back, and an
 * event the server refuses does not take it along.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { siteBuilt } from '../../playwright.config.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { url } from './helpers.ts';
import { screen, squeeze, waitForPrompt } from './terminal-screen.ts';

export const INSTRUCTOR_PASSWORD = 'e2e-instructor-password';
const QUIZ_LESSON = '/foundations/logical-vs-physical/';
const QUIZ = 'foundations-logical-vs-physical-quiz-1';
const LAB_LESSON = '/mariadb/lab-mysqldump-full-restore/';
const LAB = 'mysqldump-full-restore';
/** The bound for an event to show in the live view. */
const LIVE_MS = 2_000;

/**
 * Page errors and console errors, except the failed loads the test provokes: 401 on the
 * instructor page before signing in and for the wrong password, the locked lesson's 403.
 */
function watchErrors(page: Page, into: string[]): void {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(m.text())?.[1];
    if ((status === '401' && page.url().endsWith('/instructor/')) || status === '403') return;
    into.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => into.push(`${page.url()}: ${e.message}`));
}

async function learner(
  browser: Browser,
  code: string,
  name: string,
  errors: string[],
  title = 'E2E class <script>',
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  watchErrors(page, errors);
  await page.goto(url('sandbox', `/join/${code}`));
  await expect(page.getByLabel('Join code (from your instructor)')).toHaveValue(code);
  await page.getByLabel('Your name as the class sees it').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.locator('.db-join-welcome')).toHaveText(`Welcome to "${title}", ${name}. Your instructor now sees you in the class.`);
  await expect(page.locator('.db-join-resume')).toHaveText(/^http:\/\/127\.0\.0\.1:\d+\/resume\/[A-Za-z0-9_-]+$/);
  return { ctx, page };
}

test.describe('workshop', () => {
  test.skip(!siteBuilt('sandbox'), 'sandbox server not started (dist not built)');
  test.setTimeout(300_000);

  test('create, join, answers and a lab start in the live view within 2 s; watch, lock, everyone to this page, a message, end', async ({
    browser,
  }) => {
    const errors: string[] = [];
    // --- the instructor creates the workshop in the browser
    const ictx = await browser.newContext();
    const teacher = await ictx.newPage();
    watchErrors(teacher, errors);
    await teacher.goto(url('sandbox', '/instructor/'));
    await teacher.getByLabel('Password').fill('not the password');
    await teacher.getByRole('button', { name: 'Sign in' }).click();
    await expect(teacher.locator('form.db-sign-in .db-form-error')).toHaveText(
      'That name and password do not match an instructor on this server. Check both and try again.',
    );
    await teacher.getByLabel('Password').fill(INSTRUCTOR_PASSWORD);
    await teacher.getByRole('button', { name: 'Sign in' }).click();
    await expect(teacher.locator('.db-instructor-status')).toHaveText('Signed in as instructor.');
    await teacher.getByLabel('Title').fill('E2E class <script>');
    await teacher.getByLabel('Seats').fill('3');
    await teacher
      .getByLabel('Lessons (none chosen: every lesson)')
      .selectOption(['foundations/logical-vs-physical', 'mariadb/lab-mysqldump-full-restore']);
    await teacher.getByRole('button', { name: 'Create workshop' }).click();
    const code = (await teacher.locator('.db-created-code').textContent({ timeout: 10_000 })) ?? '';
    expect(code).toMatch(/^[2-9A-Z]{3}-[2-9A-Z]{3}$/);
    await teacher.getByRole('link', { name: 'Open the live class view' }).click();
    await expect(teacher.locator('.db-live-status')).toHaveText('Live: updates arrive as learners work.');
    await expect(teacher.locator('.db-live-title')).toHaveText('Live: E2E class <script>');
    await expect(teacher.locator('.db-live-table thead th')).toContainText(['Learner', 'Stuck', 'Lesson']);

    // --- three learners join; each shows up live; a fourth finds the workshop full
    const names = ['Ada', 'Bo <b>bold</b>', 'Cy'];
    const learners: { ctx: BrowserContext; page: Page }[] = [];
    for (const name of names) {
      learners.push(await learner(browser, code, name, errors));
      await expect(teacher.locator('.db-live-table tbody th', { hasText: name })).toBeVisible({ timeout: LIVE_MS });
    }
    // Names are text, never markup.
    await expect(teacher.locator('.db-live-table tbody b')).toHaveCount(0);
    const late = await browser.newContext();
    const latePage = await late.newPage();
    await latePage.goto(url('sandbox', `/join/${code.toLowerCase().replace('-', '')}`));
    await latePage.getByLabel('Your name as the class sees it').fill('Dee');
    await latePage.getByRole('button', { name: 'Join' }).click();
    await expect(latePage.locator('form.db-join .db-form-error')).toHaveText(
      'This workshop is full: all 3 seats are taken. Ask your instructor to make room.',
    );
    await late.close();
    const [ada, bo, cy] = learners.map((l) => l.page) as [Page, Page, Page];
    const row = (name: string) => teacher.locator('.db-live-table tbody tr', { has: teacher.locator('th', { hasText: name }) });
    const cell = (name: string, column: string) => row(name).locator(`td[data-column="${column}"]`);

    // --- quiz answers: each appears in the live view within 2 s, and the class's answers add up
    for (const [i, page] of [ada, bo, cy].entries()) {
      await page.goto(url('sandbox', QUIZ_LESSON));
      await expect(page.locator('.db-workshop-title')).toHaveText(`Workshop: E2E class <script> · you are ${names[i]}`);
      const quiz = page.locator(`db-quiz#${QUIZ}`);
      // A click before the quiz is upgraded only checks the radio (a loaded machine can be that slow).
      await page.waitForFunction(() => customElements.get('db-quiz') !== undefined);
      await quiz
        .locator('fieldset.quiz-question')
        .first()
        .locator('.quiz-option input')
        .nth(i % 2)
        .click();
      await expect(cell(names[i]!, QUIZ)).toHaveAttribute('data-cell', /right|wrong|partial/, { timeout: LIVE_MS });
      // Not stuck; on the lesson they opened.
      await expect(row(names[i]!).locator('td').nth(0)).toHaveText('');
      await expect(row(names[i]!).locator('td').nth(1)).toHaveText('Logical vs physical backups');
    }
    const firstQuestion = teacher.locator(`.db-live-summary li[data-question="${QUIZ}:0"]`);
    await expect(firstQuestion).toContainText('(3 answered)');
    await expect(firstQuestion).toContainText(/A(?: ✓)? 2 · B(?: ✓)? 1/);

    // --- the gradebook: "Download grades" saves the class's CSV, a row per learner; learners cannot get it
    const [download] = await Promise.all([
      teacher.waitForEvent('download'),
      teacher.getByRole('button', { name: 'Download grades' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`grades-${code}-best.csv`);
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]).toMatch(/^"Name","LMS user id","SIS id","Email",.*"Total %","First activity","Last activity"$/);
    const quizColumn = csv[0]!.split('","').indexOf(courseOutline(loadCourse('content')).blocks.get(QUIZ)!.title);
    expect(quizColumn).toBeGreaterThan(3);
    const byName = new Map(csv.slice(1).map((line) => [line.split('","')[0]!.slice(1), line.split('","')]));
    expect([...byName.keys()].sort()).toEqual([...names].sort());
    // Ada and Cy chose the same option, Bo another: the server scored them so.
    expect(byName.get('Ada')![quizColumn]).toBe(byName.get('Cy')![quizColumn]);
    expect(byName.get('Ada')![quizColumn]).toMatch(/^[01] of \d+$/);
    const workshopId = new URL(teacher.url()).searchParams.get('id');
    expect((await ada.request.get(url('sandbox', `/api/workshops/${workshopId}/grades`))).status()).toBe(401);

    // --- Ada starts the lab: the live view shows it started within 2 s of the start
    await ada.goto(url('sandbox', LAB_LESSON));
    const lab = ada.locator('db-lab');
    await lab.getByRole('button', { name: 'Start lab' }).click();
    await expect(lab.locator('.db-lab-progress')).toHaveText(/^Lab ready in \d+\.\d s\./, { timeout: 120_000 });
    await expect(cell('Ada', LAB)).toHaveAttribute('data-cell', 'started', { timeout: LIVE_MS });
    await expect(teacher.locator(`.db-live-summary li[data-lab="${LAB}"]`)).toContainText('0 passed, 1 started, of 3');

    // --- stuck: Ada checks three times without doing the work; the same check fails 3 times and
    // her row is flagged; the live view's filter, "stuck only" and sorting find her
    const checkWork = lab.getByRole('button', { name: 'Check my work' });
    for (let i = 0; i < 3; i++) {
      if (i > 0) await ada.waitForTimeout(3_100); // the server's least time between two checks
      const answered = ada.waitForResponse((r) => r.url().endsWith('/check'));
      await checkWork.click();
      expect((await answered).status()).toBe(200);
    }
    await expect(cell('Ada', LAB)).toHaveAttribute('data-cell', 'started', { timeout: LIVE_MS });
    await expect(cell('Ada', LAB)).toHaveText(/^0\/\d+ checks$/);
    await expect(row('Ada').locator('td').nth(0)).toHaveText(`check dump-exists of ${LAB} failed 3×`, { timeout: LIVE_MS });
    await expect(row('Ada')).toHaveAttribute('data-stuck', 'yes');
    const shown = teacher.locator('.db-live-table tbody th');
    await expect(shown).toHaveText(names);
    await teacher.locator('.db-live-filter').fill('c');
    await expect(shown).toHaveText(['Cy']);
    await teacher.locator('.db-live-filter').fill('');
    await teacher.locator('.db-live-stuck-only').check();
    await expect(shown).toHaveText(['Ada']);
    await teacher.locator('.db-live-stuck-only').uncheck();
    // Least recently active first: Bo answered before Cy, and Ada has just checked her lab.
    await teacher.locator('.db-live-sort').selectOption('activity');
    await expect(shown).toHaveText(['Bo <b>bold</b>', 'Cy', 'Ada']);
    await teacher.locator('.db-live-sort').selectOption('stuck');
    await expect(shown.first()).toHaveText('Ada');
    await teacher.locator('.db-live-sort').selectOption('name');
    await expect(shown).toHaveText(names);

    // --- watching: the instructor sees Ada's terminal, Ada is told, the instructor cannot type, Ada can stop it
    await waitForPrompt(ada, 60_000);
    await ada.locator('db-sandbox .xterm').click();
    await ada.keyboard.type('echo watched-$((6*7))');
    await ada.keyboard.press('Enter');
    await expect.poll(() => screen(ada)).toContain('watched-42');
    await row('Ada').getByRole('button', { name: 'Watch' }).click();
    await expect(teacher.locator('.db-live-watch-status')).toHaveText('Watching Ada: they see that you are watching.');
    await expect
      .poll(async () => squeeze((await teacher.locator('.db-live-xterm .xterm-rows').textContent()) ?? ''))
      .toContain('watched-42');
    await expect(ada.locator('.db-workshop-watching')).toContainText('Your instructor is watching your terminal now.', {
      timeout: LIVE_MS,
    });
    await teacher.locator('.db-live-xterm').click();
    await teacher.keyboard.type('echo intruder');
    await teacher.keyboard.press('Enter');
    await ada.waitForTimeout(1_000);
    expect(await screen(ada)).not.toContain('intruder');
    await ada.locator('.db-workshop-watching').getByRole('button', { name: 'Stop watching' }).click();
    await expect(ada.locator('.db-workshop-watching')).toBeHidden();
    await expect(ada.locator('.db-workshop-allow')).not.toBeChecked();
    await expect(row('Ada').locator('td').last()).toHaveText('watching off', { timeout: LIVE_MS });

    // --- pacing: a locked lesson shows the locked notice and none of its content; opened again, it is back
    await teacher.locator('input[data-lock="lesson:foundations/logical-vs-physical"]').check();
    await expect.poll(async () => (await bo.request.get(url('sandbox', QUIZ_LESSON))).status()).toBe(403);
    await bo.reload();
    await expect(bo.getByRole('heading', { level: 1 })).toHaveText('Not open yet');
    await expect(bo.locator(`db-quiz#${QUIZ}`)).toHaveCount(0);
    await teacher.locator('input[data-lock="lesson:foundations/logical-vs-physical"]').uncheck();
    await expect.poll(async () => (await bo.request.get(url('sandbox', QUIZ_LESSON))).status()).toBe(200);
    await bo.reload();
    await expect(bo.locator(`db-quiz#${QUIZ}`)).toBeVisible();

    // --- everyone to this page, and a message: banners, not dialogs
    await cy.goto(url('sandbox', QUIZ_LESSON));
    await expect(cy.locator('.db-workshop-title')).toBeVisible();
    let dialogs = 0;
    for (const p of [ada, bo, cy]) p.on('dialog', () => dialogs++);
    await teacher.getByLabel('Everyone to this page').selectOption('mariadb/lab-mysqldump-full-restore');
    await teacher.getByRole('button', { name: 'Send everyone there' }).click();
    const goto = cy.locator('.db-workshop-goto');
    await expect(goto).toContainText('Your instructor asks everyone to go to:', { timeout: LIVE_MS });
    await expect(goto.getByRole('link')).toHaveAttribute('href', LAB_LESSON);
    await teacher.getByLabel(/^Message/).fill('Break <5 min>, back at 10:40');
    await teacher.getByRole('button', { name: 'Send message' }).click();
    for (const p of [bo, cy])
      await expect(p.locator('.db-workshop-message')).toHaveText(/^Message from your instructor: Break <5 min>, back at 10:40/, {
        timeout: LIVE_MS,
      });
    expect(dialogs).toBe(0);

    // --- the end: every learner's sandbox is released, learners are told, results stay in the live view
    expect((await ada.request.get(url('sandbox', '/api/sandbox'))).status()).toBe(200);
    teacher.once('dialog', (d) => void d.accept());
    await teacher.getByRole('button', { name: 'End the workshop' }).click();
    await expect(teacher.locator('.db-live-join')).toHaveText(/^Ended .*3 learners; results are kept as they were\.$/, { timeout: 10_000 });
    await expect.poll(async () => (await ada.request.get(url('sandbox', '/api/sandbox'))).status(), { timeout: 10_000 }).toBe(404);
    await expect(cy.locator('.db-workshop-title')).toHaveText(
      'The workshop "E2E class <script>" has ended. Your results from it are kept.',
      {
        timeout: LIVE_MS,
      },
    );
    await expect(cell('Ada', LAB)).toHaveAttribute('data-cell', 'started');
    for (const l of learners) await l.ctx.close();
    await ictx.close();
    expect(errors).toEqual([]);
  });

  test('a quiz answered while the network is down reaches the store and the live view once it is back; a refused event takes nothing along', async ({
    browser,
  }) => {
    const errors: string[] = [];
    const ictx = await browser.newContext();
    const teacher = await ictx.newPage();
    watchErrors(teacher, errors);
    expect(
      (await teacher.request.post(url('sandbox', '/api/instructor/login'), { data: { password: INSTRUCTOR_PASSWORD } })).status(),
    ).toBe(200);
    const created = await teacher.request.post(url('sandbox', '/api/workshops'), {
      data: { title: 'Offline class', seats: 2, lessons: ['foundations/logical-vs-physical'] },
    });
    const { workshop } = (await created.json()) as { workshop: { id: string; shownCode: string } };
    await teacher.goto(url('sandbox', `/instructor/workshop/?id=${workshop.id}`));
    await expect(teacher.locator('.db-live-status')).toHaveText('Live: updates arrive as learners work.');

    // The learner's own failed loads while offline are what this test provokes.
    const learnerErrors: string[] = [];
    const { ctx, page } = await learner(browser, workshop.shownCode, 'Eve', learnerErrors, 'Offline class');
    const cell = teacher
      .locator('.db-live-table tbody tr', { has: teacher.locator('th', { hasText: 'Eve' }) })
      .locator(`td[data-column="${QUIZ}"]`);
    await expect(cell).toHaveAttribute('data-cell', 'none', { timeout: LIVE_MS });
    await page.goto(url('sandbox', QUIZ_LESSON));
    await expect(page.locator('.db-workshop-title')).toHaveText('Workshop: Offline class · you are Eve');
    const outbox = () =>
      page.evaluate(() =>
        (JSON.parse(localStorage.getItem('drillbook:outbox') ?? '[]') as { id: string; kind: string }[]).map((e) => e.id),
      );
    // The lesson's page view is acknowledged: the queue is empty before the network goes.
    await expect.poll(outbox).toEqual([]);

    await page.waitForFunction(() => customElements.get('db-quiz') !== undefined);
    await ctx.setOffline(true);
    // Ahead of the answer, an event this server will refuse for good (a question the quiz does not
    // have, as a page from an older build of the course could send).
    await page.evaluate((quiz) => {
      const queued = JSON.parse(localStorage.getItem('drillbook:outbox') ?? '[]') as unknown[];
      queued.push({
        kind: 'quiz-answer',
        id: 'stale-question-99',
        at: new Date().toISOString(),
        page: 'x',
        block: quiz,
        question: 98,
        choice: [0],
        correct: true,
      });
      localStorage.setItem('drillbook:outbox', JSON.stringify(queued));
    }, QUIZ);
    await page.locator(`db-quiz#${QUIZ} fieldset.quiz-question`).first().locator('.quiz-option input').nth(1).click();
    // Kept by the page while the network is down; nothing reached the server.
    await expect.poll(async () => (await outbox()).length).toBe(2);
    await page.waitForTimeout(1_500);
    expect((await outbox())[0]).toBe('stale-question-99');
    await expect(cell).toHaveAttribute('data-cell', 'none');

    await ctx.setOffline(false);
    await expect(cell).toHaveAttribute('data-cell', /right|wrong/, { timeout: 10_000 });
    await expect.poll(outbox).toEqual([]);
    // In the store, as the live view rebuilt from it says: the answer given offline, once.
    const live = (await (await teacher.request.get(url('sandbox', `/api/workshops/${workshop.id}/live`))).json()) as {
      rows: { name: string; quizzes: Record<string, Record<string, { choice: number[] }>> }[];
    };
    expect(live.rows.map((r) => [r.name, r.quizzes[QUIZ]])).toEqual([['Eve', { '0': expect.objectContaining({ choice: [1] }) }]]);
    expect(learnerErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    await ctx.close();
    await ictx.close();
    expect(errors).toEqual([]);
  });
});
