/**
 * Lab results, per learner and lab, in SQLite (node:sqlite) under the state
 * folder: every check run is kept (attempts with infrastructure errors are
 * marked, never counted as wrong), plus the facts recorded by each start.
 * The class view and grade exports of the workshop features read this.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { CheckResult } from './probe.ts';

export interface StoredStart {
  sandboxId: string;
  facts: Record<string, string>;
  at: string;
}

export class ResultsStore {
  private db: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS lab_starts (
        learner TEXT NOT NULL, lab TEXT NOT NULL, sandbox TEXT NOT NULL,
        facts TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (learner, lab)
      );
      CREATE TABLE IF NOT EXISTS lab_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        learner TEXT NOT NULL, lab TEXT NOT NULL, at TEXT NOT NULL,
        passed INTEGER NOT NULL, total INTEGER NOT NULL,
        infrastructure_error INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS lab_check_results (
        attempt INTEGER NOT NULL REFERENCES lab_attempts(id),
        check_id TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
        ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS lab_attempts_by_learner ON lab_attempts(learner, lab);
      CREATE TABLE IF NOT EXISTS lab_give_ups (
        learner TEXT NOT NULL, lab TEXT NOT NULL, at TEXT NOT NULL
      );
    `);
    // Stores from before checks said whether they ran: their rows count as run.
    const columns = (table: string) => (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    if (!columns('lab_check_results').includes('ran'))
      this.db.exec('ALTER TABLE lab_check_results ADD COLUMN ran INTEGER NOT NULL DEFAULT 1');
    // Whether the learner had typed in the sandbox before the attempt (stores from before: not known, so not).
    if (!columns('lab_attempts').includes('worked')) this.db.exec('ALTER TABLE lab_attempts ADD COLUMN worked INTEGER NOT NULL DEFAULT 0');
  }

  recordStart(learner: string, lab: string, sandboxId: string, facts: Record<string, string>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO lab_starts (learner, lab, sandbox, facts, at) VALUES (?, ?, ?, ?, ?)')
      .run(learner, lab, sandboxId, JSON.stringify(facts), new Date().toISOString());
  }

  start(learner: string, lab: string): StoredStart | undefined {
    const row = this.db.prepare('SELECT sandbox, facts, at FROM lab_starts WHERE learner = ? AND lab = ?').get(learner, lab) as
      { sandbox: string; facts: string; at: string } | undefined;
    return row ? { sandboxId: row.sandbox, facts: JSON.parse(row.facts) as Record<string, string>, at: row.at } : undefined;
  }

  /** One press of "Check my work"; `worked`: the learner had typed in the lab's sandbox before it. */
  recordAttempt(learner: string, lab: string, results: CheckResult[], worked = false): void {
    const infra = results.some((r) => r.status === 'error');
    this.db.exec('BEGIN');
    try {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO lab_attempts (learner, lab, at, passed, total, infrastructure_error, worked) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(
          learner,
          lab,
          new Date().toISOString(),
          results.filter((r) => r.status === 'passed').length,
          results.length,
          infra ? 1 : 0,
          worked ? 1 : 0,
        );
      const ins = this.db.prepare('INSERT INTO lab_check_results (attempt, check_id, status, message, ms, ran) VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of results) ins.run(lastInsertRowid, r.id, r.status, r.message, r.ms, r.ran ? 1 : 0);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** The latest attempt's results, or none. */
  lastAttempt(learner: string, lab: string): { status: string; check_id: string; message: string; ran: number }[] {
    return this.db
      .prepare(
        `SELECT check_id, status, message, ran FROM lab_check_results WHERE attempt =
           (SELECT MAX(id) FROM lab_attempts WHERE learner = ? AND lab = ?)`,
      )
      .all(learner, lab) as { status: string; check_id: string; message: string; ran: number }[];
  }

  /** "Give up and show me the solution", kept as such for the class view and grades. */
  recordGiveUp(learner: string, lab: string): void {
    this.db.prepare('INSERT INTO lab_give_ups (learner, lab, at) VALUES (?, ?, ?)').run(learner, lab, new Date().toISOString());
  }

  givenUp(learner: string, lab: string): boolean {
    return this.db.prepare('SELECT 1 FROM lab_give_ups WHERE learner = ? AND lab = ? LIMIT 1').get(learner, lab) !== undefined;
  }

  /**
   * A real attempt: an attempt without an infrastructure error, made after the learner had typed
   * in the sandbox, in which at least one check ran (and so said "not yet" or "passed").
   */
  realAttempt(learner: string, lab: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM lab_attempts a WHERE a.learner = ? AND a.lab = ? AND a.infrastructure_error = 0 AND a.worked = 1
             AND EXISTS (SELECT 1 FROM lab_check_results r WHERE r.attempt = a.id AND r.ran = 1 AND r.status IN ('not-yet', 'passed'))
           LIMIT 1`,
        )
        .get(learner, lab) !== undefined
    );
  }

  /** Attempts that ran without an infrastructure error: what a grade may count. */
  countedAttempts(learner: string, lab: string): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM lab_attempts WHERE learner = ? AND lab = ? AND infrastructure_error = 0')
      .get(learner, lab) as { n: number };
    return row.n;
  }

  close(): void {
    this.db.close();
  }
}
