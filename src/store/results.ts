/**
 * Learners' results: lab starts, attempts (every check with its status and
 * whether it ran), give-ups, and the events pages send (quiz answers,
 * exercises done, hints and solutions revealed, lessons opened). Every row
 * says which workshop it was made in (null: self-paced), so a workshop's
 * results stay what they were when it ended, and grade exports read them
 * from here.
 *
 * Every write either commits or throws; a write the database refused (full
 * disk, read-only, down) throws ResultsNotSavedError (db.ts).
 */
import { sql } from 'kysely';
import type { ClientEvent } from '../protocol/events.ts';
import { now, saved, saving, type Db } from './db.ts';

/** One check's outcome as the lab runner reports it (labs/probe.ts CheckResult has these fields and more). */
export interface CheckOutcome {
  id: string;
  title?: string;
  status: 'passed' | 'not-yet' | 'error';
  message: string;
  ms: number;
  ran: boolean;
}

export interface StoredStart {
  sandboxId: string;
  facts: Record<string, string>;
  at: string;
}

/** An event as committed. */
export interface StoredEvent {
  id: number;
  learner: string;
  clientId: string;
  kind: ClientEvent['kind'];
  page: string;
  block: string;
  question: number | null;
  choice: number[] | null;
  correct: boolean | null;
  detail: number | null;
  workshop: string | null;
  clientAt: string;
  at: string;
}

/** A lab attempt as committed, with its checks. */
export interface StoredAttempt {
  id: number;
  learner: string;
  lab: string;
  at: string;
  passed: number;
  total: number;
  infrastructureError: boolean;
  workshop: string | null;
  checks: { checkId: string; status: string; ran: boolean }[];
}

type EventRow = {
  id: number;
  learner: string;
  client_id: string;
  kind: string;
  page: string;
  block: string;
  question: number | null;
  choice: string | null;
  correct: number | null;
  detail: number | null;
  workshop: string | null;
  client_at: string;
  at: string;
};

function toEvent(r: EventRow): StoredEvent {
  return {
    id: Number(r.id),
    learner: r.learner,
    clientId: r.client_id,
    kind: r.kind as StoredEvent['kind'],
    page: r.page,
    block: r.block,
    question: r.question,
    choice: r.choice === null ? null : (JSON.parse(r.choice) as number[]),
    correct: r.correct === null ? null : r.correct === 1,
    detail: r.detail,
    workshop: r.workshop,
    clientAt: r.client_at,
    at: r.at,
  };
}

export class ResultsStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Records that a lab start is under way (its sandbox not known yet), before anything is
   * reset: when the store cannot write, the learner's sandbox is left as it was.
   */
  async beginStart(learner: string, lab: string, workshop: string | null): Promise<void> {
    await this.putStart(learner, lab, '', {}, workshop);
  }

  async recordStart(
    learner: string,
    lab: string,
    sandboxId: string,
    facts: Record<string, string>,
    workshop: string | null,
  ): Promise<void> {
    await this.putStart(learner, lab, sandboxId, facts, workshop);
  }

  private async putStart(learner: string, lab: string, sandbox: string, facts: Record<string, string>, workshop: string | null) {
    const row = { learner, lab, sandbox, facts: JSON.stringify(facts), at: now(), workshop };
    await saved(
      this.db
        .insertInto('lab_starts')
        .values(row)
        .onConflict((oc) => oc.columns(['learner', 'lab']).doUpdateSet({ sandbox, facts: row.facts, at: row.at, workshop }))
        .execute(),
    );
  }

  async start(learner: string, lab: string): Promise<StoredStart | undefined> {
    const row = await this.db
      .selectFrom('lab_starts')
      .select(['sandbox', 'facts', 'at'])
      .where('learner', '=', learner)
      .where('lab', '=', lab)
      .executeTakeFirst();
    if (!row || row.sandbox === '') return undefined;
    return { sandboxId: row.sandbox, facts: JSON.parse(row.facts) as Record<string, string>, at: row.at };
  }

  /** One press of "Check my work"; `worked`: the learner had typed in the lab's sandbox before it. Returns the attempt id. */
  async recordAttempt(
    learner: string,
    lab: string,
    results: CheckOutcome[],
    worked: boolean,
    workshop: string | null,
  ): Promise<StoredAttempt> {
    const at = now();
    const infra = results.some((r) => r.status === 'error');
    const passed = results.filter((r) => r.status === 'passed').length;
    const id = await saving(this.db, async (tx) => {
      const { id } = await tx
        .insertInto('lab_attempts')
        .values({
          learner,
          lab,
          at,
          passed,
          total: results.length,
          infrastructure_error: infra ? 1 : 0,
          worked: worked ? 1 : 0,
          workshop,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (results.length > 0)
        await tx
          .insertInto('lab_check_results')
          .values(
            results.map((r) => ({
              attempt: id,
              check_id: r.id,
              status: r.status,
              message: r.message,
              ms: Math.round(r.ms),
              ran: r.ran ? 1 : 0,
            })),
          )
          .execute();
      return Number(id);
    });
    return {
      id,
      learner,
      lab,
      at,
      passed,
      total: results.length,
      infrastructureError: infra,
      workshop,
      checks: results.map((r) => ({ checkId: r.id, status: r.status, ran: r.ran })),
    };
  }

  /** The latest attempt's results, or none. */
  async lastAttempt(learner: string, lab: string): Promise<{ status: string; check_id: string; message: string; ran: number }[]> {
    const last = await this.db
      .selectFrom('lab_attempts')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('learner', '=', learner)
      .where('lab', '=', lab)
      .executeTakeFirst();
    if (last?.id === null || last?.id === undefined) return [];
    return this.db
      .selectFrom('lab_check_results')
      .select(['check_id', 'status', 'message', 'ran'])
      .where('attempt', '=', Number(last.id))
      .execute();
  }

  /** "Give up and show me the solution", kept as such for the class view and grades. */
  async recordGiveUp(learner: string, lab: string, workshop: string | null): Promise<void> {
    await saved(this.db.insertInto('lab_give_ups').values({ learner, lab, at: now(), workshop }).execute());
  }

  async givenUp(learner: string, lab: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('lab_give_ups')
      .select('at')
      .where('learner', '=', learner)
      .where('lab', '=', lab)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /**
   * A real attempt: an attempt without an infrastructure error, made after the learner had typed
   * in the sandbox, in which at least one check ran (and so said "not yet" or "passed").
   */
  async realAttempt(learner: string, lab: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('lab_attempts as a')
      .select('a.id')
      .where('a.learner', '=', learner)
      .where('a.lab', '=', lab)
      .where('a.infrastructure_error', '=', 0)
      .where('a.worked', '=', 1)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('lab_check_results as r')
            .select('r.attempt')
            .whereRef('r.attempt', '=', 'a.id')
            .where('r.ran', '=', 1)
            .where('r.status', 'in', ['not-yet', 'passed']),
        ),
      )
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Attempts that ran without an infrastructure error: what a grade may count. */
  async countedAttempts(learner: string, lab: string): Promise<number> {
    const r = await this.db
      .selectFrom('lab_attempts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('learner', '=', learner)
      .where('lab', '=', lab)
      .where('infrastructure_error', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Commits a page's events (judged again by the caller where it can), in one transaction, and
   * answers every id now stored: new ones and ones stored before (a page that did not hear the
   * answer sends them again). Returns the events stored by this call, for the live view.
   */
  async recordEvents(
    learner: string,
    events: (
      ClientEvent | (Omit<Extract<ClientEvent, { kind: 'quiz-answer' }>, 'correct'> & { kind: 'quiz-answer'; correct: boolean | null })
    )[],
    workshop: string | null,
  ): Promise<{ acked: string[]; fresh: StoredEvent[] }> {
    const at = now();
    const rows = events.map((e) => ({
      learner,
      client_id: e.id,
      kind: e.kind,
      page: e.page,
      block: 'block' in e ? e.block : '',
      question: e.kind === 'quiz-answer' ? e.question : null,
      choice: e.kind === 'quiz-answer' ? JSON.stringify(e.choice) : null,
      correct: e.kind === 'quiz-answer' && e.correct !== null ? (e.correct ? 1 : 0) : null,
      detail: e.kind === 'exercise-done' ? (e.done ? 1 : 0) : e.kind === 'hint-revealed' ? e.hint : null,
      workshop,
      client_at: e.at,
      at,
    }));
    const fresh = await saving(this.db, async (tx) =>
      tx
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.columns(['learner', 'client_id']).doNothing())
        .returningAll()
        .execute(),
    );
    return { acked: events.map((e) => e.id), fresh: fresh.map((r) => toEvent(r as EventRow)) };
  }

  /** Events of a workshop (or of one learner in it), in commit order. */
  async workshopEvents(workshop: string): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('workshop', '=', workshop).orderBy('id').execute();
    return rows.map((r) => toEvent(r as EventRow));
  }

  /** Every event a learner sent, in commit order. */
  async learnerEvents(learner: string): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('learner', '=', learner).orderBy('id').execute();
    return rows.map((r) => toEvent(r as EventRow));
  }

  /** Which of these client ids of a learner are stored (benchmarks and tests: nothing acknowledged is missing). */
  async storedIds(pairs: { learner: string; clientId: string }[]): Promise<Set<string>> {
    const out = new Set<string>();
    const learners = [...new Set(pairs.map((p) => p.learner))];
    for (let i = 0; i < learners.length; i += 200) {
      const rows = await this.db
        .selectFrom('events')
        .select(['learner', 'client_id'])
        .where('learner', 'in', learners.slice(i, i + 200))
        .execute();
      for (const r of rows) out.add(`${r.learner}\u0000${r.client_id}`);
    }
    return out;
  }

  /** Lab attempts made in a workshop, with their checks, in order. */
  async workshopAttempts(workshop: string): Promise<StoredAttempt[]> {
    const attempts = await this.db.selectFrom('lab_attempts').selectAll().where('workshop', '=', workshop).orderBy('id').execute();
    if (attempts.length === 0) return [];
    const checks = await this.db
      .selectFrom('lab_check_results')
      .select(['attempt', 'check_id', 'status', 'ran'])
      .where(
        'attempt',
        'in',
        attempts.map((a) => Number(a.id)),
      )
      .execute();
    const by = new Map<number, StoredAttempt['checks']>();
    for (const c of checks) {
      const list = by.get(Number(c.attempt)) ?? [];
      list.push({ checkId: c.check_id, status: c.status, ran: c.ran === 1 });
      by.set(Number(c.attempt), list);
    }
    return attempts.map((a) => ({
      id: Number(a.id),
      learner: a.learner,
      lab: a.lab,
      at: a.at,
      passed: a.passed,
      total: a.total,
      infrastructureError: a.infrastructure_error === 1,
      workshop: a.workshop,
      checks: by.get(Number(a.id)) ?? [],
    }));
  }

  /** Lab starts and give-ups made in a workshop. */
  async workshopLabMarks(
    workshop: string,
  ): Promise<{ starts: { learner: string; lab: string; at: string }[]; giveUps: { learner: string; lab: string; at: string }[] }> {
    const starts = await this.db.selectFrom('lab_starts').select(['learner', 'lab', 'at']).where('workshop', '=', workshop).execute();
    const giveUps = await this.db.selectFrom('lab_give_ups').select(['learner', 'lab', 'at']).where('workshop', '=', workshop).execute();
    return { starts, giveUps };
  }

  /** Whether the store answers (health, and before work that must not happen without it). */
  async ping(): Promise<void> {
    await saved(sql`SELECT 1`.execute(this.db));
  }
}
