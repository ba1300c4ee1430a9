/**
 * The live class view's state of one workshop: a row per member, built from
 * the store (so a restarted server shows the class as it was) and then kept
 * current by applying each result as it is committed. Pure apart from the
 * store reads in build().
 */
import type { LiveLabCell, LiveRow } from '../protocol/workshops.ts';
import type { StoredAttempt, StoredEvent } from '../store/results.ts';
import type { ResultsStore } from '../store/results.ts';
import type { Member } from '../store/workshops.ts';

const later = (a: string, b: string) => (Date.parse(b) > Date.parse(a) ? b : a);

function emptyLab(): LiveLabCell {
  return { started: false, passed: 0, total: 0, attempts: 0, gaveUp: false, failing: {} };
}

export class LiveModel {
  readonly rows = new Map<string, LiveRow>();

  addMember(m: Member): LiveRow {
    const had = this.rows.get(m.learner);
    if (had) {
      had.name = m.name;
      had.watchAllowed = m.watchAllowed;
      return had;
    }
    const row: LiveRow = {
      learner: m.learner,
      name: m.name,
      joinedAt: m.joinedAt,
      lastActivity: m.joinedAt,
      page: null,
      quizzes: {},
      labs: {},
      exercises: {},
      limit: null,
      watchAllowed: m.watchAllowed,
      watched: false,
      server: null,
    };
    this.rows.set(m.learner, row);
    return row;
  }

  /** Applies a committed event; the learner's row, or undefined when they are not a member. */
  applyEvent(e: StoredEvent): LiveRow | undefined {
    const row = this.rows.get(e.learner);
    if (!row) return undefined;
    row.lastActivity = later(row.lastActivity, e.at);
    switch (e.kind) {
      case 'quiz-answer':
        (row.quizzes[e.block] ??= {})[String(e.question)] = { choice: e.choice ?? [], correct: e.correct === true };
        break;
      case 'exercise-done':
        (row.exercises[e.block] ??= { done: false, hints: 0, solution: false }).done = e.detail === 1;
        break;
      case 'hint-revealed': {
        const x = (row.exercises[e.block] ??= { done: false, hints: 0, solution: false });
        x.hints = Math.max(x.hints, (e.detail ?? 0) + 1);
        break;
      }
      case 'solution-revealed':
        (row.exercises[e.block] ??= { done: false, hints: 0, solution: false }).solution = true;
        break;
      case 'page-view':
        row.page = e.page;
        break;
    }
    return row;
  }

  applyAttempt(a: StoredAttempt): LiveRow | undefined {
    const row = this.rows.get(a.learner);
    if (!row) return undefined;
    row.lastActivity = later(row.lastActivity, a.at);
    const cell = (row.labs[a.lab] ??= emptyLab());
    cell.started = true;
    // A server problem is not the learner's answer: it neither counts nor breaks a streak.
    if (a.infrastructureError) return row;
    cell.attempts++;
    cell.passed = a.passed;
    cell.total = a.total;
    for (const c of a.checks) {
      if (c.status === 'passed') cell.failing[c.checkId] = 0;
      else if (c.status === 'not-yet' && c.ran) cell.failing[c.checkId] = (cell.failing[c.checkId] ?? 0) + 1;
    }
    return row;
  }

  applyStart(learner: string, lab: string, at: string): LiveRow | undefined {
    const row = this.rows.get(learner);
    if (!row) return undefined;
    row.lastActivity = later(row.lastActivity, at);
    (row.labs[lab] ??= emptyLab()).started = true;
    return row;
  }

  applyGiveUp(learner: string, lab: string, at: string): LiveRow | undefined {
    const row = this.rows.get(learner);
    if (!row) return undefined;
    row.lastActivity = later(row.lastActivity, at);
    (row.labs[lab] ??= emptyLab()).gaveUp = true;
    return row;
  }

  /** A workshop's model from what the store holds. */
  static async build(results: ResultsStore, workshop: string, members: Member[]): Promise<LiveModel> {
    const m = new LiveModel();
    for (const member of members) m.addMember(member);
    const [events, attempts, marks] = await Promise.all([
      results.workshopEvents(workshop),
      results.workshopAttempts(workshop),
      results.workshopLabMarks(workshop),
    ]);
    for (const s of marks.starts) m.applyStart(s.learner, s.lab, s.at);
    for (const e of events) m.applyEvent(e);
    for (const a of attempts) m.applyAttempt(a);
    for (const g of marks.giveUps) m.applyGiveUp(g.learner, g.lab, g.at);
    return m;
  }
}
