/**
 * The results store, the same suite on both engines: SQLite (a file in a
 * temp dir) and PostgreSQL 15 (DRILLBOOK_TEST_DATABASE_URL, which
 * scripts/test-all.sh points at a throwaway cluster; without it this file
 * starts one of its own). Never skipped: a PostgreSQL that cannot start
 * fails the suite.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { ClientEvent } from '../../src/protocol/events.ts';
import { openBus, SandboxHosts } from '../../src/store/cluster.ts';
import { openStore, ResultsNotSavedError, type Store } from '../../src/store/index.ts';
import { createDatabase } from '../../src/store/pg-cluster.ts';
import { testPostgres } from '../helpers/pg.ts';
import { normaliseCode, showCode } from '../../src/store/workshops.ts';

const pgBase = testPostgres();

let n = 0;
async function fresh(engine: 'sqlite' | 'postgres', stateDir = mkdtempSync(join(tmpdir(), 'drillbook-store-'))): Promise<Store> {
  if (engine === 'sqlite') return openStore({ stateDir });
  const url = await createDatabase(pgBase(), `drillbook_test_${process.pid}_${++n}`);
  return openStore({ stateDir, databaseUrl: url });
}

const answer = (id: string, question = 0, choice = [1], correct = true): ClientEvent => ({
  kind: 'quiz-answer',
  id,
  at: '2026-03-01T10:00:00.000Z',
  page: 'backups/dumps',
  block: 'quiz-1',
  question,
  choice,
  correct,
});

/** A results.sqlite as the store before this one wrote it (no ran/worked columns, no migrations table). */
function legacyFile(dir: string): string {
  const file = join(dir, 'results.sqlite');
  const old = new DatabaseSync(file);
  old.exec(`
    CREATE TABLE lab_starts (learner TEXT NOT NULL, lab TEXT NOT NULL, sandbox TEXT NOT NULL, facts TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (learner, lab));
    CREATE TABLE lab_attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, learner TEXT NOT NULL, lab TEXT NOT NULL, at TEXT NOT NULL,
      passed INTEGER NOT NULL, total INTEGER NOT NULL, infrastructure_error INTEGER NOT NULL);
    CREATE TABLE lab_check_results (attempt INTEGER NOT NULL, check_id TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, ms INTEGER NOT NULL);
    CREATE TABLE lab_give_ups (learner TEXT NOT NULL, lab TEXT NOT NULL, at TEXT NOT NULL);
    INSERT INTO lab_starts VALUES ('l1', 'lab-a', 'sb-9', '{"orders":"6000"}', '2026-01-01T00:00:00Z');
    INSERT INTO lab_attempts VALUES (7, 'l1', 'lab-a', '2026-01-01T00:00:00Z', 0, 1, 0);
    INSERT INTO lab_check_results VALUES (7, 'rows', 'not-yet', 'nope', 3);
    INSERT INTO lab_give_ups VALUES ('l2', 'lab-a', '2026-01-01T00:01:00Z');
  `);
  old.close();
  return file;
}

describe.each(['sqlite', 'postgres'] as const)('results store on %s', (engine) => {
  it('keeps lab starts and attempts; attempts with infrastructure errors are not counted; real attempts need typing', async () => {
    const { results: s, close } = await fresh(engine);
    await s.recordStart('l1', 'lab-a', 'sb-1', { orders: '6000' }, null);
    expect(await s.start('l1', 'lab-a')).toMatchObject({ sandboxId: 'sb-1', facts: { orders: '6000' } });
    await s.recordAttempt('l1', 'lab-a', [{ id: 'rows', title: 'Rows', status: 'error', message: 'x', ran: false, ms: 1 }], false, null);
    expect(await s.countedAttempts('l1', 'lab-a')).toBe(0);
    await s.recordAttempt(
      'l1',
      'lab-a',
      [{ id: 'rows', title: 'Rows', status: 'not-yet', message: 'nope', ran: true, ms: 1 }],
      false,
      null,
    );
    expect(await s.countedAttempts('l1', 'lab-a')).toBe(1);
    expect(await s.lastAttempt('l1', 'lab-a')).toEqual([{ check_id: 'rows', status: 'not-yet', message: 'nope', ran: 1 }]);
    expect(await s.realAttempt('l1', 'lab-a')).toBe(false);
    await s.recordAttempt(
      'l1',
      'lab-a',
      [{ id: 'rows', title: 'Rows', status: 'not-yet', message: 'nope', ran: false, ms: 0 }],
      true,
      null,
    );
    expect(await s.realAttempt('l1', 'lab-a')).toBe(false);
    await s.recordAttempt('l1', 'lab-a', [{ id: 'rows', title: 'Rows', status: 'not-yet', message: 'nope', ran: true, ms: 1 }], true, 'w1');
    expect(await s.realAttempt('l1', 'lab-a')).toBe(true);
    expect(await s.lastAttempt('l2', 'lab-a')).toEqual([]);
    // A start under way (its sandbox not known yet) is not a start.
    await s.beginStart('l1', 'lab-a', 'w1');
    expect(await s.start('l1', 'lab-a')).toBeUndefined();
    await s.recordGiveUp('l3', 'lab-a', 'w1');
    expect(await s.givenUp('l3', 'lab-a')).toBe(true);
    expect(await s.givenUp('l1', 'lab-a')).toBe(false);
    const inWorkshop = await s.workshopAttempts('w1');
    expect(inWorkshop.map((a) => [a.learner, a.lab, a.passed, a.total, a.checks])).toEqual([
      ['l1', 'lab-a', 0, 1, [{ checkId: 'rows', status: 'not-yet', ran: true }]],
    ]);
    expect((await s.workshopLabMarks('w1')).giveUps.map((g) => g.learner)).toEqual(['l3']);
    await close();
  });

  it('commits events once: an id sent again is acknowledged and not stored twice', async () => {
    const { results: s, close } = await fresh(engine);
    const first = await s.recordEvents('l1', [answer('evt-000001'), answer('evt-000002', 1, [0, 2], false)], 'w1');
    expect(first.acked).toEqual(['evt-000001', 'evt-000002']);
    expect(first.fresh.map((e) => [e.clientId, e.question, e.choice, e.correct, e.workshop])).toEqual([
      ['evt-000001', 0, [1], true, 'w1'],
      ['evt-000002', 1, [0, 2], false, 'w1'],
    ]);
    const again = await s.recordEvents('l1', [answer('evt-000002'), answer('evt-000003')], 'w1');
    expect(again.acked).toEqual(['evt-000002', 'evt-000003']);
    expect(again.fresh.map((e) => e.clientId)).toEqual(['evt-000003']);
    // Another learner's id is another event.
    expect((await s.recordEvents('l2', [answer('evt-000001')], null)).fresh).toHaveLength(1);
    expect((await s.workshopEvents('w1')).map((e) => e.clientId)).toEqual(['evt-000001', 'evt-000002', 'evt-000003']);
    await s.recordEvents(
      'l1',
      [
        { kind: 'exercise-done', id: 'evt-000010', at: '2026-03-01T10:00:00Z', page: 'p', block: 'ex-1', done: true },
        { kind: 'hint-revealed', id: 'evt-000011', at: '2026-03-01T10:00:00Z', page: 'p', block: 'ex-1', hint: 2 },
        { kind: 'solution-revealed', id: 'evt-000012', at: '2026-03-01T10:00:00Z', page: 'p', block: 'ex-1' },
        { kind: 'page-view', id: 'evt-000013', at: '2026-03-01T10:00:00Z', page: 'p' },
      ],
      null,
    );
    const mine = await s.learnerEvents('l1');
    expect(mine.slice(3).map((e) => [e.kind, e.block, e.detail])).toEqual([
      ['exercise-done', 'ex-1', 1],
      ['hint-revealed', 'ex-1', 2],
      ['solution-revealed', 'ex-1', null],
      ['page-view', '', null],
    ]);
    const stored = await s.storedIds([
      { learner: 'l1', clientId: 'evt-000003' },
      { learner: 'l2', clientId: 'evt-000009' },
    ]);
    expect(stored.has('l1\u0000evt-000003')).toBe(true);
    expect(stored.has('l2\u0000evt-000009')).toBe(false);
    await close();
  });

  it('workshops: seats, display names unique whatever their case, a seat kept on joining again, locks, messages', async () => {
    const { workshops: w, close } = await fresh(engine);
    const ws = await w.create({ title: 'Backups 101', seats: 2, lessons: ['a', 'b'], startsAt: null, endsAt: null, createdBy: 'ana' });
    expect(normaliseCode(showCode(ws.code).toLowerCase())).toBe(ws.code);
    expect((await w.byCode(ws.code))?.id).toBe(ws.id);
    expect(await w.join(ws, 'l1', 'Maria')).toMatchObject({ ok: true, member: { name: 'Maria', watchAllowed: true } });
    expect(await w.join(ws, 'l2', 'ＭＡＲＩＡ ')).toEqual({ ok: false, reason: 'name-taken' });
    expect(await w.join(ws, 'l2', 'Jon')).toMatchObject({ ok: true });
    expect(await w.join(ws, 'l3', 'Kim')).toEqual({ ok: false, reason: 'full' });
    expect(await w.join(ws, 'l1', 'Maria S')).toMatchObject({ ok: true, member: { name: 'Maria S' } });
    expect((await w.members(ws.id)).map((m) => m.name)).toEqual(['Maria S', 'Jon']);
    await w.setWatchAllowed(ws.id, 'l2', false);
    expect((await w.member(ws.id, 'l2'))?.watchAllowed).toBe(false);
    await w.setLock(ws.id, { kind: 'lesson', target: 'b' }, true);
    await w.setLock(ws.id, { kind: 'lesson', target: 'b' }, true);
    await w.setLock(ws.id, { kind: 'lab', target: 'lab-a' }, true);
    await w.setLock(ws.id, { kind: 'lab', target: 'lab-a' }, false);
    expect(await w.locks(ws.id)).toEqual([{ kind: 'lesson', target: 'b' }]);
    await w.addMessage({ workshop: ws.id, learner: null, kind: 'goto', text: '', route: 'a', by: 'ana' });
    await w.addMessage({ workshop: ws.id, learner: 'l2', kind: 'message', text: 'Look at step 3', route: null, by: 'ana' });
    expect((await w.messages(ws.id, 'l1')).map((m) => m.kind)).toEqual(['goto']);
    expect((await w.messages(ws.id, 'l2')).map((m) => m.text)).toEqual(['', 'Look at step 3']);
    expect((await w.end(ws.id))?.endedAt).not.toBeNull();
    expect((await w.list('ana')).map((x) => x.id)).toEqual([ws.id]);
    expect(await w.list('bob')).toEqual([]);
    await close();
  });

  it("sandbox_hosts: where each learner's sandbox is; a server removes only its own rows, and only for the sandbox that ended", async () => {
    const store = await fresh(engine);
    const a = new SandboxHosts(store.db, 'a');
    const b = new SandboxHosts(store.db, 'b');
    await a.held('l1', 'sb-1');
    await a.held('l2', 'sb-2');
    expect(await a.where('l1')).toMatchObject({ server: 'a', sandbox: 'sb-1' });
    // l1 moved to b (a died): a's late clean-up of sb-1 leaves b's row alone.
    await b.held('l1', 'sb-9');
    await a.released('l1', 'sb-1');
    expect(await b.where('l1')).toMatchObject({ server: 'b', sandbox: 'sb-9' });
    // A reset: the old sandbox's release after the new one's record leaves the new one.
    await a.held('l2', 'sb-3');
    await a.released('l2', 'sb-2');
    expect(await a.where('l2')).toMatchObject({ server: 'a', sandbox: 'sb-3' });
    await a.releaseAll();
    expect(await a.where('l2')).toBeUndefined();
    expect(await a.where('l1')).toMatchObject({ server: 'b' });
    await store.close();
  });

  it('one-time sign-in tokens work once and not after they expire; resume tokens lead to their learner', async () => {
    const { workshops: w, close } = await fresh(engine);
    const t = await w.createLoginToken('ana', 'w1', 60_000);
    expect(await w.useLoginToken(t)).toEqual({ instructor: 'ana', workshop: 'w1' });
    expect(await w.useLoginToken(t)).toBeUndefined();
    expect(await w.useLoginToken(await w.createLoginToken('ana', null, -1))).toBeUndefined();
    const r = await w.createResumeToken('l1');
    expect(await w.resumeLearner(r)).toBe('l1');
    expect(await w.resumeLearner(`${r}x`)).toBeUndefined();
    await close();
  });

  it('instructor sessions: found by token until they expire, end on sign-out or for instructors taken off the list', async () => {
    const { workshops: w, close, db } = await fresh(engine);
    const ana = await w.createInstructorSession('ana', 'password', 60_000);
    const bo1 = await w.createInstructorSession('bo', 'password', 60_000);
    const bo2 = await w.createInstructorSession('bo', 'link', 60_000);
    const old = await w.createInstructorSession('cy', 'lti', -1);
    expect(await w.instructorSession(ana)).toEqual({ instructor: 'ana', via: 'password' });
    expect(await w.instructorSession(bo2)).toEqual({ instructor: 'bo', via: 'link' });
    expect(await w.instructorSession(old)).toBeUndefined();
    expect(await w.instructorSession(`${ana}x`)).toBeUndefined();
    // Only the hash is kept.
    expect(JSON.stringify(await db.selectFrom('instructor_sessions').selectAll().execute())).not.toContain(ana);
    await w.endInstructorSession(ana);
    expect(await w.instructorSession(ana)).toBeUndefined();
    // bo's two sessions and cy's expired one.
    expect(await w.endInstructorSessions(['bo'])).toBe(3);
    expect(await w.instructorSession(bo1)).toBeUndefined();
    expect(await w.instructorSession(bo2)).toBeUndefined();
    await close();
  });

  it('moves the lab results of an existing results.sqlite into the store, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-store-'));
    legacyFile(dir);
    const store = await fresh(engine, dir);
    const s = store.results;
    expect(await s.start('l1', 'lab-a')).toEqual({ sandboxId: 'sb-9', facts: { orders: '6000' }, at: '2026-01-01T00:00:00Z' });
    // Old rows count as run, and not as real attempts (nobody knew whether the learner had typed).
    expect(await s.lastAttempt('l1', 'lab-a')).toEqual([{ check_id: 'rows', status: 'not-yet', message: 'nope', ran: 1 }]);
    expect(await s.countedAttempts('l1', 'lab-a')).toBe(1);
    expect(await s.realAttempt('l1', 'lab-a')).toBe(false);
    expect(await s.givenUp('l2', 'lab-a')).toBe(true);
    await store.close();
    // Opened again: nothing imported twice.
    const again =
      engine === 'sqlite' ? await openStore({ stateDir: dir }) : await openStore({ stateDir: dir, databaseUrl: storeUrl(store) });
    expect(await again.results.countedAttempts('l1', 'lab-a')).toBe(1);
    await again.close();
  });
});

describe('moving from SQLite to PostgreSQL', () => {
  it('keeps the LTI tool key of the old results.sqlite (platforms cached its public half)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-store-'));
    const old = await openStore({ stateDir: dir });
    const jwk = await old.lti.offerToolKey('{"kid":"the-sqlite-kid","kty":"RSA","d":"x"}');
    await old.close();
    const moved = await fresh('postgres', dir);
    expect(await moved.lti.toolKey()).toBe(jwk);
    await moved.close();
  });
});

/** The URL a PostgreSQL store was opened with (tests open the same database again). */
function storeUrl(s: Store): string {
  const m = /PostgreSQL at ([^:]+):(\d+)\/(\S+)/.exec(s.where);
  if (!m) throw new Error(`not a PostgreSQL store: ${s.where}`);
  const u = new URL(pgBase());
  u.pathname = `/${m[3]}`;
  return u.toString();
}

describe('notes between servers (PostgreSQL LISTEN/NOTIFY)', () => {
  it('reach every other server, not the sender, and come back after the connection drops', async () => {
    const url = await createDatabase(pgBase(), `drillbook_test_${process.pid}_bus`);
    const log: string[] = [];
    const a = await openBus<{ n: number }>(url, 'a', (l) => log.push(l));
    const b = await openBus<{ n: number }>(url, 'b', (l) => log.push(l));
    const got = { a: [] as number[], b: [] as number[] };
    a.onNote((note, from) => got.a.push(note.n * (from === 'b' ? 1 : -1)));
    b.onNote((note) => got.b.push(note.n));
    const resynced: string[] = [];
    b.onResync(() => resynced.push('b'));
    a.publish({ n: 1 });
    b.publish({ n: 2 });
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => got.a.length === 1 && got.b.length === 1);
    expect(got).toEqual({ a: [2], b: [1] });
    // b's connection is cut (as a PostgreSQL restart would): it reconnects and asks for a re-read.
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'drillbook-notes-b'");
    await admin.end();
    await until(() => resynced.length > 0 && log.some((l) => l.includes('are back')));
    expect(resynced).toEqual(['b']);
    a.publish({ n: 3 });
    await until(() => got.b.length === 2);
    expect(got.b).toEqual([1, 3]);
    await a.close();
    await b.close();
  }, 30_000);
});

describe('results store on SQLite: the file and a full disk', () => {
  it('creates results.sqlite readable by its owner only (0600), and makes an older world-readable one 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-store-'));
    const s = await openStore({ stateDir: dir });
    await s.results.recordGiveUp('l1', 'lab', null);
    await s.close();
    expect(statSync(join(dir, 'results.sqlite')).mode & 0o777).toBe(0o600);
    const old = mkdtempSync(join(tmpdir(), 'drillbook-store-'));
    legacyFile(old);
    expect(statSync(join(old, 'results.sqlite')).mode & 0o077).not.toBe(0);
    await (await openStore({ stateDir: old })).close();
    expect(statSync(join(old, 'results.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('a full database says "results not saved" with the real reason, not a failed ROLLBACK, and keeps what was committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-store-'));
    const probe = await openStore({ stateDir: dir });
    await probe.close();
    // The file as it is after the migrations, plus a few pages: then SQLite reports it full.
    const pages = Math.ceil(statSync(join(dir, 'results.sqlite')).size / 4096) + 8;
    const s = await openStore({ stateDir: dir, sqliteMaxPages: pages });
    await s.results.recordEvents('l1', [answer('evt-kept-01')], null);
    const big = Array.from({ length: 100 }, (_, i) => ({ ...answer(`evt-big-${String(i).padStart(4, '0')}`), page: 'x'.repeat(490) }));
    let err: unknown;
    try {
      for (let i = 0; i < 50; i++)
        await s.results.recordEvents(
          'l1',
          big.map((e) => ({ ...e, id: `${e.id}-${i}` })),
          null,
        );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResultsNotSavedError);
    expect((err as Error).message).toBe('database or disk is full');
    // The store still answers, and what was acknowledged before is there.
    expect((await s.results.learnerEvents('l1')).some((e) => e.clientId === 'evt-kept-01')).toBe(true);
    await s.close();
  });
});
