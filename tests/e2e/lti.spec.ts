/**
 * An LTI 1.3 launch in Chromium: Drillbook (built site, sandbox mode off, an
 * in-memory store) at http://localhost:PORT and the platform simulator
 * (tests/helpers/lti-platform.ts) at http://127.0.0.1:…, two different
 * sites, so the launch is a real cross-site form post: the state cookie must
 * survive it (SameSite=None; Secure; Partitioned) and the Origin check must
 * let exactly that route through. An instructor places a quiz by deep
 * linking; a learner opens it from the "LMS", answers in the page, and the
 * platform receives the score. Then the same launch shown inside the LMS's
 * frame: the launch page may be framed by the platform, and opens Drillbook
 * in its own window.
 */
import { expect, test } from '@playwright/test';
import { SITES, siteBuilt } from '../../playwright.config.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { loadOrCreateToolKey } from '../../src/lti/keys.ts';
import { parseRegistrations } from '../../src/lti/registrations.ts';
import { LtiService } from '../../src/lti/service.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/index.ts';
import { Instructors } from '../../src/workshops/instructors.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { PlatformSim, ROLE_INSTRUCTOR, ROLE_LEARNER } from '../helpers/lti-platform.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';

const QUIZ = 'foundations-logical-vs-physical-quiz-2';
const LESSON = '/foundations/logical-vs-physical/';
/** The port after the four of playwright.config.ts. */
const PORT = SITES.content.port + 4;
const TOOL = `http://localhost:${PORT}`;

test.describe('LTI 1.3 launch', () => {
  test.skip(!siteBuilt('content'), 'the content site (dist) is not built');
  test.setTimeout(60_000);
  // The framed launch opens the activity the first test placed: when that one fails, the second is not run on its own.
  test.describe.configure({ mode: 'serial' });

  const sim = new PlatformSim();
  let app: FastifyInstance;
  let stop: () => Promise<void>;

  test.beforeAll(async () => {
    await sim.start();
    const store = await openStore({ sqlitePath: ':memory:' });
    const workshops = new WorkshopService({
      store,
      outline: courseOutline(loadCourse('content')),
      manager: null,
      hostCapacity: 0,
      prewarmMs: 0,
      publicOrigin: TOOL,
      base: '/',
    });
    await workshops.start();
    const state = mkdtempSync(join(tmpdir(), 'drillbook-lti-e2e-'));
    const lti = new LtiService({
      store,
      workshops,
      registrations: parseRegistrations(JSON.stringify({ platforms: [sim.registration()] }), 'platforms.json'),
      key: await loadOrCreateToolKey(store.lti, state),
      publicOrigin: TOOL,
      ags: { backoffMs: 100, tickMs: 50 },
    });
    lti.start();
    app = await buildApp({
      config: { siteDir: resolve(SITES.content.dir), secret: 'e2e-lti-secret-0123456789abcdef', allowedOrigins: [] },
      manager: null,
      workshops,
      instructors: await Instructors.load(state, undefined),
      lti,
    });
    await app.listen({ port: PORT, host: '127.0.0.1' });
    sim.trustTool(`${TOOL}/lti/jwks`);
    stop = async () => {
      // The learners' pages keep an event stream open; the test is over, so every connection goes.
      app.server.closeAllConnections();
      await app.close();
      await lti.stop();
      workshops.stop();
      await store.close();
      await sim.stop();
    };
  });
  test.afterAll(async () => {
    await stop?.();
  });

  const login = (hint: string) =>
    `${TOOL}/lti/login?${new URLSearchParams({ iss: sim.issuer, login_hint: hint, target_link_uri: `${TOOL}/lti/launch`, client_id: sim.clientId })}`;

  test('deep linking by the instructor, then a learner launched from the LMS answers and the LMS gets the score', async ({ browser }) => {
    const teacher = await (await browser.newContext()).newPage();
    sim.prepare('teacher', { sub: 'teacher-1', roles: [ROLE_INSTRUCTOR], name: 'Tess', messageType: 'LtiDeepLinkingRequest' });
    await teacher.goto(login('teacher'));
    await expect(teacher.getByRole('heading', { name: 'Place Drillbook activities in Backup and Recovery 101' })).toBeVisible();
    await teacher.locator(`input[value="quiz:${QUIZ}"]`).check();
    await teacher.getByRole('button', { name: 'Place in the course' }).click();
    await expect(teacher.getByRole('heading', { name: 'Ready to place 1 activity' })).toBeVisible();
    // A form to the platform (another site): allowed by this page's form-action, and by no other page's.
    await teacher.getByRole('button', { name: 'Return to Test LMS' }).click();
    await expect(teacher.locator('body')).toHaveText('placed 1');
    expect(sim.placed).toHaveLength(1);

    const context = await browser.newContext();
    const ana = await context.newPage();
    const errors: string[] = [];
    ana.on('pageerror', (e) => errors.push(e.message));
    sim.prepare('ana', { sub: 'lms-ana', roles: [ROLE_LEARNER], name: 'Ana Lima', link: sim.placed[0]! });
    await ana.goto(login('ana'));
    await expect(ana).toHaveURL(`${TOOL}${LESSON}#${QUIZ}`);
    const cookies = await context.cookies(TOOL);
    expect(cookies.find((c) => c.name === 'drillbook_learner')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The state cookie was spent with the launch.
    expect(cookies.filter((c) => c.name.startsWith('drillbook_lti_state'))).toEqual([]);
    // As a learner would, answer once the page works: the quiz is upgraded and the results client knows this server
    // keeps results (html[data-results]). On a loaded machine a click before that only checks the radio (no answer).
    await ana.waitForFunction(() => customElements.get('db-quiz') !== undefined);
    await expect(ana.locator('html')).toHaveAttribute('data-results', 'on', { timeout: 15_000 });
    // Question 1's right answer is its first option.
    await ana.locator(`db-quiz#${QUIZ} fieldset.quiz-question`).first().locator('.quiz-option input').nth(0).click();
    await expect.poll(() => sim.scores.length, { timeout: 10_000 }).toBe(1);
    expect(sim.scores[0]).toMatchObject({
      userId: 'lms-ana',
      scoreGiven: 1,
      scoreMaximum: 4,
      activityProgress: 'InProgress',
      gradingProgress: 'FullyGraded',
      lineitem: sim.placed[0]!.lineitem,
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('framed by the LMS: the launch page shows in the frame and opens Drillbook in its own window', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    sim.prepare('bo', { sub: 'lms-bo', roles: [ROLE_LEARNER], name: 'Bo', link: sim.placed[0]!, documentTarget: 'iframe' });
    await page.goto(`${sim.origin}/frame?src=${encodeURIComponent(login('bo'))}`);
    const frame = page.frameLocator('iframe');
    const open = frame.getByRole('link', { name: 'Open in Drillbook' });
    await expect(open).toBeVisible();
    const [popup] = await Promise.all([page.waitForEvent('popup'), open.click()]);
    await expect(popup).toHaveURL(`${TOOL}${LESSON}#${QUIZ}`);
    await expect(popup.locator(`db-quiz#${QUIZ}`)).toBeVisible();
    await context.close();
  });
});
