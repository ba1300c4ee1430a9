/**
 * The results database: one Kysely instance over one of two engines.
 * - SQLite (default): `STATE_DIR/results.sqlite` through node:sqlite, created
 *   0600, WAL with synchronous=FULL (a commit is on disk before it is
 *   acknowledged), a busy timeout so the CLI and the server can both write.
 * - PostgreSQL: when DRILLBOOK_DATABASE_URL is set (node-postgres pool).
 *
 * Kysely's own SQLite driver is written for better-sqlite3 and shares one
 * connection between concurrent callers without a lock, so a transaction
 * would take in statements of other requests (and roll them back with its
 * own). Ours (NodeSqliteDriver) hands the connection to one caller at a time,
 * and never issues a ROLLBACK when SQLite has already rolled back (a full
 * disk does that): the error the learner hears is the real one.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type Generated,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';

/** Every table of the store. Booleans are integers 0/1 and times ISO-8601 UTC text, on both engines. */
export interface Tables {
  /** The facts a lab's setup recorded, per learner and lab (the latest start). */
  lab_starts: {
    learner: string;
    lab: string;
    /** The sandbox the setup ran in; '' while the start is under way. */
    sandbox: string;
    facts: string;
    at: string;
    workshop: string | null;
  };
  /** One press of "Check my work". */
  lab_attempts: {
    id: Generated<number>;
    learner: string;
    lab: string;
    at: string;
    passed: number;
    total: number;
    infrastructure_error: number;
    /** The learner had typed in the sandbox before this attempt. */
    worked: number;
    workshop: string | null;
  };
  /** Each check of an attempt: passed, not-yet or error, and whether it ran. */
  lab_check_results: {
    attempt: number;
    check_id: string;
    status: string;
    message: string;
    ms: number;
    ran: number;
  };
  lab_give_ups: { learner: string; lab: string; at: string; workshop: string | null };
  /** What the page sent: quiz answers, exercises done, hints and solutions revealed. */
  events: {
    id: Generated<number>;
    learner: string;
    /** The page's id for the event: sending it again is not a new event. */
    client_id: string;
    kind: string;
    page: string;
    block: string;
    question: number | null;
    /** Chosen options as JSON (quiz answers). */
    choice: string | null;
    correct: number | null;
    /** Hint number (hint revealed), or null. */
    detail: number | null;
    workshop: string | null;
    /** When the page says it happened, and when the server committed it. */
    client_at: string;
    at: string;
  };
  workshops: {
    id: string;
    code: string;
    title: string;
    seats: number;
    /** JSON array of lesson routes; [] is every lesson. */
    lessons: string;
    starts_at: string | null;
    ends_at: string | null;
    created_at: string;
    created_by: string;
    ended_at: string | null;
  };
  workshop_members: {
    workshop: string;
    learner: string;
    name: string;
    /** The name folded for uniqueness (case and width). */
    name_key: string;
    joined_at: string;
    /** The learner allows the instructor to watch their terminal. */
    watch_allowed: number;
  };
  workshop_locks: { workshop: string; kind: string; target: string; at: string };
  workshop_messages: {
    id: Generated<number>;
    workshop: string;
    /** One learner, or null for everyone. */
    learner: string | null;
    kind: string;
    text: string;
    route: string | null;
    by: string;
    at: string;
  };
  /** One-time sign-in links for instructors (sha-256 of the token). */
  login_tokens: { token_hash: string; instructor: string; expires_at: string; used_at: string | null; workshop: string | null };
  /**
   * Instructor sessions (migration 006; sha-256 of the cookie's token): signing out deletes the
   * row, so a copied cookie stops working; `via` says how they signed in (password, link, lti).
   */
  instructor_sessions: { token_hash: string; instructor: string; via: string; created_at: string; expires_at: string };
  /** Personal resume links of learners (sha-256 of the token). */
  resume_links: { token_hash: string; learner: string; created_at: string };
  /** LTI 1.3 (migration 004): OIDC logins, state and nonce single use. */
  lti_logins: { state: string; nonce: string; issuer: string; client_id: string; created_at: string; used_at: string | null };
  /** Nonces of id_tokens accepted once (a token sent again is refused). */
  lti_nonces: { issuer: string; nonce: string; used_at: string };
  /** The LMS identity of a learner: platform user (issuer, subject) → Drillbook learner. */
  lti_users: {
    issuer: string;
    subject: string;
    learner: string;
    name: string | null;
    email: string | null;
    /** lis person_sourcedid (the school's SIS id), when sent. */
    sourcedid: string | null;
    /** The custom claim as JSON. */
    custom: string;
    updated_at: string;
  };
  /** An LMS course (context) → its workshop. */
  lti_contexts: { issuer: string; deployment_id: string; context_id: string; workshop: string; title: string; created_at: string };
  /** A resource link placed in an LMS course: what it opens (target) and the line item its scores go to. */
  lti_placements: {
    issuer: string;
    client_id: string;
    deployment_id: string;
    resource_link_id: string;
    workshop: string;
    /** "lesson:<route>", "quiz:<block id>" or "lab:<block id>". */
    target: string;
    lineitem: string | null;
    updated_at: string;
  };
  /** One-time links from a launch to the site as that learner (sha-256 of the token). */
  lti_handoffs: {
    token_hash: string;
    learner: string;
    instructor: string | null;
    route: string;
    /** sha-256 of the browser binding cookie set with the launch page; null when the link opens in another window. */
    browser_hash: string | null;
    expires_at: string;
    used_at: string | null;
  };
  /** Deep-linking sessions: what the instructor picks is returned to this platform (sha-256 of the token). */
  lti_deep_links: {
    token_hash: string;
    issuer: string;
    client_id: string;
    deployment_id: string;
    return_url: string;
    data: string | null;
    workshop: string;
    expires_at: string;
    used_at: string | null;
  };
  /** The durable queue of scores for platforms (AGS): sent in id order per (line item, user). */
  lti_scores: {
    id: Generated<number>;
    issuer: string;
    client_id: string;
    lineitem: string;
    user_id: string;
    learner: string;
    score_given: number;
    score_maximum: number;
    activity_progress: string;
    grading_progress: string;
    timestamp: string;
    /** queued | sent | rejected (the platform refused it for good: kept with its reason). */
    state: string;
    /** Tries that failed so far (the one that succeeded is not counted). */
    attempts: number;
    next_at: string;
    last_error: string | null;
    sent_at: string | null;
    /** The sender (one server's) that claimed this score to send it now, until lease_until (migration 006). */
    lease_owner: string | null;
    lease_until: string | null;
  };
  /**
   * The LTI tool's signing key (migration 007), one row per name ('tool'): its private JWK as JSON.
   * Shared by every server on the store, so /lti/jwks is the same whichever answers.
   */
  lti_tool_keys: { name: string; jwk: string; created_at: string };
  /**
   * The server holding each learner's sandbox now (several servers sharing one store): written when
   * a sandbox is handed out, removed when it ends; a row left by a server that died says the
   * learner's sandbox was lost with it.
   */
  sandbox_hosts: { learner: string; server: string; sandbox: string; at: string };
  /** One-off facts about the store itself (e.g. that an old results.sqlite was imported). */
  store_meta: { key: string; value: string };
}

export type Db = Kysely<Tables>;
export type Engine = 'sqlite' | 'postgres';

/** The store could not commit: a full disk, a read-only file, a database that is down. */
export class ResultsNotSavedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ResultsNotSaved';
  }
}

/** Whether `e` is the database refusing to write (disk full, read-only, I/O error, gone), as opposed to a bug. */
export function isStorageFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const x = e as Error & { errcode?: number; code?: string };
  // SQLite primary codes: 8 READONLY, 10 IOERR, 13 FULL, 14 CANTOPEN (extended codes keep them in the low byte).
  if (typeof x.errcode === 'number' && [8, 10, 13, 14].includes(x.errcode & 0xff)) return true;
  // PostgreSQL SQLSTATE classes 53 (insufficient resources), 08 (connection), 57P (shutdown), 25006 (read-only).
  if (typeof x.code === 'string' && /^(53|08|57P)|^25006$/.test(x.code)) return true;
  return ['ENOSPC', 'EROFS', 'EIO', 'ECONNREFUSED', 'ECONNRESET', 'EDQUOT'].includes(x.code ?? '');
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((ok) => (release = ok));
    const got = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return got;
  }
}

class NodeSqliteConnection implements DatabaseConnection {
  readonly db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.db = db;
  }
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.db.prepare(q.sql);
    const params = q.parameters as SQLInputValue[];
    if (stmt.columns().length > 0) return Promise.resolve({ rows: stmt.all(...params) as R[] });
    const r = stmt.run(...params);
    return Promise.resolve({ rows: [], numAffectedRows: BigInt(r.changes), insertId: BigInt(r.lastInsertRowid) });
  }
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not used by the store');
  }
}

class NodeSqliteDriver implements Driver {
  private readonly conn: NodeSqliteConnection;
  private readonly mutex = new Mutex();
  private release: (() => void) | undefined;
  constructor(db: DatabaseSync) {
    this.conn = new NodeSqliteConnection(db);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    this.release = await this.mutex.lock();
    return this.conn;
  }
  async releaseConnection(): Promise<void> {
    const r = this.release;
    this.release = undefined;
    r?.();
  }
  async beginTransaction(c: DatabaseConnection, _s: TransactionSettings): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    // After SQLITE_FULL (and some I/O errors) SQLite has rolled back already: a ROLLBACK now
    // would fail with "no transaction is active" and hide the error that matters.
    if ((c as NodeSqliteConnection).db.isTransaction) await c.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async destroy(): Promise<void> {
    this.conn.db.close();
  }
}

class NodeSqliteDialect extends SqliteDialect {
  private readonly sqlite: DatabaseSync;
  constructor(db: DatabaseSync) {
    super({ database: db as never });
    this.sqlite = db;
  }
  override createDriver(): Driver {
    return new NodeSqliteDriver(this.sqlite);
  }
}

/** Opens (creating, mode 0600) the SQLite file; ':memory:' for tests. `pages` caps its size (tests of a full disk). */
export function openSqlite(path: string, opts: { maxPages?: number } = {}): { db: Db; raw: DatabaseSync } {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    // Files from before were created world-readable; the journal files take the database's mode.
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
  const raw = new DatabaseSync(path);
  raw.exec('PRAGMA busy_timeout = 5000');
  if (path !== ':memory:') raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA synchronous = FULL');
  if (opts.maxPages) raw.exec(`PRAGMA max_page_count = ${Math.floor(opts.maxPages)}`);
  return { db: new Kysely<Tables>({ dialect: new NodeSqliteDialect(raw) }), raw };
}

export function openPostgres(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5_000 });
  // A dropped idle connection must not crash the server; the next query reports the problem.
  pool.on('error', () => {});
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** Runs `work` in a transaction; a storage failure becomes ResultsNotSavedError with the database's own words. */
export async function saving<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(work);
  } catch (e) {
    if (isStorageFailure(e)) throw new ResultsNotSavedError((e as Error).message);
    throw e;
  }
}

/** The same for a single statement outside a transaction. */
export async function saved<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (isStorageFailure(e)) throw new ResultsNotSavedError((e as Error).message);
    throw e;
  }
}

export const now = () => new Date().toISOString();
