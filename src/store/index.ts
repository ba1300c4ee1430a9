/**
 * Opens the one results store: SQLite in the state dir (`results.sqlite`) by
 * default, PostgreSQL when a database URL is given; runs the migrations; and,
 * on PostgreSQL, imports once the lab results of an existing
 * `STATE_DIR/results.sqlite` (a server that used SQLite before), and its LTI
 * tool key, so moving to PostgreSQL loses nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Migrator } from 'kysely/migration';
import { now, openPostgres, openSqlite, type Db, type Engine } from './db.ts';
import { migrations } from './migrations.ts';
import { ResultsStore } from './results.ts';
import { LtiStore } from './lti.ts';
import { WorkshopStore } from './workshops.ts';

export { ResultsNotSavedError } from './db.ts';
export type { Engine } from './db.ts';
export type { LmsIdentity } from './lti.ts';

export interface Store {
  engine: Engine;
  /** Where it is, for the log (no password). */
  where: string;
  db: Db;
  results: ResultsStore;
  workshops: WorkshopStore;
  /** LTI 1.3: identities, LMS courses, placements, the score queue; `lti.lmsIdentities(workshopId)` for gradebooks. */
  lti: LtiStore;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** The state dir: SQLite's file lives here, and an old one is imported from here into PostgreSQL. */
  stateDir?: string;
  /** postgres://… : use PostgreSQL. */
  databaseUrl?: string | undefined;
  /** SQLite file instead of STATE_DIR/results.sqlite (':memory:' in tests). */
  sqlitePath?: string;
  /** Caps the SQLite file's size in pages (tests of a full disk). */
  sqliteMaxPages?: number;
}

export async function migrate(db: Db, engine: Engine): Promise<void> {
  // Unordered: migrations written on parallel branches (003 exports, 004 LTI) touch separate tables, and a
  // store that ran 004 before 003 was merged must still take 003 rather than refuse to start.
  const { error, results } = await new Migrator({ db, provider: migrations(engine), allowUnorderedMigrations: true }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'a migration';
    throw new Error(`the results store could not be migrated (${failed}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Copies the lab results of an old SQLite store into `db` (PostgreSQL), once. */
async function importLegacy(db: Db, file: string): Promise<number> {
  const key = `imported:${file}`;
  if (await db.selectFrom('store_meta').select('value').where('key', '=', key).executeTakeFirst()) return 0;
  const { db: old } = openSqlite(file);
  try {
    await migrate(old, 'sqlite');
    const starts = await old.selectFrom('lab_starts').selectAll().execute();
    const attempts = await old.selectFrom('lab_attempts').selectAll().orderBy('id').execute();
    const checks = await old.selectFrom('lab_check_results').selectAll().execute();
    const giveUps = await old.selectFrom('lab_give_ups').selectAll().execute();
    // The LTI tool key too, so platforms keep trusting the keys they cached (unless the store has one already).
    const keys = await old.selectFrom('lti_tool_keys').selectAll().execute();
    await db.transaction().execute(async (tx) => {
      for (const s of starts)
        await tx
          .insertInto('lab_starts')
          .values(s)
          .onConflict((oc) => oc.columns(['learner', 'lab']).doNothing())
          .execute();
      const ids = new Map<number, number>();
      for (const a of attempts) {
        const { id, ...rest } = a;
        const r = await tx.insertInto('lab_attempts').values(rest).returning('id').executeTakeFirstOrThrow();
        ids.set(Number(id), Number(r.id));
      }
      for (const c of checks) {
        const attempt = ids.get(Number(c.attempt));
        if (attempt !== undefined)
          await tx
            .insertInto('lab_check_results')
            .values({ ...c, attempt })
            .execute();
      }
      if (giveUps.length) await tx.insertInto('lab_give_ups').values(giveUps).execute();
      for (const k of keys)
        await tx
          .insertInto('lti_tool_keys')
          .values(k)
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      await tx.insertInto('store_meta').values({ key, value: now() }).execute();
    });
    return attempts.length + starts.length + giveUps.length;
  } finally {
    await old.destroy();
  }
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Db;
  let engine: Engine;
  let where: string;
  if (opts.databaseUrl) {
    engine = 'postgres';
    db = openPostgres(opts.databaseUrl);
    const u = new URL(opts.databaseUrl);
    where = `PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } else {
    engine = 'sqlite';
    const path = opts.sqlitePath ?? join(opts.stateDir ?? '.drillbook', 'results.sqlite');
    db = openSqlite(path, { maxPages: opts.sqliteMaxPages }).db;
    where = path;
  }
  try {
    await migrate(db, engine);
    const legacy = opts.stateDir ? join(opts.stateDir, 'results.sqlite') : undefined;
    if (engine === 'postgres' && legacy && existsSync(legacy)) {
      const n = await importLegacy(db, legacy);
      if (n > 0) where += ` (imported ${n} lab rows from ${legacy})`;
    }
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const results = new ResultsStore(db);
  const workshops = new WorkshopStore(db);
  const lti = new LtiStore(db, engine);
  return { engine, where, db, results, workshops, lti, close: () => db.destroy() };
}
