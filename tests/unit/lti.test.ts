/**
 * LTI 1.3 end to end against a platform simulator (tests/helpers/lti-platform.ts):
 * both run as real HTTP servers on 127.0.0.1, the tool with an in-memory SQLite
 * store. The happy path (login → launch → deep link → answer → score), every
 * rejection with its error page and nothing recorded, and scores queued while
 * the platform is down arriving once it is back.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { renderGradebook } from '../../src/exports/gradebook.ts';
import { loadOrCreateToolKey } from '../../src/lti/keys.ts';
import { escapeHtml as esc } from '../../src/lesson/escape.ts';
import { parseRegistrations } from '../../src/lti/registrations.ts';
import { LtiService } from '../../src/lti/service.ts';
import { serverErrorMessage } from '../../src/protocol/errors.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createDatabase } from '../../src/store/pg-cluster.ts';
import { testPostgres } from '../helpers/pg.ts';
import { Instructors } from '../../src/workshops/instructors.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { Browser, formOf, PlatformSim, ROLE_INSTRUCTOR, ROLE_LEARNER, type LaunchSpec } from '../helpers/lti-platform.ts';

const outline = courseOutline(loadCourse('content'));
const QUIZ = 'foundations-logical-vs-physical-quiz-2';
const LAB = 'backup-rotation';
const quiz = outline.blocks.get(QUIZ);
if (quiz?.type !== 'quiz') throw new Error(`the course has no quiz ${QUIZ}`);
const QUESTIONS = quiz.questions.length; // 4

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

async function setup(opts: { sim?: PlatformSim; state?: string; sqlitePath?: string; databaseUrl?: string } = {}) {
  let sim = opts.sim;
  if (!sim) {
    const made = new PlatformSim();
    await made.start();
    closers.push(() => made.stop());
    sim = made;
  }
  const platform: PlatformSim = sim;
  const state = opts.state ?? mkdtempSync(join(tmpdir(), 'drillbook-lti-'));
  const store = await openStore(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : { sqlitePath: opts.sqlitePath ?? ':memory:' });
  const workshops = new WorkshopService({
    store,
    outline,
    manager: null,
    hostCapacity: 4,
    prewarmMs: 600_000,
    publicOrigin: 'http://127.0.0.1',
    base: '/',
  });
  await workshops.start();
  const port = await freePort();
  const tool = `http://127.0.0.1:${port}`;
  const key = await loadOrCreateToolKey(store.lti, state);
  const registrations = parseRegistrations(JSON.stringify({ platforms: [platform.registration()] }), 'platforms.json');
  const lti = new LtiService({
    store,
    workshops,
    registrations,
    key,
    publicOrigin: tool,
    ags: { backoffMs: 40, maxBackoffMs: 200, tickMs: 20 },
  });
  lti.start();
  const app = await buildApp({
    config: { siteDir: join(state, 'site'), secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
    manager: null,
    workshops,
    instructors: await Instructors.load(state, undefined),
    lti,
  });
  await app.listen({ port, host: '127.0.0.1' });
  const own: (() => Promise<unknown>)[] = [() => store.close(), async () => workshops.stop(), () => lti.stop(), () => app.close()];
  closers.push(...own);
  /** Stops this tool server (as a restart would), leaving the platform running. */
  const stopTool = async () => {
    for (const c of own.reverse()) {
      await c();
      closers.splice(closers.indexOf(c), 1);
    }
  };
  platform.trustTool(`${tool}/lti/jwks`);

  /** One launch as a browser would make it: login at the tool, authorise at the platform, post the form back. */
  async function launch(browser: Browser, hint: string, spec: LaunchSpec, mutate?: (fields: Record<string, string>) => void) {
    platform.prepare(hint, spec);
    const q = new URLSearchParams({
      iss: platform.issuer,
      login_hint: hint,
      target_link_uri: `${tool}/lti/launch`,
      client_id: platform.clientId,
    });
    const login = await browser.get(`${tool}/lti/login?${q}`);
    expect(login.status).toBe(302);
    const auth = await browser.get(login.headers.get('location')!);
    expect(auth.status).toBe(200);
    const form = formOf(await auth.text());
    mutate?.(form.fields);
    return browser.post(form.action, form.fields, platform.origin);
  }

  async function counts(s: Store) {
    const n = async (t: 'lti_users' | 'lti_contexts' | 'workshops' | 'workshop_members' | 'events' | 'lti_placements' | 'lti_scores') =>
      Number(
        (
          await s.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      users: await n('lti_users'),
      contexts: await n('lti_contexts'),
      workshops: await n('workshops'),
      members: await n('workshop_members'),
      placements: await n('lti_placements'),
      scores: await n('lti_scores'),
    };
  }

  /** The instructor places the quiz and the lab through deep linking; returns the platform's new links. */
  async function placeQuizAndLab() {
    const teacher = new Browser();
    const picker = await launch(teacher, 'teacher', {
      sub: 'teacher-1',
      roles: [ROLE_INSTRUCTOR],
      name: 'Tess Teacher',
      messageType: 'LtiDeepLinkingRequest',
    });
    expect(picker.status).toBe(200);
    const page = await picker.text();
    expect(page).toContain('Place Drillbook activities in Backup and Recovery 101');
    expect(page).toContain(`value="quiz:${QUIZ}"`);
    const session = formOf(page).fields['session']!;
    const back = await teacher.post(`${tool}/lti/deep-link`, { session, items: [`quiz:${QUIZ}`, `lab:${LAB}`] }, tool);
    expect(back.status).toBe(200);
    const csp = back.headers.get('content-security-policy')!;
    expect(csp).toContain(`form-action 'self' ${platform.origin}`);
    expect(csp).toContain(`frame-ancestors 'self' ${platform.origin}`);
    const ret = formOf(await back.text());
    expect(ret.action).toBe(`${platform.origin}/deep-link-return`);
    const placed = await teacher.post(ret.action, ret.fields, tool);
    expect(placed.status).toBe(200);
    return platform.placed;
  }

  return { sim: platform, store, workshops, lti, app, tool, state, launch, counts, placeQuizAndLab, stopTool };
}

const answer = (id: string, question: number, choice: number[]) => ({
  kind: 'quiz-answer' as const,
  id,
  at: new Date().toISOString(),
  page: outline.blocks.get(QUIZ)!.lesson,
  block: QUIZ,
  question,
  choice,
  correct: true,
});
const questionOf = (q: number) => {
  if (quiz.type !== 'quiz') throw new Error('not a quiz');
  return quiz.questions[q]!;
};
const rightChoice = (q: number) => questionOf(q).correct;
const wrongChoice = (q: number) => {
  const c = questionOf(q);
  return [c.options.findIndex((_o, i) => !c.correct.includes(i))];
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LTI 1.3 happy path', { timeout: 20_000 }, () => {
  it('login → deep link → learner launch → answers → the platform receives the partial-credit score', async () => {
    const { sim, store, lti, tool, launch, placeQuizAndLab, state, workshops } = await setup();
    // The key is kept in the store (shared by every server on it), not in a file of this server.
    expect(existsSync(join(state, 'lti-key.json'))).toBe(false);
    expect(JSON.parse((await store.lti.toolKey())!)).toMatchObject({ kid: lti.key.kid, kty: 'RSA' });
    const jwks = await (await fetch(`${tool}/lti/jwks`)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: lti.key.kid });
    expect(jwks.keys[0].d).toBeUndefined();

    const placed = await placeQuizAndLab();
    expect(placed.map((p) => p.custom['drillbook_target'])).toEqual([`quiz:${QUIZ}`, `lab:${LAB}`]);
    const lab = outline.blocks.get(LAB)!;
    expect([...sim.lineItems.values()].map((l) => l.scoreMaximum)).toEqual([QUESTIONS, lab.type === 'lab' ? lab.checks.length : -1]);

    const ana = new Browser();
    const opened = await launch(ana, 'ana', {
      sub: 'lms-user-ana',
      roles: [ROLE_LEARNER],
      name: 'Ana Lima',
      email: 'ana@example.edu',
      sourcedid: 'SIS-0042',
      // What a Canvas developer key with the custom field canvas_user_id=$Canvas.user.id sends.
      custom: { canvas_user_id: '4821' },
      link: placed[0]!,
    });
    expect(opened.status).toBe(200);
    // The launch page may be framed by the platform only; its own CSP says so, and no X-Frame-Options forbids it.
    expect(opened.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${sim.origin}`);
    expect(opened.headers.get('x-frame-options')).toBeNull();
    const html = await opened.text();
    const go = /url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(html)?.[1];
    expect(go).toBeDefined();
    // Another browser cannot use this browser's link (it is bound by a cookie set with the page), and the
    // refusal does not spend it; the right browser uses it once.
    const stranger = await new Browser().get(`${tool}${go}`);
    expect(stranger.status).toBe(404);
    expect(await stranger.text()).toContain('data-error="LtiLinkInvalid"');
    const landed = await ana.get(`${tool}${go}`);
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe(`/${quiz.lesson}/#${QUIZ}`);
    expect(ana.has('drillbook_learner')).toBe(true);
    expect((await ana.get(`${tool}${go}`)).status).toBe(404);

    const me = await (await ana.get(`${tool}/api/me`)).json();
    expect(me.workshop).toMatchObject({ title: 'Backup and Recovery 101', name: 'Ana Lima' });

    // Question 1 right: partial credit 1 of 4, in progress.
    const r1 = await ana.postJson(`${tool}/api/events`, { events: [answer('ans-0000001', 0, rightChoice(0))] }, tool);
    expect(r1.status).toBe(200);
    await lti.settled();
    await until('the first score', () => sim.scores.length >= 1);
    // Question 2 wrong, 3 and 4 right (one batch): 3 of 4, every question answered.
    const r2 = await ana.postJson(
      `${tool}/api/events`,
      {
        events: [
          answer('ans-0000002', 1, wrongChoice(1)),
          answer('ans-0000003', 2, rightChoice(2)),
          answer('ans-0000004', 3, rightChoice(3)),
        ],
      },
      tool,
    );
    expect(r2.status).toBe(200);
    await lti.settled();
    await until('the second score', () => sim.scores.length >= 2);
    const common = { lineitem: placed[0]!.lineitem, userId: 'lms-user-ana', scoreMaximum: 4, gradingProgress: 'FullyGraded' };
    expect(sim.scores.map(({ timestamp: _t, ...s }) => s)).toEqual([
      { ...common, scoreGiven: 1, activityProgress: 'InProgress' },
      { ...common, scoreGiven: 3, activityProgress: 'Completed' },
    ]);
    expect(Date.parse(sim.scores[1]!.timestamp)).toBeGreaterThanOrEqual(Date.parse(sim.scores[0]!.timestamp));
    // A second try at question 2 does not change the score under the default policy (the first answer counts): nothing sent.
    await ana.postJson(`${tool}/api/events`, { events: [answer('ans-0000005', 1, rightChoice(1))] }, tool);
    await lti.settled();
    expect(sim.scores).toHaveLength(2);

    // The gradebook sees the LMS identity.
    const workshop = (await store.workshops.list())[0]!;
    const ids = await store.lti.lmsIdentities(workshop.id);
    expect([...ids.values()]).toEqual([
      { lmsUserId: 'lms-user-ana', sisId: 'SIS-0042', canvasUserId: '4821', email: 'ana@example.edu', name: 'Ana Lima' },
    ]);
    // ... and the grade export of the LMS course's workshop carries it.
    const book = await workshops.gradebookOf(workshop, 'first');
    const row = book.rows.find((r) => r.identity.lmsUserId === 'lms-user-ana');
    expect(row).toMatchObject({ identity: { lmsUserId: 'lms-user-ana', sisId: 'SIS-0042', email: 'ana@example.edu' } });
    // Canvas's import matches its numeric user id in ID (not the LTI sub).
    const canvas = renderGradebook(book, 'canvas-csv').body.split('\r\n');
    expect(canvas.find((l) => l.startsWith('"Ana Lima"'))).toMatch(/^"Ana Lima","4821","SIS-0042","",""/);
    expect((await store.lti.scores()).every((s) => s.state === 'sent')).toBe(true);

    // The LMS course's workshop (1000 seats, no end) holds none of the host's capacity for live workshops.
    const live = await workshops.create('ana', { title: 'Live class', seats: 3, lessons: [] });
    expect(live.capacity).toEqual({ canHold: 4, note: null });
  });

  it('a lab attempt sends checks passed out of checks, for the lab placement', async () => {
    const { sim, store, workshops, lti, launch, placeQuizAndLab, tool } = await setup();
    const placed = await placeQuizAndLab();
    const bo = new Browser();
    const opened = await launch(bo, 'bo', { sub: 'lms-user-bo', roles: [ROLE_LEARNER], name: 'Bo', link: placed[1]! });
    await bo.get(`${tool}${/url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(await opened.text())![1]}`);
    const learner = (await store.lti.user(sim.issuer, 'lms-user-bo'))!.learner;
    const lab = outline.blocks.get(LAB)!;
    if (lab.type !== 'lab') throw new Error('not a lab');
    const checks = lab.checks.map((c, i) => ({
      id: c.id,
      status: (i === 0 ? 'passed' : 'not-yet') as 'passed' | 'not-yet',
      message: '',
      ms: 1,
      ran: true,
    }));
    workshops.attempted(await store.results.recordAttempt(learner, LAB, checks, true, workshops.workshopOf(learner)));
    await lti.settled();
    await until('a lab score', () => sim.scores.length >= 1);
    expect(sim.scores[0]).toMatchObject({
      lineitem: placed[1]!.lineitem,
      userId: 'lms-user-bo',
      scoreGiven: 1,
      scoreMaximum: lab.checks.length,
      activityProgress: lab.checks.length === 1 ? 'Completed' : 'InProgress',
    });
  });
});

describe('LTI 1.3 rejections: an error page naming the problem, nothing recorded', () => {
  const learnerSpec = (tamper: LaunchSpec['tamper']): LaunchSpec => ({ sub: 'mallory', roles: [ROLE_INSTRUCTOR], name: 'M', tamper });
  const cases: [string, LaunchSpec['tamper'], string, string][] = [
    ['bad signature', { rogueKey: true }, 'LtiBadSignature', serverErrorMessage('LtiBadSignature', 'Test LMS')],
    [
      'wrong audience',
      { aud: 'some-other-tool' },
      'LtiWrongAudience',
      serverErrorMessage(
        'LtiWrongAudience',
        'its aud is "some-other-tool", not the client ID drillbook-test-client registered for Test LMS',
      ),
    ],
    ['expired token', { expired: true }, 'LtiTokenExpired', serverErrorMessage('LtiTokenExpired', 'past its exp time')],
    [
      'unknown deployment',
      { deployment: 'deployment-9' },
      'LtiUnknownDeployment',
      serverErrorMessage('LtiUnknownDeployment', 'deployment-9', 'Test LMS'),
    ],
    [
      'wrong message type',
      { messageType: 'LtiSubmissionReviewRequest' },
      'LtiWrongMessageType',
      serverErrorMessage('LtiWrongMessageType', 'LtiSubmissionReviewRequest'),
    ],
  ];
  const other = 'https://lms.other.example';
  cases.push(
    [
      'azp naming another client',
      { aud: ['drillbook-test-client', 'another-tool'], azp: 'another-tool' },
      'LtiWrongAudience',
      serverErrorMessage('LtiWrongAudience', 'its azp is "another-tool", not the client ID drillbook-test-client registered for Test LMS'),
    ],
    [
      'several audiences and no azp',
      { aud: ['drillbook-test-client', 'another-tool'] },
      'LtiWrongAudience',
      serverErrorMessage(
        'LtiWrongAudience',
        'it names several audiences (drillbook-test-client, another-tool) and no azp saying which is us',
      ),
    ],
    [
      'iat in the future (beyond the allowed clock skew)',
      { iatAheadS: 600 },
      'LtiBadToken',
      serverErrorMessage('LtiBadToken', 'its iat is in the future (check the clocks of the LMS and this server)'),
    ],
    [
      'wrong LTI version',
      { version: '1.1.0' },
      'LtiBadToken',
      serverErrorMessage('LtiBadToken', 'its LTI version is "1.1.0", not "1.3.0"'),
    ],
    // The login named this platform; the token claims to come from another one.
    ['wrong iss', { iss: other }, 'LtiBadToken', serverErrorMessage('LtiBadToken', `its iss is "${other}", not ISSUER`)],
  );
  for (const [what, tamper, name, message] of cases)
    it(what, async () => {
      const { sim, store, launch, counts } = await setup();
      const res = await launch(new Browser(), 'm', learnerSpec(tamper));
      const body = await res.text();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(body).toContain(`data-error="${name}"`);
      expect(body).toContain(esc(message.replace('ISSUER', sim.issuer)));
      expect(await counts(store)).toEqual({ users: 0, contexts: 0, workshops: 0, members: 0, placements: 0, scores: 0 });
    });

  it('replayed nonce: the same id_token posted again (same or new state) is refused, and records nothing more', async () => {
    const { sim, store, launch, counts, tool } = await setup();
    const first = new Browser();
    const ok = await launch(first, 't', { sub: 'teacher-1', roles: [ROLE_INSTRUCTOR] });
    expect(ok.status).toBe(200);
    const token = sim.lastIdToken;
    const before = await counts(store);
    // Replayed as it was (same state and cookie):
    const { fields } = { fields: { id_token: token } as Record<string, string> };
    // A new login in another browser, then the captured token posted with that login's state.
    const other = new Browser();
    const again = await launch(other, 't2', { sub: 'teacher-1', roles: [ROLE_INSTRUCTOR] }, (f) => {
      f['id_token'] = fields['id_token']!;
    });
    const body = await again.text();
    expect(again.status).toBe(401);
    expect(body).toContain('data-error="LtiNonceReplayed"');
    expect(body).toContain(esc(serverErrorMessage('LtiNonceReplayed')));
    expect(await counts(store)).toEqual(before);
    void tool;
  });

  it("two instructors' first launches of one course at the same moment make one workshop", async () => {
    const { sim, tool, store, counts } = await setup();
    // Both logins and authorisations first, then both launches posted at once.
    const ready = [];
    for (const hint of ['co-1', 'co-2']) {
      const b = new Browser();
      sim.prepare(hint, { sub: hint, roles: [ROLE_INSTRUCTOR] });
      const q = new URLSearchParams({ iss: sim.issuer, login_hint: hint, target_link_uri: `${tool}/lti/launch` });
      const login = await b.get(`${tool}/lti/login?${q}`);
      ready.push({ b, form: formOf(await (await b.get(login.headers.get('location')!)).text()) });
    }
    const both = await Promise.all(ready.map(({ b, form }) => b.post(form.action, form.fields, sim.origin)));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(await counts(store)).toMatchObject({ workshops: 1, contexts: 1, users: 2 });
  });

  it('two launches under way in one browser at once (two tabs) both succeed', async () => {
    const { sim, tool, store } = await setup();
    const b = new Browser();
    const forms = [];
    for (const hint of ['tab-1', 'tab-2']) {
      sim.prepare(hint, { sub: `teacher-${hint}`, roles: [ROLE_INSTRUCTOR] });
      const q = new URLSearchParams({ iss: sim.issuer, login_hint: hint, target_link_uri: `${tool}/lti/launch` });
      const login = await b.get(`${tool}/lti/login?${q}`);
      forms.push(formOf(await (await b.get(login.headers.get('location')!)).text()));
    }
    for (const f of forms) expect((await b.post(f.action, f.fields, sim.origin)).status).toBe(200);
    expect((await store.lti.user(sim.issuer, 'teacher-tab-1'))?.learner).toBeDefined();
  });

  it('a launch without the state cookie of its login (another browser) is refused', async () => {
    const { sim, store, launch, counts, tool } = await setup();
    sim.prepare('x', { sub: 'x', roles: [ROLE_INSTRUCTOR] });
    const a = new Browser();
    const res = await launch(a, 'x', { sub: 'x', roles: [ROLE_INSTRUCTOR] });
    expect(res.status).toBe(200);
    const replayForm = { id_token: sim.lastIdToken, state: 'made-up-state' };
    const res2 = await new Browser().post(`${tool}/lti/launch`, replayForm, sim.origin);
    expect(res2.status).toBe(401);
    expect(await res2.text()).toContain('data-error="LtiStateMismatch"');
    expect((await counts(store)).users).toBe(1);
  });

  it('a learner cannot open a course whose instructor has not yet launched, and cannot deep link', async () => {
    const { store, launch, counts } = await setup();
    const r = await launch(new Browser(), 'l', { sub: 'l', roles: [ROLE_LEARNER] });
    expect(r.status).toBe(409);
    expect(await r.text()).toContain(esc(serverErrorMessage('LtiCourseNotReady', 'Backup and Recovery 101')));
    const d = await launch(new Browser(), 'l2', { sub: 'l', roles: [ROLE_LEARNER], messageType: 'LtiDeepLinkingRequest' });
    expect(d.status).toBe(403);
    expect(await d.text()).toContain('data-error="LtiInstructorsOnly"');
    expect(await counts(store)).toEqual({ users: 0, contexts: 0, workshops: 0, members: 0, placements: 0, scores: 0 });
  });

  it('an unknown platform at login gets the error page; the Origin check still guards every other route', async () => {
    const { tool } = await setup();
    const r = await fetch(`${tool}/lti/login?iss=https://evil.example&login_hint=x&target_link_uri=x`, { redirect: 'manual' });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain(esc(serverErrorMessage('LtiUnknownPlatform', 'https://evil.example')));
    const dl = await fetch(`${tool}/lti/deep-link`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'session=abc',
    });
    expect(dl.status).toBe(403);
    expect(await dl.text()).toContain('OriginRejected');
  });
});

describe('the state cookie and the AGS queue', { timeout: 20_000 }, () => {
  it('the state cookie survives the cross-site form post (SameSite=None; Secure; Partitioned), on /lti/ only', async () => {
    const { sim, tool } = await setup();
    sim.prepare('t', { sub: 't', roles: [ROLE_INSTRUCTOR] });
    const q = new URLSearchParams({ iss: sim.issuer, login_hint: 't', target_link_uri: `${tool}/lti/launch` });
    const r = await fetch(`${tool}/lti/login?${q}`, { redirect: 'manual' });
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('drillbook_lti_state_'))!;
    expect(cookie).toMatch(/; Max-Age=600/);
    expect(cookie).toMatch(/; Path=\/lti\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=None/);
    expect(cookie).toMatch(/; Partitioned/);
    const to = new URL(r.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(`${sim.origin}/auth`);
    expect(to.searchParams.get('redirect_uri')).toBe(`${tool}/lti/launch`);
  });

  it('a revoked access token is replaced and the score sent; a score the platform refuses for good is kept as rejected and does not block the next', async () => {
    const { sim, store, lti, launch, placeQuizAndLab, tool } = await setup();
    const placed = await placeQuizAndLab();
    const ana = new Browser();
    const opened = await launch(ana, 'ana', { sub: 'lms-user-ana', roles: [ROLE_LEARNER], name: 'Ana', link: placed[0]! });
    await ana.get(`${tool}${/url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(await opened.text())![1]}`);
    await ana.postJson(`${tool}/api/events`, { events: [answer('rv-0000001', 0, rightChoice(0))] }, tool);
    await lti.settled();
    await until('the first score', () => sim.scores.length >= 1);
    sim.revokeTokens();
    await ana.postJson(`${tool}/api/events`, { events: [answer('rv-0000002', 1, rightChoice(1))] }, tool);
    await until('the second score', () => sim.scores.length >= 2);
    await until('the second score marked sent', async () => (await store.lti.scores())[1]?.state === 'sent');
    const second = (await store.lti.scores())[1]!;
    // One failed try (401 with the revoked token), then sent with a new token.
    expect([second.state, second.attempts, second.scoreGiven]).toEqual(['sent', 1, 2]);
    // The platform deletes the grade column: 404 is final.
    const li = new URL(placed[0]!.lineitem!).pathname.split('/').pop()!;
    const column = sim.lineItems.get(li)!;
    sim.lineItems.delete(li);
    await ana.postJson(`${tool}/api/events`, { events: [answer('rv-0000003', 2, rightChoice(2))] }, tool);
    await until('the refusal', async () => (await store.lti.scores())[2]?.state === 'rejected');
    expect((await store.lti.scores())[2]!.lastError).toBe('the platform answered 404: no such line item');
    sim.lineItems.set(li, column);
    await ana.postJson(`${tool}/api/events`, { events: [answer('rv-0000004', 3, rightChoice(3))] }, tool);
    await until('the fourth score', () => sim.scores.length >= 3);
    expect(sim.scores.map((s) => s.scoreGiven)).toEqual([1, 2, 4]);
  });

  it('scores queued while the platform is down survive a restart of the tool and arrive once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-lti-restart-'));
    const file = join(dir, 'results.sqlite');
    const first = await setup({ state: dir, sqlitePath: file });
    const { sim } = first;
    const placed = await first.placeQuizAndLab();
    const ana = new Browser();
    const opened = await first.launch(ana, 'ana', { sub: 'lms-user-ana', roles: [ROLE_LEARNER], name: 'Ana', link: placed[0]! });
    await ana.get(`${first.tool}${/url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(await opened.text())![1]}`);
    sim.down = true;
    await ana.postJson(`${first.tool}/api/events`, { events: [answer('rs-0000001', 0, rightChoice(0))] }, first.tool);
    await first.lti.settled();
    await until('a refused try', () => sim.refused >= 1);
    const kid = first.lti.key.kid;
    await first.stopTool();
    sim.down = false;
    const second = await setup({ sim, state: dir, sqlitePath: file });
    expect(second.lti.key.kid).toBe(kid);
    await until('the score sent after the restart', () => sim.scores.length >= 1);
    expect(sim.scores.map((s) => [s.userId, s.scoreGiven, s.scoreMaximum])).toEqual([['lms-user-ana', 1, 4]]);
  });

  it('one LMS user in two courses: each launch makes that course the workshop their results go to', async () => {
    const { sim, store, workshops, launch } = await setup();
    const c1 = { id: 'course-1', title: 'Course one' };
    const c2 = { id: 'course-2', title: 'Course two' };
    for (const [i, context] of [c1, c2].entries())
      await launch(new Browser(), `t${i}`, { sub: 'teacher', roles: [ROLE_INSTRUCTOR], context });
    const byTitle = new Map((await store.workshops.list()).map((w) => [w.title, w.id]));
    const cy = new Browser();
    await launch(cy, 'c1', { sub: 'cy', roles: [ROLE_LEARNER], name: 'Cy', context: c1 });
    const learner = (await store.lti.user(sim.issuer, 'cy'))!.learner;
    expect(workshops.workshopOf(learner)).toBe(byTitle.get('Course one'));
    await launch(cy, 'c2', { sub: 'cy', roles: [ROLE_LEARNER], name: 'Cy', context: c2 });
    expect(workshops.workshopOf(learner)).toBe(byTitle.get('Course two'));
    await launch(cy, 'c1b', { sub: 'cy', roles: [ROLE_LEARNER], name: 'Cy', context: c1 });
    expect(workshops.workshopOf(learner)).toBe(byTitle.get('Course one'));
    // Still one learner, one seat in each course; another LMS user with the same name is told apart.
    await launch(new Browser(), 'c3', { sub: 'another-cy', roles: [ROLE_LEARNER], name: 'Cy', context: c1 });
    expect((await store.workshops.members(byTitle.get('Course one')!)).map((m) => m.name)).toEqual(['Cy', 'Cy (2)']);
    expect((await store.workshops.memberships(learner)).length).toBe(2);
  });

  it('work done before a link was known is scored when the learner first opens that link', async () => {
    const { sim, lti, launch, placeQuizAndLab, tool } = await setup();
    const placed = await placeQuizAndLab();
    const bo = new Browser();
    // Bo comes in through the lab's link and answers the quiz, whose link nobody has opened: its line item is not known yet.
    const viaLab = await launch(bo, 'bo-1', { sub: 'lms-user-bo', roles: [ROLE_LEARNER], name: 'Bo', link: placed[1]! });
    await bo.get(`${tool}${/url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(await viaLab.text())![1]}`);
    await bo.postJson(
      `${tool}/api/events`,
      { events: [answer('bo-0000001', 0, rightChoice(0)), answer('bo-0000002', 1, rightChoice(1))] },
      tool,
    );
    await lti.settled();
    expect(sim.scores).toEqual([]);
    await launch(bo, 'bo-2', { sub: 'lms-user-bo', roles: [ROLE_LEARNER], name: 'Bo', link: placed[0]! });
    await lti.settled();
    await until('the quiz score', () => sim.scores.length >= 1);
    expect(sim.scores.map((s) => [s.lineitem, s.userId, s.scoreGiven, s.scoreMaximum])).toEqual([
      [placed[0]!.lineitem, 'lms-user-bo', 2, 4],
    ]);
  });

  it('scores made while the platform is down wait in the store and arrive once it is back, in order, once each', async () => {
    const { sim, store, lti, launch, placeQuizAndLab, tool } = await setup();
    const placed = await placeQuizAndLab();
    const ana = new Browser();
    const opened = await launch(ana, 'ana', { sub: 'lms-user-ana', roles: [ROLE_LEARNER], name: 'Ana', link: placed[0]! });
    await ana.get(`${tool}${/url=(\/lti\/go\/[A-Za-z0-9_-]+)/.exec(await opened.text())![1]}`);
    sim.down = true;
    await ana.postJson(`${tool}/api/events`, { events: [answer('dn-0000001', 0, rightChoice(0))] }, tool);
    await lti.settled();
    await until('a refused try', () => sim.refused >= 2);
    await ana.postJson(`${tool}/api/events`, { events: [answer('dn-0000002', 1, rightChoice(1))] }, tool);
    await lti.settled();
    const waiting = await store.lti.scores();
    expect(waiting.map((s) => [s.state, s.scoreGiven])).toEqual([
      ['queued', 1],
      ['queued', 2],
    ]);
    expect(waiting[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(waiting[0]!.lastError).toMatch(/503/);
    expect(sim.scores).toEqual([]);
    sim.down = false;
    await until('both scores', () => sim.scores.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.scores.map((s) => s.scoreGiven)).toEqual([1, 2]);
    expect((await store.lti.scores()).map((s) => s.state)).toEqual(['sent', 'sent']);
  });
});

describe.each(['sqlite', 'postgres'] as const)('several servers on one %s store share the AGS queue', (engine) => {
  const pgBase = testPostgres(() => engine === 'postgres');

  it(
    'two tools with their own state dirs share one key and drain one queue: every score reaches the platform once, in order per (line item, user)',
    { timeout: 30_000 },
    async () => {
      const sim = new PlatformSim();
      await sim.start();
      closers.push(() => sim.stop());
      const dir = mkdtempSync(join(tmpdir(), 'drillbook-lti-two-'));
      const where =
        engine === 'postgres'
          ? { databaseUrl: await createDatabase(pgBase(), `drillbook_lti_two_${process.pid}`) }
          : { sqlitePath: join(dir, 'results.sqlite') };
      const a = await setup({ sim, state: mkdtempSync(join(tmpdir(), 'drillbook-lti-a-')), ...where });
      const b = await setup({ sim, state: mkdtempSync(join(tmpdir(), 'drillbook-lti-b-')), ...where });
      // One key for both: the same JWKS whichever server answers, and what A signs verifies with
      // what B publishes (the platform now trusts B's /lti/jwks: setup made it so last).
      expect(b.lti.key.kid).toBe(a.lti.key.kid);
      const jwks = async (tool: string) => (await fetch(`${tool}/lti/jwks`)).json();
      expect(await jwks(b.tool)).toEqual(await jwks(a.tool));
      expect(await a.placeQuizAndLab()).toHaveLength(2);
      sim.down = true;
      const lineitems = [...sim.lineItems.keys()].map((li) => `${sim.origin}/lineitems/${li}`);
      // 2 line items × 6 users × 3 scores each, queued in turn (as results of a class would be).
      const made: { lineitem: string; userId: string; scoreGiven: number }[] = [];
      for (let round = 1; round <= 3; round++)
        for (const lineitem of lineitems)
          for (let u = 1; u <= 6; u++) {
            const s = { lineitem, userId: `user-${u}`, scoreGiven: round * 3 + u };
            made.push(s);
            await a.store.lti.enqueue({
              ...s,
              issuer: sim.issuer,
              clientId: sim.clientId,
              learner: `learner-${u}`,
              scoreMaximum: 10,
              activityProgress: 'InProgress',
              gradingProgress: 'FullyGraded',
            });
          }
      // Both senders keep trying while the platform is down; then it answers, slowly.
      await until('tries from both servers', () => sim.refused >= 6);
      sim.scoreDelayMs = 15;
      sim.down = false;
      await until('every score', () => sim.scores.length >= made.length, 15_000);
      await a.lti.settled();
      await b.lti.settled();
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.scores).toHaveLength(made.length);
      expect(sim.overlaps).toBe(0);
      const key = (s: { lineitem: string; userId: string }) => `${s.lineitem} ${s.userId}`;
      const order = (xs: { lineitem: string; userId: string; scoreGiven: number }[]) => {
        const m = new Map<string, number[]>();
        for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x.scoreGiven]);
        return Object.fromEntries([...m].sort());
      };
      expect(order(sim.scores)).toEqual(order(made));
      expect(new Set((await a.store.lti.scores()).map((s) => s.state))).toEqual(new Set(['sent']));
    },
  );
});

describe('LTI forms are read by their zod schemas', () => {
  it('a field that is not text is a BadRequest page naming it; a missing one is still the LTI check it fails', async () => {
    const { tool, sim, store, counts } = await setup();
    const post = (path: string, body: string, type: string) =>
      fetch(`${tool}${path}`, { method: 'POST', headers: { origin: sim.origin, 'content-type': type }, body, redirect: 'manual' });
    const bad = await post('/lti/launch', JSON.stringify({ id_token: 12345, state: 'abc' }), 'application/json');
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain('data-error="BadRequest"');
    expect(page).toContain(esc(serverErrorMessage('BadRequest', 'body.id_token: must be text')));
    const empty = await post('/lti/launch', '', 'application/x-www-form-urlencoded');
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain(esc(serverErrorMessage('LtiBadToken', 'the form has no id_token')));
    const login = await post(
      '/lti/login',
      new URLSearchParams({ iss: sim.issuer, login_hint: 'x' }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(await login.text()).toContain(esc(serverErrorMessage('LtiLoginInvalid', 'the parameter target_link_uri is missing')));
    // A field sent twice: the first value counts, as a form reader would take it.
    sim.prepare('twice', { sub: 't', roles: [ROLE_INSTRUCTOR] });
    const q = `iss=${encodeURIComponent(sim.issuer)}&login_hint=twice&login_hint=other&target_link_uri=${encodeURIComponent(`${tool}/lti/launch`)}`;
    const twice = await fetch(`${tool}/lti/login?${q}`, { redirect: 'manual' });
    expect(twice.status).toBe(302);
    expect(new URL(twice.headers.get('location')!).searchParams.get('login_hint')).toBe('twice');
    expect(await counts(store)).toEqual({ users: 0, contexts: 0, workshops: 0, members: 0, placements: 0, scores: 0 });
  });
});
