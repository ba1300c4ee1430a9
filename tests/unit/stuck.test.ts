/**
 * The live class view's stuck flags (issue 12: the same check failing 3+
 * times, no activity for 10 minutes, a sandbox at a limit): the pure rules
 * in src/protocol/stuck.ts, the counting of failed checks in LiveModel
 * (src/workshops/live.ts), and a limit hit in a learner's sandbox reaching
 * the instructor's snapshot through the workshop service.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import type { LiveRow } from '../../src/protocol/workshops.ts';
import { STUCK, stuckFlags } from '../../src/protocol/stuck.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import type { StoredAttempt } from '../../src/store/results.ts';
import { openStore } from '../../src/store/index.ts';
import { LiveModel } from '../../src/workshops/live.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { FakeDriver } from './fake-driver.ts';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function row(over: Partial<LiveRow> = {}): LiveRow {
  return {
    learner: 'l1',
    name: 'Maria',
    joinedAt: iso(T0),
    lastActivity: iso(T0),
    page: null,
    quizzes: {},
    labs: {},
    exercises: {},
    limit: null,
    watchAllowed: true,
    watched: false,
    server: null,
    ...over,
  };
}
const lab = (failing: Record<string, number>) => ({ started: true, passed: 0, total: 3, attempts: 3, gaveUp: false, failing });

describe('stuckFlags (the rules)', () => {
  it('are the issue’s: 3 failures of one check, 10 minutes, a limit', () => {
    expect(STUCK).toEqual({ sameCheckFails: 3, idleMs: 600_000 });
  });

  it('flags a check that failed 3 times or more, not 2, and not failures spread over checks', () => {
    expect(stuckFlags(row({ labs: { pitr: lab({ c1: 2, c2: 2, c3: 2 }) } }), T0)).toEqual([]);
    expect(stuckFlags(row({ labs: { pitr: lab({ c1: 2, c2: 3 }), dump: lab({ d1: 5 }) } }), T0)).toEqual([
      { kind: 'failing', lab: 'pitr', check: 'c2', times: 3 },
      { kind: 'failing', lab: 'dump', check: 'd1', times: 5 },
    ]);
  });

  it('flags 10 minutes without activity, not 9:59, in whole minutes', () => {
    expect(stuckFlags(row(), T0 + 600_000 - 1_000)).toEqual([]);
    expect(stuckFlags(row(), T0 + 600_000)).toEqual([{ kind: 'idle', minutes: 10 }]);
    expect(stuckFlags(row(), T0 + 25 * 60_000 + 59_000)).toEqual([{ kind: 'idle', minutes: 25 }]);
    // Activity resets the clock.
    expect(stuckFlags(row({ lastActivity: iso(T0 + 20 * 60_000) }), T0 + 25 * 60_000)).toEqual([]);
  });

  it('flags a sandbox at a limit with its notice, and says every reason at once', () => {
    const text = 'Process limit reached (128 processes): new processes could not start in your sandbox.';
    expect(stuckFlags(row({ limit: text }), T0)).toEqual([{ kind: 'limit', text }]);
    expect(stuckFlags(row({ limit: text, labs: { pitr: lab({ c1: 3 }) } }), T0 + 11 * 60_000)).toEqual([
      { kind: 'failing', lab: 'pitr', check: 'c1', times: 3 },
      { kind: 'idle', minutes: 11 },
      { kind: 'limit', text },
    ]);
  });
});

describe('LiveModel counts failed checks for the rule', () => {
  let n = 0;
  const attempt = (checks: [string, string, boolean][], infrastructureError = false): StoredAttempt => ({
    id: ++n,
    learner: 'l1',
    lab: 'pitr',
    at: iso(T0 + n * 1_000),
    passed: checks.filter(([, s]) => s === 'passed').length,
    total: checks.length,
    infrastructureError,
    workshop: 'w1',
    checks: checks.map(([checkId, status, ran]) => ({ checkId, status, ran })),
  });
  const model = () => {
    const m = new LiveModel();
    m.addMember({ workshop: 'w1', learner: 'l1', name: 'Maria', joinedAt: iso(T0), watchAllowed: true });
    return m;
  };
  const flags = (m: LiveModel) => stuckFlags(m.rows.get('l1')!, T0 + 60_000);

  it('three "not yet" of the same check make it stuck; the check that passes meanwhile does not', () => {
    const m = model();
    for (let i = 0; i < 2; i++)
      m.applyAttempt(
        attempt([
          ['c1', 'not-yet', true],
          ['c2', 'passed', true],
        ]),
      );
    expect(flags(m)).toEqual([]);
    m.applyAttempt(
      attempt([
        ['c1', 'not-yet', true],
        ['c2', 'passed', true],
      ]),
    );
    expect(flags(m)).toEqual([{ kind: 'failing', lab: 'pitr', check: 'c1', times: 3 }]);
  });

  it('a pass ends the streak; a server problem neither counts nor ends it; a check that did not run does not count', () => {
    const m = model();
    m.applyAttempt(attempt([['c1', 'not-yet', true]]));
    m.applyAttempt(attempt([['c1', 'not-yet', true]]));
    m.applyAttempt(attempt([['c1', 'passed', true]]));
    m.applyAttempt(attempt([['c1', 'not-yet', true]]));
    m.applyAttempt(attempt([['c1', 'not-yet', true]]));
    expect(flags(m)).toEqual([]);
    m.applyAttempt(attempt([['c1', 'not-yet', true]], true));
    m.applyAttempt(attempt([['c1', 'not-yet', false]]));
    expect(flags(m)).toEqual([]);
    expect(m.rows.get('l1')!.labs['pitr']).toMatchObject({ attempts: 6, failing: { c1: 2 } });
    m.applyAttempt(attempt([['c1', 'not-yet', true]]));
    expect(flags(m)).toEqual([{ kind: 'failing', lab: 'pitr', check: 'c1', times: 3 }]);
  });
});

describe('a limit in a learner’s sandbox', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('shows in the instructor’s snapshot as a stuck flag while it lasts', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    const driver = new FakeDriver();
    const manager = new SandboxManager(driver, { maxSandboxes: 2, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
    const workshops = new WorkshopService({
      store,
      outline: courseOutline(loadCourse('content')),
      manager,
      hostCapacity: 2,
      prewarmMs: 1,
      publicOrigin: 'http://x',
      base: '/',
    });
    await workshops.start();
    closers.push(
      () => store.close(),
      async () => workshops.stop(),
      () => manager.shutdown(),
    );
    const { workshop } = await workshops.create('ana', { title: 'W', seats: 2, lessons: [] });
    await workshops.join(workshop.code, 'l1', 'Maria');
    await manager.attach('l1', { send: () => {}, close: () => {} });
    const rowNow = async () => (await workshops.snapshot('ana', workshop.id)).rows[0]!;
    expect(stuckFlags(await rowNow(), Date.now())).toEqual([]);
    driver.created[0]!.countersNow = { oomKills: 0, pidsRefused: 2 };
    manager.checkNow('l1');
    expect(stuckFlags(await rowNow(), Date.now())).toEqual([
      { kind: 'limit', text: 'Process limit reached (128 processes): new processes could not start in your sandbox.' },
    ]);
  });
});
