/**
 * Several Drillbook servers serving one course through one PostgreSQL store.
 *
 * - SandboxHosts: which server holds each learner's sandbox (`sandbox_hosts`).
 *   A server writes the row when it hands a sandbox out and removes it when the
 *   sandbox ends (graceful shutdown included). A row that names another server
 *   while the learner asks this one, or names this server while it holds no
 *   sandbox for them, was left by a server that died: the learner's sandbox was
 *   lost with it, and they get a fresh one with a notice.
 * - Bus: PostgreSQL LISTEN/NOTIFY on one channel, so that what one server
 *   commits (a result, a join, a lock, a message, the end of a workshop) reaches
 *   the live class views and learners' streams held by the others. A note is a
 *   small JSON reference (which workshop, which learner); the receiver reads the
 *   store, which stays the truth, so a note lost while the connection was down
 *   costs only a rebuild (`onResync`), never a result.
 * On SQLite (one server) there is no bus: `openBus` is only called for PostgreSQL.
 */
import pg from 'pg';
import { now, type Db } from './db.ts';

export interface SandboxHost {
  server: string;
  sandbox: string;
  at: string;
}

export class SandboxHosts {
  private db: Db;
  readonly server: string;

  constructor(db: Db, server: string) {
    this.db = db;
    this.server = server;
  }

  /** This server now holds `sandbox` for `learner`. */
  async held(learner: string, sandbox: string): Promise<void> {
    const row = { learner, server: this.server, sandbox, at: now() };
    await this.db
      .insertInto('sandbox_hosts')
      .values(row)
      .onConflict((oc) => oc.column('learner').doUpdateSet({ server: row.server, sandbox: row.sandbox, at: row.at }))
      .execute();
  }

  /** That sandbox ended here (a row already naming a newer sandbox or another server is left alone). */
  async released(learner: string, sandbox: string): Promise<void> {
    await this.db
      .deleteFrom('sandbox_hosts')
      .where('learner', '=', learner)
      .where('server', '=', this.server)
      .where('sandbox', '=', sandbox)
      .execute();
  }

  async where(learner: string): Promise<SandboxHost | undefined> {
    return this.db.selectFrom('sandbox_hosts').select(['server', 'sandbox', 'at']).where('learner', '=', learner).executeTakeFirst();
  }

  /** Rows of sandboxes handed out before `iso` (past their lifetime: whatever held them, they are gone). */
  async purgeBefore(iso: string): Promise<void> {
    await this.db.deleteFrom('sandbox_hosts').where('at', '<', iso).execute();
  }

  /** Every row of this server (its sandboxes all ended: a graceful stop). */
  async releaseAll(): Promise<void> {
    await this.db.deleteFrom('sandbox_hosts').where('server', '=', this.server).execute();
  }
}

export const BUS_CHANNEL = 'drillbook_cluster';
/** PostgreSQL refuses NOTIFY payloads from 8000 bytes on. */
const MAX_PAYLOAD = 7900;

export interface Bus<T> {
  /** Sends a note to every other server (not back to this one). Best effort: the store is the truth. */
  publish(note: T): void;
  /** Notes from other servers. */
  onNote(fn: (note: T, from: string) => void): void;
  /** The connection came back after a drop: notes may have been missed, re-read the store. */
  onResync(fn: () => void): void;
  close(): Promise<void>;
}

interface Envelope<T> {
  from: string;
  note: T;
}

/** LISTEN on the store's database; reconnects after a drop (every second until it answers). */
export async function openBus<T>(url: string, server: string, log: (line: string) => void): Promise<Bus<T>> {
  const noteFns: ((note: T, from: string) => void)[] = [];
  const resyncFns: (() => void)[] = [];
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    // Named, so that an operator sees in pg_stat_activity which server listens.
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5_000,
      application_name: `drillbook-notes-${server}`.slice(0, 63),
    });
    c.on('notification', (m) => {
      if (m.channel !== BUS_CHANNEL || !m.payload) return;
      let env: Envelope<T>;
      try {
        env = JSON.parse(m.payload) as Envelope<T>;
      } catch {
        return;
      }
      if (env.from === server) return;
      for (const fn of noteFns) fn(env.note, env.from);
    });
    const lost = () => {
      if (client !== c) return;
      client = undefined;
      void c.end().catch(() => {});
      if (closed) return;
      log('cluster: the connection for notes from other servers dropped; reconnecting');
      schedule();
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    await c.query(`LISTEN ${BUS_CHANNEL}`);
    client = c;
  };
  const schedule = () => {
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          log('cluster: notes from other servers are back; re-reading the store');
          for (const fn of resyncFns) fn();
        },
        () => schedule(),
      );
    }, 1_000);
    retry.unref();
  };

  await connect();
  return {
    publish(note) {
      const payload = JSON.stringify({ from: server, note } satisfies Envelope<T>);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
        log(`cluster: a note of ${Buffer.byteLength(payload)} bytes is too large for NOTIFY; not sent`);
        return;
      }
      client?.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, payload]).catch((e: unknown) => log(`cluster: note not sent: ${String(e)}`));
    },
    onNote: (fn) => void noteFns.push(fn),
    onResync: (fn) => void resyncFns.push(fn),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
