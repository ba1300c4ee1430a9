/**
 * Workshops and results over HTTP with the fake sandbox driver and an
 * in-memory SQLite store (the store itself is tested on both engines in
 * store.test.ts; the browser flow in tests/e2e/workshop.spec.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { labCell } from '../../src/client/live-cells.ts';
import type { LearnerMessage, LiveMessage } from '../../src/protocol/workshops.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { Instructors } from '../../src/workshops/instructors.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { FakeDriver } from './fake-driver.ts';

const outline = courseOutline(loadCourse('content'));

/** A workshop server on `store` with no sandboxes (a restart on the same store, as after a crash); not started. */
const serverWithoutSandboxes = (store: Store) =>
  new WorkshopService({ store, outline, manager: null, hostCapacity: 0, prewarmMs: 1, publicOrigin: 'http://x', base: '/' });
const QUIZ = 'foundations-logical-vs-physical-quiz-1';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(opts: { hostCapacity?: number; tickMs?: number } = {}) {
  const state = mkdtempSync(join(tmpdir(), 'drillbook-ws-'));
  const site = join(state, 'site');
  mkdirSync(join(site, 'operations', 'lab-backup-rotation'), { recursive: true });
  mkdirSync(join(site, 'locked'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(
    join(site, 'operations', 'lab-backup-rotation', 'index.html'),
    '<!doctype html><h1>Rotation</h1><db-lab id="backup-rotation" class="db-block db-lab" data-lab="backup-rotation"><p>SECRET TASKS</p></db-lab><p>after</p>',
  );
  writeFileSync(join(site, 'locked', 'index.html'), '<!doctype html><p>LOCKED PAGE</p>');
  const store = await openStore({ sqlitePath: ':memory:' });
  const manager = new SandboxManager(new FakeDriver(), {
    maxSandboxes: 4,
    poolSize: 0,
    idleTimeoutMs: 60_000,
    lifetimeMs: 3_600_000,
    maxPerIp: 1,
  });
  const workshops = new WorkshopService({
    store,
    outline,
    manager,
    hostCapacity: opts.hostCapacity ?? 4,
    prewarmMs: 600_000,
    publicOrigin: 'http://127.0.0.1:4321',
    base: '/',
    ...(opts.tickMs ? { tickMs: opts.tickMs } : {}),
  });
  await workshops.start();
  const instructors = await Instructors.load(state, 'ana:pw-ana,bo:pw-bo');
  const app = await buildApp({
    config: { siteDir: site, secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
    manager,
    workshops,
    instructors,
  });
  closers.push(
    () => store.close(),
    async () => workshops.stop(),
    () => manager.shutdown(),
    () => app.close(),
  );
  const cookieOf = (r: { headers: Record<string, unknown> }) =>
    ([] as string[])
      .concat((r.headers['set-cookie'] as string | string[] | undefined) ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
  const signIn = async (name: string, password: string) =>
    cookieOf(await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name, password } }));
  return { app, store, manager, workshops, signIn, cookieOf, state };
}

describe('instructors', () => {
  it('sign in with a kept scrypt hash (never the password), refuse a wrong one with the catalogue message, and are rate-limited', async () => {
    const { app, signIn, state } = await setup();
    const { readFileSync, statSync } = await import('node:fs');
    const kept = readFileSync(join(state, 'instructors.json'), 'utf8');
    expect(kept).not.toContain('pw-ana');
    expect(statSync(join(state, 'instructors.json')).mode & 0o777).toBe(0o600);
    const bad = await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'ana', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({
      error: 'InstructorSignInFailed',
      message: 'That name and password do not match an instructor on this server. Check both and try again.',
    });
    const cookie = await signIn('ana', 'pw-ana');
    expect((await app.inject({ method: 'GET', url: '/api/instructor/me', headers: { cookie } })).json()).toMatchObject({ name: 'ana' });
    expect((await app.inject({ method: 'GET', url: '/api/workshops' })).statusCode).toBe(401);
    for (let i = 0; i < 8; i++) await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'ana', password: 'x' } });
    const limited = await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'ana', password: 'pw-ana' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      error: 'RateLimited',
      message: `Too many sign-in attempts from your address in the last minute. Wait ${limited.headers['retry-after']} s, then try again.`,
      retryAfterSeconds: Number(limited.headers['retry-after']),
    });
  });

  it('a one-time link signs in once and leads to its workshop', async () => {
    const { app, workshops, signIn } = await setup();
    const cookie = await signIn('ana', 'pw-ana');
    const created = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie }, payload: { title: 'W', seats: 2 } })
    ).json();
    const token = await workshops.createLoginToken('ana', created.workshop.id);
    const first = await app.inject({ method: 'GET', url: `/instructor/login/${token}` });
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe(`/instructor/workshop/?id=${created.workshop.id}`);
    expect(String(first.headers['set-cookie'])).toMatch(/drillbook_instructor=.*HttpOnly.*SameSite=Strict/);
    const again = await app.inject({ method: 'GET', url: `/instructor/login/${token}` });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toBe('SignInLinkInvalid');
  });
});

describe('instructor sessions are kept by the server', () => {
  it('signing out ends the session for every copy of the cookie; the other instructor stays signed in', async () => {
    const { app, signIn } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const bo = await signIn('bo', 'pw-bo');
    const mine = (cookie: string) => app.inject({ method: 'GET', url: '/api/workshops', headers: { cookie } });
    expect((await mine(ana)).statusCode).toBe(200);
    const out = await app.inject({ method: 'POST', url: '/api/instructor/logout', headers: { cookie: ana } });
    expect(out.statusCode).toBe(204);
    // The same cookie, kept (a copy, another tab, a stolen one): no longer signed in.
    const after = await mine(ana);
    expect([after.statusCode, after.json()]).toEqual([
      401,
      { error: 'InstructorOnly', message: 'This is for instructors: sign in on the instructor page first.' },
    ]);
    expect((await app.inject({ method: 'GET', url: '/api/instructor/me', headers: { cookie: ana } })).statusCode).toBe(401);
    expect((await mine(bo)).statusCode).toBe(200);
  });

  it('an instructor taken off DRILLBOOK_INSTRUCTOR_PASSWORD loses access on the next request, by password or link', async () => {
    const { app, signIn, store, workshops, state } = await setup();
    const bo = await signIn('bo', 'pw-bo');
    const ana = await signIn('ana', 'pw-ana');
    const link = await workshops.createLoginToken('bo', null);
    const boByLink = (await app.inject({ method: 'GET', url: `/instructor/login/${link}` })).headers['set-cookie'];
    const boLinkCookie = String(boByLink).split(';')[0]!;
    const created = await app.inject({
      method: 'POST',
      url: '/api/workshops',
      headers: { cookie: bo },
      payload: { title: 'Bo', seats: 2 },
    });
    const id = created.json().workshop.id as string;
    expect((await app.inject({ method: 'GET', url: `/api/workshops/${id}/live`, headers: { cookie: boLinkCookie } })).statusCode).toBe(200);

    // The operator restarts the server without bo (same state dir, same store, same cookie key).
    const instructors = await Instructors.load(state, 'ana:pw-ana');
    expect(instructors.removed).toEqual(['bo']);
    expect(await store.workshops.endInstructorSessions(instructors.removed)).toBe(2);
    const again = await buildApp({
      config: { siteDir: join(state, 'site'), secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
      manager: null,
      workshops,
      instructors,
    });
    closers.push(() => again.close());
    for (const cookie of [bo, boLinkCookie]) {
      const r = await again.inject({ method: 'GET', url: `/api/workshops/${id}/live`, headers: { cookie } });
      expect([r.statusCode, r.json().error]).toEqual([401, 'InstructorOnly']);
    }
    expect((await again.inject({ method: 'GET', url: '/api/workshops', headers: { cookie: ana } })).statusCode).toBe(200);
    // Nor can bo sign in again with the old password.
    const login = await again.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'bo', password: 'pw-bo' } });
    expect(login.statusCode).toBe(401);
  });

  it('a password session ends when its instructor is no longer listed, even on a server that did not end it', async () => {
    const { signIn, workshops, state } = await setup();
    const bo = await signIn('bo', 'pw-bo');
    // Another server on the same store, started with a list without bo (its sessions not ended there).
    const other = await buildApp({
      config: { siteDir: join(state, 'site'), secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
      manager: null,
      workshops,
      instructors: await Instructors.load(mkdtempSync(join(tmpdir(), 'drillbook-ws-other-')), 'ana:pw-ana'),
    });
    closers.push(() => other.close());
    expect((await other.inject({ method: 'GET', url: '/api/workshops', headers: { cookie: bo } })).statusCode).toBe(401);
  });
});

describe('workshops', () => {
  it('create: lessons by route or name, unknown ones refused, the host says when it cannot hold the seats; other instructors see nothing', async () => {
    const { app, signIn } = await setup({ hostCapacity: 3 });
    const ana = await signIn('ana', 'pw-ana');
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/workshops',
      headers: { cookie: ana },
      payload: { title: 'W', seats: 2, lessons: ['nope'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/^no such lesson in the course: "nope"/);
    const r = await app.inject({
      method: 'POST',
      url: '/api/workshops',
      headers: { cookie: ana },
      payload: { title: 'Backups <b>101</b>', seats: 5, lessons: ['logical-vs-physical', 'operations/lab-backup-rotation'] },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.workshop).toMatchObject({
      title: 'Backups <b>101</b>',
      seats: 5,
      lessons: ['foundations/logical-vs-physical', 'operations/lab-backup-rotation'],
      state: 'running',
    });
    expect(body.workshop.joinUrl).toBe(`http://127.0.0.1:4321/join/${body.workshop.shownCode}`);
    expect(body.capacity.canHold).toBe(3);
    expect(body.capacity.note).toMatch(/^This server can hold 3 sandboxes for this workshop at once .* not 5:/);
    const bo = await signIn('bo', 'pw-bo');
    expect(
      (await app.inject({ method: 'GET', url: `/api/workshops/${body.workshop.id}/live`, headers: { cookie: bo } })).json().error,
    ).toBe('WorkshopNotFound');
    expect((await app.inject({ method: 'GET', url: '/api/workshops', headers: { cookie: bo } })).json()).toEqual({ workshops: [] });
    const bad = await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: '', seats: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('BadRequest');
    const foreign = await app.inject({
      method: 'POST',
      url: '/api/workshops',
      headers: { cookie: ana, origin: 'http://evil.example' },
      payload: { title: 'W', seats: 1 },
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('join: wrong code, full, name taken and ended each say so; codes ignore case and dashes; names are length-limited', async () => {
    const { app, signIn, cookieOf } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 2 } })
    ).json().workshop;
    const join = (payload: object, cookie = '') =>
      app.inject({ method: 'POST', url: '/api/join', headers: cookie ? { cookie } : {}, payload });
    const wrong = await join({ code: 'ZZZ-ZZZ', name: 'Maria' });
    expect([wrong.statusCode, wrong.json().message]).toEqual([
      404,
      'No workshop has the code "ZZZ-ZZZ". Check the code your instructor gave you (letters and digits, like K7M-3QX).',
    ]);
    const long = await join({ code: w.shownCode, name: 'x'.repeat(41) });
    expect([long.statusCode, long.json().message]).toEqual([
      400,
      'The request was not understood: body.name: a display name has at most 40 characters.',
    ]);
    const maria = await join({ code: w.shownCode.toLowerCase().replace('-', ''), name: '  Maria  ' });
    expect(maria.statusCode).toBe(200);
    expect(maria.json().workshop).toMatchObject({ title: 'Class', name: 'Maria', state: 'running' });
    expect(maria.json().resumeUrl).toMatch(/^http:\/\/localhost:80\/resume\/[A-Za-z0-9_-]+$|^http:\/\/[^/]+\/resume\/[A-Za-z0-9_-]+$/);
    const taken = await join({ code: w.shownCode, name: 'MARIA' });
    expect([taken.statusCode, taken.json().message]).toEqual([
      409,
      'Someone in this workshop already goes by "MARIA". Choose another display name.',
    ]);
    expect((await join({ code: w.shownCode, name: 'Jon' })).statusCode).toBe(200);
    const full = await join({ code: w.shownCode, name: 'Kim' });
    expect([full.statusCode, full.json().message]).toEqual([
      409,
      'This workshop is full: all 2 seats are taken. Ask your instructor to make room.',
    ]);
    // The resume link makes another browser the same learner.
    const resume = await app.inject({ method: 'GET', url: new URL(maria.json().resumeUrl).pathname });
    expect(resume.statusCode).toBe(302);
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: cookieOf(resume) } });
    expect(me.json().workshop.name).toBe('Maria');
    await app.inject({ method: 'POST', url: `/api/workshops/${w.id}/end`, headers: { cookie: ana } });
    const ended = await join({ code: w.shownCode, name: 'Late' });
    expect([ended.statusCode, ended.json().message]).toEqual([
      410,
      'The workshop "Class" has ended: it takes no more learners. Your results from it are kept.',
    ]);
  });

  it('events are acknowledged after commit, judged by the server, refused one by one, and reach the live view stream within 2 s', async () => {
    const { app, signIn, cookieOf, store } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 5 } })
    ).json().workshop;
    const joined = await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: '<img src=x onerror=alert(1)>' } });
    const learner = cookieOf(joined);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/workshops/${w.id}/stream`, { headers: { cookie: ana } });
    const reader = res.body!.getReader();
    const messages: LiveMessage[] = [];
    let buf = '';
    const next = async (pred: (m: LiveMessage) => boolean): Promise<LiveMessage> => {
      for (;;) {
        const hit = messages.find(pred);
        if (hit) return hit;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += new TextDecoder().decode(value);
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of chunk.split('\n')) if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)) as LiveMessage);
        }
      }
    };
    const snap = await next((m) => m.type === 'snapshot');
    expect(snap.type === 'snapshot' && snap.snapshot.rows.map((r) => r.name)).toEqual(['<img src=x onerror=alert(1)>']);
    const t0 = Date.now();
    // The page says "correct" for a wrong answer: the server judges from the course.
    const event = {
      kind: 'quiz-answer',
      id: 'evt-live-0001',
      at: new Date().toISOString(),
      page: 'foundations/logical-vs-physical',
      block: QUIZ,
      question: 0,
      choice: [0],
      correct: true,
    };
    const ack = await fetch(`http://127.0.0.1:${port}/api/events`, {
      method: 'POST',
      headers: { cookie: learner, 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ events: [event] }),
    });
    expect(await ack.json()).toEqual({ acked: ['evt-live-0001'], refused: [] });
    const row = await next((m) => m.type === 'row' && m.events.includes('evt-live-0001'));
    expect(Date.now() - t0).toBeLessThan(2_000);
    const right = outline.blocks.get(QUIZ);
    const rightAnswer = right?.type === 'quiz' && right.questions[0]!.correct.includes(0);
    expect(row.type === 'row' && row.row.quizzes[QUIZ]?.['0']).toEqual({ choice: [0], correct: rightAnswer });
    await reader.cancel();
    // One batch, two events the server cannot accept among good ones: those two are refused by id
    // (catalogue name and message each), the good ones are committed and acknowledged.
    const mixedBatch = {
      events: [
        { ...event, id: 'evt-live-0002' },
        { ...event, id: 'evt-live-0003', question: 99 },
        { ...event, id: 'evt-live-0005', choice: [] },
        { kind: 'page-view', id: 'evt-live-0006', at: event.at, page: 'foundations/logical-vs-physical' },
      ],
    };
    const mixed = await app.inject({ method: 'POST', url: '/api/events', headers: { cookie: learner }, payload: mixedBatch });
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json()).toEqual({
      acked: ['evt-live-0002', 'evt-live-0006'],
      refused: [
        {
          id: 'evt-live-0005',
          error: 'BadRequest',
          message: 'The request was not understood: body.events.2.choice: Too small: expected array to have >=1 items.',
        },
        {
          id: 'evt-live-0003',
          error: 'UnknownBlock',
          message: `quiz "${QUIZ}" has no question 100 with options 1 on this site.`,
        },
      ],
    });
    expect((await store.results.workshopEvents(w.id)).map((e) => e.clientId)).toEqual(['evt-live-0001', 'evt-live-0002', 'evt-live-0006']);
    // Sent again (the page did not hear the answer): the same answer, nothing stored twice.
    const again = await app.inject({ method: 'POST', url: '/api/events', headers: { cookie: learner }, payload: mixedBatch });
    expect(again.json()).toEqual(mixed.json());
    expect(await store.results.workshopEvents(w.id)).toHaveLength(3);
    // Only a batch whose frame cannot be read (an event without an id) is refused whole.
    const frame = await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learner },
      payload: { events: [{ ...event, id: 'evt-live-0007' }, { kind: 'page-view' }] },
    });
    expect([frame.statusCode, frame.json()]).toEqual([
      400,
      {
        error: 'BadRequest',
        message: 'The request was not understood: body.events.1.id: Invalid input: expected string, received undefined.',
      },
    ]);
    // A quiz this course does not have (a page built from another folder) is kept, unjudged.
    const other = await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learner },
      payload: { events: [{ ...event, id: 'evt-live-0004', block: 'no-such-quiz' }] },
    });
    expect(other.json()).toEqual({ acked: ['evt-live-0004'], refused: [] });
    const live = (await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/live`, headers: { cookie: ana } })).json();
    expect(live.rows[0].quizzes[QUIZ]).toEqual({ '0': { choice: [0], correct: rightAnswer } });
  });

  it('pacing: a locked lesson is the locked page for members only; a locked lab is cut from the page and refused by the API', async () => {
    const { app, signIn, cookieOf } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 5 } })
    ).json().workshop;
    const learner = cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Maria' } }));
    const page = () => app.inject({ method: 'GET', url: '/operations/lab-backup-rotation/', headers: { cookie: learner } });
    expect((await page()).body).toContain('SECRET TASKS');
    const lock = (kind: string, target: string, locked: boolean) =>
      app.inject({ method: 'POST', url: `/api/workshops/${w.id}/locks`, headers: { cookie: ana }, payload: { kind, target, locked } });
    expect((await lock('lab', 'backup-rotation', true)).statusCode).toBe(200);
    const cut = await page();
    expect(cut.body).not.toContain('SECRET TASKS');
    expect(cut.body).toContain('Your instructor has not opened this lab yet.');
    expect(cut.body).toContain('<p>after</p>');
    const start = await app.inject({ method: 'POST', url: '/api/labs/backup-rotation/start', headers: { cookie: learner } });
    expect(start.statusCode).toBe(403);
    expect(start.json().message).toBe('Your instructor has not opened this lab yet. It opens when the class gets there.');
    await lock('lab', 'backup-rotation', false);
    await lock('lesson', 'operations/lab-backup-rotation', true);
    const locked = await page();
    expect([locked.statusCode, locked.body]).toEqual([403, '<!doctype html><p>LOCKED PAGE</p>']);
    expect(
      (await app.inject({ method: 'GET', url: '/operations/lab-backup-rotation/index.html', headers: { cookie: learner } })).statusCode,
    ).toBe(403);
    // Outside the workshop the static file is served as it is (see docs: what pacing cannot hide).
    expect((await app.inject({ method: 'GET', url: '/operations/lab-backup-rotation/' })).body).toContain('SECRET TASKS');
    expect((await lock('lesson', 'no/such', true)).json().error).toBe('UnknownLesson');
  });

  it('members are seats, not the per-address cap; ending releases their sandboxes and freezes results', async () => {
    const { app, signIn, cookieOf, manager, store } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 5 } })
    ).json().workshop;
    const learners: string[] = [];
    for (const name of ['A', 'B'])
      learners.push(cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name } })));
    // maxPerIp is 1 here: two members behind one address both get a sandbox.
    for (const cookie of learners)
      expect((await app.inject({ method: 'POST', url: '/api/sandbox', headers: { cookie } })).statusCode).toBe(200);
    expect(manager.stats.active).toBe(2);
    await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learners[0]! },
      payload: {
        events: [{ kind: 'page-view', id: 'evt-frozen-01', at: new Date().toISOString(), page: 'operations/lab-backup-rotation' }],
      },
    });
    const ended = await app.inject({ method: 'POST', url: `/api/workshops/${w.id}/end`, headers: { cookie: ana } });
    expect(ended.json().workshop.state).toBe('ended');
    expect(manager.stats.active).toBe(0);
    // After the end a learner is self-paced: their events are kept, not added to the workshop.
    await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learners[0]! },
      payload: {
        events: [{ kind: 'page-view', id: 'evt-after-001', at: new Date().toISOString(), page: 'operations/lab-backup-rotation' }],
      },
    });
    expect((await store.results.workshopEvents(w.id)).map((e) => e.clientId)).toEqual(['evt-frozen-01']);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: learners[0]! } })).json().workshop.state).toBe('ended');
  });

  it('watching: refused for a learner who turned it off, for non-members, and without a terminal', async () => {
    const { app, signIn, cookieOf, workshops } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 5 } })
    ).json().workshop;
    const learner = cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Maria' } }));
    const id = (await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/live`, headers: { cookie: ana } })).json().rows[0].learner;
    await expect(workshops.mayWatch('ana', w.id, id)).resolves.toBeUndefined();
    expect(
      (await app.inject({ method: 'POST', url: '/api/me/watch', headers: { cookie: learner }, payload: { allowed: false } })).statusCode,
    ).toBe(200);
    await expect(workshops.mayWatch('ana', w.id, id)).rejects.toMatchObject({
      kind: 'WatchRefused',
      arg: 'Maria has turned watching off.',
    });
    await expect(workshops.mayWatch('ana', w.id, 'someone-else')).rejects.toMatchObject({ kind: 'LearnerNotFound' });
    await expect(workshops.mayWatch('bo', w.id, id)).rejects.toMatchObject({ kind: 'WorkshopNotFound' });
    // Self-paced learners cannot be watched at all: they are in no workshop.
    const solo = await app.inject({ method: 'POST', url: '/api/me/watch', payload: { allowed: true } });
    expect(solo.json().error).toBe('NotInWorkshop');
  });

  it('after a crash the live view is rebuilt from the store: rows, answers, lab attempts; members are still members', async () => {
    const state = mkdtempSync(join(tmpdir(), 'drillbook-ws-crash-'));
    const open = async () => {
      const store = await openStore({ stateDir: state });
      const workshops = serverWithoutSandboxes(store);
      await workshops.start();
      return { store, workshops };
    };
    const a = await open();
    const w = (await a.workshops.create('ana', { title: 'W', seats: 3, lessons: [] })).workshop;
    await a.workshops.join(w.code, 'learner-1', 'Maria');
    const answer = {
      kind: 'quiz-answer' as const,
      id: 'evt-crash-001',
      at: new Date().toISOString(),
      page: 'p',
      block: QUIZ,
      question: 0,
      choice: [1],
      correct: false,
    };
    expect(await a.workshops.record('learner-1', [answer])).toEqual({ acked: ['evt-crash-001'], refused: [] });
    await a.store.results.recordAttempt(
      'learner-1',
      'backup-rotation',
      [{ id: 'c1', title: 'c', status: 'not-yet', message: 'no', ran: true, ms: 1 }],
      true,
      w.id,
    );
    const before = await a.workshops.snapshot('ana', w.id);
    // No orderly shutdown: the first store is simply abandoned (its file is what a kill -9 leaves).
    a.workshops.stop();
    const b = await open();
    closers.push(
      () => b.store.close(),
      async () => b.workshops.stop(),
      () => a.store.close(),
    );
    const after = await b.workshops.snapshot('ana', w.id);
    expect(after.rows).toEqual(before.rows);
    expect(after.rows[0]).toMatchObject({ name: 'Maria', labs: { 'backup-rotation': { attempts: 1, failing: { c1: 1 } } } });
    expect(b.workshops.workshopOf('learner-1')).toBe(w.id);
  });

  it('pre-warms a sandbox per seat from DRILLBOOK_PREWARM before a scheduled start, within capacity, and not for a later one', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    const driver = new FakeDriver();
    const manager = new SandboxManager(driver, { maxSandboxes: 4, poolSize: 1, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
    manager.start();
    const workshops = new WorkshopService({
      store,
      outline,
      manager,
      hostCapacity: 4,
      prewarmMs: 10 * 60_000,
      publicOrigin: 'http://x',
      base: '/',
      tickMs: 50,
    });
    await workshops.start();
    closers.push(
      () => store.close(),
      async () => workshops.stop(),
      () => manager.shutdown(),
    );
    await vi.waitFor(() => expect(manager.stats.pooled).toBe(1));
    // Starts in an hour: nothing yet.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await workshops.create('ana', { title: 'Later', seats: 3, lessons: [], startsAt: later });
    await new Promise((ok) => setTimeout(ok, 200));
    expect(manager.stats.pooled).toBe(1);
    // Starts in 5 minutes with 6 seats: ready sandboxes up to the host's capacity (4), not 1 + 6.
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    const created = await workshops.create('ana', { title: 'Soon', seats: 6, lessons: [], startsAt: soon });
    expect(created.capacity).toEqual({
      canHold: 1,
      note: expect.stringMatching(/^This server can hold 1 sandbox for this workshop at once/),
    });
    await vi.waitFor(() => expect(manager.stats.pooled).toBe(4));
    expect(driver.created).toHaveLength(4);
  });
});

/** The `data:` messages of a server-sent events stream, read as they come. */
function sseMessages<T>(res: Response) {
  const reader = res.body!.getReader();
  const got: T[] = [];
  let buf = '';
  const read = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    buf += new TextDecoder().decode(value);
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      for (const line of buf.slice(0, i).split('\n')) if (line.startsWith('data: ')) got.push(JSON.parse(line.slice(6)) as T);
      buf = buf.slice(i + 2);
    }
  };
  return {
    got,
    async next(pred: (m: T) => boolean): Promise<T> {
      for (;;) {
        const hit = got.find(pred);
        if (hit) return hit;
        await read();
      }
    },
    close: () => reader.cancel(),
  };
}

describe('live view and pacing details', () => {
  const LAB = 'mysqldump-full-restore';

  it('a lab cell says "started", then "n of m checks" passed, then "solution shown", live and rebuilt from the store', async () => {
    const { app, signIn, store, workshops } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({
        method: 'POST',
        url: '/api/workshops',
        headers: { cookie: ana },
        payload: { title: 'Lab class', seats: 3, lessons: ['mariadb/lab-mysqldump-full-restore'] },
      })
    ).json().workshop;
    await workshops.join(w.code, 'learner-1', 'Maria');
    const snap = await workshops.snapshot('ana', w.id);
    const col = snap.columns.find((c) => c.id === LAB);
    if (col?.type !== 'lab') throw new Error(`no lab column ${LAB}`);
    expect(col.checks.length).toBeGreaterThanOrEqual(3);
    const m = col.checks.length;
    const cell = async () => labCell(col, (await workshops.snapshot('ana', w.id)).rows[0]!);
    expect(await cell()).toEqual({ state: 'none', text: '—' });

    workshops.started('learner-1', LAB, w.id);
    expect(await cell()).toEqual({ state: 'started', text: 'started' });
    // An attempt with the first two checks passed: "2 of m".
    const outcomes = col.checks.map((c, i) => ({
      id: c.id,
      title: c.title,
      status: i < 2 ? ('passed' as const) : ('not-yet' as const),
      message: '',
      ran: true,
      ms: 1,
    }));
    workshops.attempted(await store.results.recordAttempt('learner-1', LAB, outcomes, true, w.id));
    await vi.waitFor(async () => expect(await cell()).toEqual({ state: 'started', text: `2/${m} checks` }));
    // The solution shown (the learner gave up): said, with what had passed.
    await store.results.recordGiveUp('learner-1', LAB, w.id);
    workshops.gaveUp('learner-1', LAB, w.id);
    await vi.waitFor(async () => expect(await cell()).toEqual({ state: 'solution', text: `solution shown · 2/${m}` }));

    // Another learner passes every check.
    await workshops.join(w.code, 'learner-2', 'Jon');
    const all = outcomes.map((o) => ({ ...o, status: 'passed' as const }));
    workshops.attempted(await store.results.recordAttempt('learner-2', LAB, all, true, w.id));
    const jon = async () =>
      labCell(
        col,
        (await workshops.snapshot('ana', w.id)).rows.find((r) => r.name === 'Jon')!,
      );
    await vi.waitFor(async () => expect(await jon()).toEqual({ state: 'passed', text: `✓ ${m}/${m} checks` }));

    // A server started afresh on this store shows the same cells (the model is rebuilt from it).
    const again = serverWithoutSandboxes(store);
    await again.start();
    closers.push(async () => again.stop());
    const rows = (await again.snapshot('ana', w.id)).rows;
    expect(rows.map((r) => [r.name, labCell(col, r)])).toEqual([
      ['Maria', { state: 'solution', text: `solution shown · 2/${m}` }],
      ['Jon', { state: 'passed', text: `✓ ${m}/${m} checks` }],
    ]);
  });

  it('a message to one learner reaches that learner only, on their stream and in /api/me', async () => {
    const { app, signIn, cookieOf } = await setup();
    const ana = await signIn('ana', 'pw-ana');
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Class', seats: 5 } })
    ).json().workshop;
    const maria = cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Maria' } }));
    const jon = cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Jon' } }));
    const rows = (await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/live`, headers: { cookie: ana } })).json().rows as {
      learner: string;
      name: string;
    }[];
    const mariaId = rows.find((r) => r.name === 'Maria')!.learner;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const stream = async (cookie: string) => {
      const s = sseMessages<LearnerMessage>(await fetch(`${base}/api/me/stream`, { headers: { cookie } }));
      await s.next((m) => m.type === 'state');
      return s;
    };
    const [ms, js] = [await stream(maria), await stream(jon)];
    const send = (payload: object) =>
      app.inject({ method: 'POST', url: `/api/workshops/${w.id}/messages`, headers: { cookie: ana }, payload });
    expect((await send({ kind: 'message', text: 'Maria, check your WAL archive', learner: mariaId })).json()).toEqual({ sent: true });
    expect((await send({ kind: 'message', text: 'Break in 5 minutes' })).json()).toEqual({ sent: true });
    const toMaria = await ms.next((m) => m.type === 'message' && m.text === 'Break in 5 minutes');
    expect(toMaria.type).toBe('message');
    expect(ms.got.filter((m) => m.type === 'message').map((m) => m.type === 'message' && m.text)).toEqual([
      'Maria, check your WAL archive',
      'Break in 5 minutes',
    ]);
    await js.next((m) => m.type === 'message' && m.text === 'Break in 5 minutes');
    expect(js.got.filter((m) => m.type === 'message').map((m) => m.type === 'message' && m.text)).toEqual(['Break in 5 minutes']);
    // Kept for a reload: each learner's /api/me has their own.
    const texts = async (cookie: string) =>
      ((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().workshop.messages as { text: string }[]).map(
        (m) => m.text,
      );
    expect(await texts(maria)).toEqual(['Maria, check your WAL archive', 'Break in 5 minutes']);
    expect(await texts(jon)).toEqual(['Break in 5 minutes']);
    // Someone who is not in this workshop cannot be written to.
    const stranger = await send({ kind: 'message', text: 'hi', learner: 'not-a-member' });
    expect([stranger.statusCode, stranger.json()]).toEqual([
      404,
      { error: 'LearnerNotFound', message: 'That learner is not in this workshop.' },
    ]);
    await ms.close();
    await js.close();
  });

  it('a workshop ends by itself at its end time: sandboxes released, learners told, results kept', async () => {
    const { app, signIn, cookieOf, manager, store } = await setup({ tickMs: 100 });
    const ana = await signIn('ana', 'pw-ana');
    const endsAt = new Date(Date.now() + 2_000).toISOString();
    const w = (
      await app.inject({ method: 'POST', url: '/api/workshops', headers: { cookie: ana }, payload: { title: 'Short', seats: 2, endsAt } })
    ).json().workshop;
    expect(w.state).toBe('running');
    const learner = cookieOf(await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Maria' } }));
    expect((await app.inject({ method: 'POST', url: '/api/sandbox', headers: { cookie: learner } })).statusCode).toBe(200);
    await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learner },
      payload: { events: [{ kind: 'page-view', id: 'evt-before-end', at: new Date().toISOString(), page: 'foundations/consistency' }] },
    });
    expect(manager.stats.active).toBe(1);
    await vi.waitFor(
      async () => {
        const me = (await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: learner } })).json();
        expect(me.workshop.state).toBe('ended');
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endsAt));
    // Released right after the end is recorded (the learner may hear of the end a moment before).
    await vi.waitFor(() => expect(manager.stats.active).toBe(0), { timeout: 5_000 });
    const joinLate = await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.code, name: 'Late' } });
    expect([joinLate.statusCode, joinLate.json().message]).toEqual([
      410,
      'The workshop "Short" has ended: it takes no more learners. Your results from it are kept.',
    ]);
    expect((await store.results.workshopEvents(w.id)).map((e) => e.clientId)).toEqual(['evt-before-end']);
  });
});
