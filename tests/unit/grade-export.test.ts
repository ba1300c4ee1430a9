/**
 * Gradebook exports on a recorded workshop: learners join and answer through
 * the HTTP API (the server judges the answers), lab attempts and a give-up
 * are recorded in the store as the lab service records them (one attempt
 * an infrastructure error), then the gradebook is downloaded through
 * GET /api/workshops/:id/grades in every format and policy, and through
 * `drillbook export grades` on the same SQLite file. Every learner and every
 * score is checked, as is formula neutralisation.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { neutralise, toCsv } from '../../src/exports/csv.ts';
import { buildGradebook, renderGradebook, type ScorePolicy } from '../../src/exports/gradebook.ts';
import type { LiveColumn } from '../../src/protocol/workshops.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/index.ts';
import { Instructors } from '../../src/workshops/instructors.ts';
import { courseOutline, workshopColumns } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { FakeDriver } from './fake-driver.ts';

const outline = courseOutline(loadCourse('content'));
const QUIZ = 'foundations-why-backups-fail-quiz-1';
const LAB = 'backup-rotation';
const quiz = outline.blocks.get(QUIZ) as Extract<LiveColumn, { type: 'quiz' }>;
const lab = outline.blocks.get(LAB) as Extract<LiveColumn, { type: 'lab' }>;
const CHECKS = lab.checks.length;
const LESSONS = ['foundations/why-backups-fail', 'operations/lab-backup-rotation'];
const COLUMNS = workshopColumns(outline, LESSONS).columns;
const EVIL = '=HYPERLINK("http://x.test","go")';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** RFC 4180 records (an independent reader for the test: quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    expect(text[i]).toBe('"'); // every field is quoted
    let f = '';
    i++;
    for (;;) {
      if (text[i] === '"' && text[i + 1] === '"') {
        f += '"';
        i += 2;
      } else if (text[i] === '"') {
        i++;
        break;
      } else f += text[i++];
    }
    row.push(f);
    if (text[i] === ',') i++;
    else {
      expect(text.slice(i, i + 2)).toBe('\r\n');
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

const right = (q: number) => quiz.questions[q]!.correct;
const wrong = (q: number) => [quiz.questions[q]!.options.findIndex((_o, i) => !quiz.questions[q]!.correct.includes(i))];

async function recordedWorkshop() {
  const state = mkdtempSync(join(tmpdir(), 'drillbook-grades-'));
  const store = await openStore({ stateDir: state });
  const manager = new SandboxManager(new FakeDriver(), { maxSandboxes: 4, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
  const workshops = new WorkshopService({
    store,
    outline,
    manager,
    hostCapacity: 4,
    prewarmMs: 600_000,
    publicOrigin: 'http://127.0.0.1:4321',
    base: '/',
  });
  await workshops.start();
  const instructors = await Instructors.load(state, 'ana:pw-ana,bo:pw-bo');
  const app = await buildApp({
    config: { siteDir: state, secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
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
  const ana = cookieOf(await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'ana', password: 'pw-ana' } }));
  const w = (
    await app.inject({
      method: 'POST',
      url: '/api/workshops',
      headers: { cookie: ana },
      payload: { title: 'Backups 101', seats: 5, lessons: LESSONS },
    })
  ).json().workshop;
  const learners: Record<string, { cookie: string; id: string }> = {};
  for (const name of ['Ana María López', EVIL, 'Bo']) {
    const joined = await app.inject({ method: 'POST', url: '/api/join', payload: { code: w.shownCode, name } });
    expect(joined.statusCode).toBe(200);
    learners[name] = { cookie: cookieOf(joined), id: '' };
  }
  for (const m of await store.workshops.members(w.id)) learners[m.name]!.id = m.learner;
  let n = 0;
  const answer = async (who: string, question: number, choice: number[]) => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/events',
      headers: { cookie: learners[who]!.cookie },
      payload: {
        events: [
          {
            kind: 'quiz-answer',
            id: `evt-${++n}-grades`,
            at: new Date().toISOString(),
            page: 'p',
            block: QUIZ,
            question,
            choice,
            correct: true,
          },
        ],
      },
    });
    expect(r.statusCode).toBe(200);
  };
  // Ana: q1 wrong then right, q2 right, q3 unanswered, q4 right.
  await answer('Ana María López', 0, wrong(0));
  await answer('Ana María López', 0, right(0));
  await answer('Ana María López', 1, right(1));
  await answer('Ana María López', 3, right(3));
  // The formula-named learner: q1 right then wrong (the page's own "correct: true" is not trusted).
  await answer(EVIL, 0, right(0));
  await answer(EVIL, 0, wrong(0));
  const outcomes = (passed: number, error = false) =>
    lab.checks.map((c, i) => ({
      id: c.id,
      status: (error && i === 0 ? 'error' : i < passed ? 'passed' : 'not-yet') as 'passed' | 'not-yet' | 'error',
      message: '',
      ms: 1,
      ran: true,
    }));
  const attempt = async (who: string, passed: number, error = false) =>
    workshops.attempted(await store.results.recordAttempt(learners[who]!.id, LAB, outcomes(passed, error), true, w.id));
  // Ana: 1 check, then a server failure (not hers), then every check.
  await store.results.recordStart(learners['Ana María López']!.id, LAB, 'sbx', {}, w.id);
  await attempt('Ana María López', 1);
  await attempt('Ana María López', 0, true);
  await attempt('Ana María López', CHECKS);
  // The other: all but one check, twice, then gives up.
  await attempt(EVIL, CHECKS - 1);
  await attempt(EVIL, CHECKS - 2);
  await store.results.recordGiveUp(learners[EVIL]!.id, LAB, w.id);
  return { app, store, workshops, w, ana, learners, state };
}

/** What each learner scores under each policy: quiz right (of 4) and lab checks. */
const EXPECTED: Record<ScorePolicy, Record<string, { quiz: number; lab: number }>> = {
  first: { 'Ana María López': { quiz: 2, lab: 1 }, [EVIL]: { quiz: 1, lab: CHECKS - 1 }, Bo: { quiz: 0, lab: 0 } },
  last: { 'Ana María López': { quiz: 3, lab: CHECKS }, [EVIL]: { quiz: 0, lab: CHECKS - 2 }, Bo: { quiz: 0, lab: 0 } },
  best: { 'Ana María López': { quiz: 3, lab: CHECKS }, [EVIL]: { quiz: 1, lab: CHECKS - 1 }, Bo: { quiz: 0, lab: 0 } },
};

/** Points possible in the workshop: every quiz question and lab check of its lessons (the lab page has quizzes too). */
const POSSIBLE = COLUMNS.reduce((n, c) => n + (c.type === 'quiz' ? c.questions.length : c.checks.length), 0);
const pct = (points: number) => Math.round((1000 * points) / POSSIBLE) / 10;

describe('gradebook exports of a recorded workshop', () => {
  it('JSON: every learner and score under each policy, the policy stated in the file; instructors only', async () => {
    const { app, w, ana, learners } = await recordedWorkshop();
    expect(quiz.questions.length).toBe(4);
    for (const policy of ['first', 'best', 'last'] as const) {
      const r = await app.inject({
        method: 'GET',
        url: `/api/workshops/${w.id}/grades?format=json&score=${policy}`,
        headers: { cookie: ana },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.headers['content-disposition']).toBe(`attachment; filename="grades-${w.shownCode}-${policy}.json"`);
      const book = r.json();
      expect(book.scoring.policy).toBe(policy);
      expect(book.comment).toMatch(new RegExp(`^Scoring policy "${policy}"`));
      expect(book.columns.map((c: { id: string }) => c.id)).toEqual(COLUMNS.map((c) => c.id));
      expect(book.columns.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([QUIZ, LAB]));
      expect(book.rows.map((row: { name: string }) => row.name)).toEqual(
        ['Ana María López', 'Bo', EVIL].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })),
      );
      for (const row of book.rows) {
        const want = EXPECTED[policy][row.name]!;
        expect(row.learner).toBe(learners[row.name]!.id);
        expect(row.cells[QUIZ]).toMatchObject({ type: 'quiz', right: want.quiz, total: 4 });
        expect(row.cells[LAB]).toMatchObject({ type: 'lab', checks: want.lab, total: CHECKS, passed: want.lab === CHECKS });
        expect(row.percent).toBe(pct(want.quiz + want.lab));
      }
      const byName = Object.fromEntries(book.rows.map((row: { name: string }) => [row.name, row]));
      expect(byName['Ana María López'].cells[QUIZ].answered).toBe(3);
      expect(byName['Ana María López'].cells[LAB].attempts).toBe(2); // the infrastructure error is not counted
      expect(byName[EVIL].cells[LAB].gaveUp).toBe(true);
      expect(byName['Bo']).toMatchObject({ firstActivity: null, lastActivity: null, percent: 0 });
      expect(Date.parse(byName['Ana María López'].firstActivity)).toBeLessThanOrEqual(Date.parse(byName['Ana María López'].lastActivity));
    }
    const other = await app.inject({ method: 'POST', url: '/api/instructor/login', payload: { name: 'bo', password: 'pw-bo' } });
    const bo = String(other.headers['set-cookie']).split(';')[0]!;
    expect((await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/grades`, headers: { cookie: bo } })).json().error).toBe(
      'WorkshopNotFound',
    );
    expect((await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/grades` })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'GET', url: `/api/workshops/${w.id}/grades?format=xlsx`, headers: { cookie: ana } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/querystring\.format/);
  });

  it('CSV (ours, Canvas, Moodle): RFC 4180, one row per learner, the formula-looking name neutralised, BOM on request', async () => {
    const { app, w, ana } = await recordedWorkshop();
    const get = async (format: string, extra = '') => {
      const r = await app.inject({
        method: 'GET',
        url: `/api/workshops/${w.id}/grades?format=${format}&score=best${extra}`,
        headers: { cookie: ana },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      return r.body;
    };
    const own = await get('csv');
    expect(own.startsWith('\uFEFF')).toBe(false);
    const rows = parseCsv(own);
    expect(rows[0]!.slice(0, 4)).toEqual(['Name', 'LMS user id', 'SIS id', 'Email']);
    expect(rows[0]!.slice(-3)).toEqual(['Total %', 'First activity', 'Last activity']);
    const quizCol = rows[0]!.indexOf(quiz.title);
    const labCol = rows[0]!.indexOf(lab.title);
    expect(rows[0]![labCol + 1]).toBe(`${lab.title}: passed`);
    const byName = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
    expect(Object.keys(byName).sort()).toEqual(["'" + EVIL, 'Ana María López', 'Bo'].sort());
    expect(byName['Ana María López']![quizCol]).toBe('3 of 4');
    expect(byName['Ana María López']![labCol]).toBe(`${CHECKS} of ${CHECKS}`);
    expect(byName['Ana María López']![labCol + 1]).toBe('yes');
    expect(byName["'" + EVIL]![labCol + 1]).toBe('no');
    expect(byName['Bo']!.slice(-3)).toEqual(['0', '', '']);
    expect(own).toContain('"\'=HYPERLINK(""http://x.test"",""go"")"');
    expect(own).not.toMatch(/(^|,)"=/m);

    const canvas = parseCsv(await get('canvas-csv'));
    expect(canvas[0]!.slice(0, 5)).toEqual(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section']);
    const cq = canvas[0]!.indexOf(quiz.title);
    const cl = canvas[0]!.indexOf(lab.title);
    expect(canvas[1]![0]).toBe('Points Possible');
    expect([canvas[1]![cq], canvas[1]![cl]]).toEqual(['4', String(CHECKS)]);
    const cBy = Object.fromEntries(canvas.slice(2).map((r) => [r[0], r]));
    expect([cBy['Ana María López']![cq], cBy['Ana María López']![cl]]).toEqual(['3', String(CHECKS)]);
    expect([cBy["'" + EVIL]![cq], cBy["'" + EVIL]![cl]]).toEqual(['1', String(CHECKS - 1)]);
    expect([cBy['Bo']![cq], cBy['Bo']![cl]]).toEqual(['0', '0']);

    const moodleText = await get('moodle-csv', '&bom=1');
    expect(moodleText.startsWith('\uFEFF')).toBe(true);
    const moodle = parseCsv(moodleText.slice(1));
    expect(moodle[0]!.slice(0, 4)).toEqual(['First name', 'Last name', 'ID number', 'Email address']);
    const mq = moodle[0]!.indexOf(quiz.title);
    expect(moodle.slice(1).map((r) => [r[0], r[1], r[mq]])).toEqual(
      expect.arrayContaining([
        ['Ana María', 'López', '3'],
        ['Bo', '', '0'],
      ]),
    );
    expect(moodle.find((r) => r[0]!.startsWith("'=HYPERLINK"))).toBeDefined();
  });

  it('identities fill the LMS columns when given (the builder is pure)', async () => {
    const { workshops, w, learners } = await recordedWorkshop();
    const ana = learners['Ana María López']!.id;
    const wk = (await workshops.owned('ana', w.id))!;
    const bo = learners['Bo']!.id;
    const book = await workshops.gradebookOf(
      wk,
      'best',
      new Map([
        [ana, { lmsUserId: 'f3a9-opaque-lti-sub', canvasUserId: '1234', sisId: 'S-77', email: '@ana@school.test' }],
        [bo, { lmsUserId: 'b0-opaque-lti-sub' }],
      ]),
    );
    const canvas = parseCsv(renderGradebook(book, 'canvas-csv').body);
    // Canvas's ID column is its numeric user id (custom parameter canvas_user_id), never the LTI sub:
    // without one it stays empty, and Canvas matches by SIS User ID (or the name).
    expect(canvas.find((r) => r[0] === 'Ana María López')!.slice(1, 3)).toEqual(['1234', 'S-77']);
    expect(canvas.find((r) => r[0] === 'Bo')!.slice(1, 3)).toEqual(['', '']);
    expect(
      parseCsv(renderGradebook(book, 'csv').body)
        .find((r) => r[0] === 'Bo')!
        .slice(1, 2),
    ).toEqual(['b0-opaque-lti-sub']);
    const moodle = parseCsv(renderGradebook(book, 'moodle-csv').body);
    expect(moodle.find((r) => r[0] === 'Ana María')!.slice(2, 4)).toEqual(['S-77', "'@ana@school.test"]);
    const other = book.rows.find((r) => r.name === EVIL)!;
    expect(other.identity).toEqual({});
  });

  it('drillbook export grades reads the same store: by join code, --score, --out', async () => {
    const { w, state } = await recordedWorkshop();
    const out = join(state, 'grades.csv');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['src/cli/main.ts', 'export', 'grades', ...args], {
        env: { ...process.env, DRILLBOOK_STATE_DIR: state, DRILLBOOK_DATABASE_URL: '', DRILLBOOK_CONTENT: 'content' },
        encoding: 'utf8',
      });
    const r = run('--workshop', w.shownCode.toLowerCase(), '--format', 'canvas-csv', '--score', 'first', '--out', out);
    expect(r.stderr).toBe(
      `drillbook export: 3 learners, ${COLUMNS.length} columns (quizzes and labs), first answers/attempts counted, written to ${out}\n`,
    );
    expect(r.status).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    const cq = rows[0]!.indexOf(quiz.title);
    expect(rows.find((x) => x[0] === 'Ana María López')![cq]).toBe('2');
    const unknown = run('--workshop', 'ZZZ-ZZZ', '--format', 'csv');
    expect([unknown.status, unknown.stderr]).toEqual([
      1,
      'drillbook export: no workshop with the code or id "ZZZ-ZZZ" in this results store (./drillbook workshop list shows them)\n',
    ]);
    const badFormat = run('--workshop', w.shownCode, '--format', 'xls');
    expect([badFormat.status, badFormat.stderr]).toEqual([
      2,
      'drillbook export: --format "xls" is not known: one of csv, json, canvas-csv, moodle-csv\n',
    ]);
  }, 60_000);
});

describe('csv writer', () => {
  it('quotes every field, doubles quotes, ends records with CRLF and neutralises = + - @ tab CR at the start of text', () => {
    expect(toCsv([['a,b', 'say "hi"', 'line\nbreak', 3.5]])).toBe('"a,b","say ""hi""","line\nbreak","3.5"\r\n');
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(neutralise(bad)).toBe(`'${bad}`);
    for (const ok of ['Ana', ' =x', "'quoted", '1-2']) expect(neutralise(ok)).toBe(ok);
    expect(toCsv([[-1]])).toBe('"-1"\r\n');
    expect(toCsv([['x']], { bom: true })).toBe('\uFEFF"x"\r\n');
  });

  it('repeated column titles get a number, so an LMS makes one assignment each', () => {
    const col = (id: string): LiveColumn => ({
      type: 'quiz',
      id,
      lesson: 'l',
      title: 'Quiz in L',
      questions: [{ text: 'q', options: ['a', 'b'], correct: [0] }],
    });
    const book = buildGradebook({
      workshop: { id: 'w', title: 'W', code: 'AAA-AAA' },
      columns: [col('a'), col('b'), col('c')],
      members: [],
      events: [],
      attempts: [],
      starts: [],
      giveUps: [],
      policy: 'best',
      generatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(book.columns.map((c) => c.title)).toEqual(['Quiz in L', 'Quiz in L (2)', 'Quiz in L (3)']);
  });
});
