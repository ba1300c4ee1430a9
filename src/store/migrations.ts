/**
 * Versioned migrations of the results store, the same for both engines
 * (Kysely's Migrator records which ran in `kysely_migration`). Never edit a
 * migration that has shipped: add the next one.
 *
 * 001 adopts the lab results of the store before this one (results.sqlite
 * with lab_starts, lab_attempts, lab_check_results, lab_give_ups, perhaps
 * without the later `ran` and `worked` columns): tables are created only
 * when missing and the columns added when missing, so that file is migrated
 * in place and nothing in it is lost.
 */
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { Engine } from './db.ts';

// Migrations see the database as it was then, not as Tables says it is now.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function idColumn(engine: Engine) {
  return engine === 'postgres' ? ('serial' as const) : ('integer' as const);
}

async function columns(db: AnyDb, table: string): Promise<string[]> {
  const t = (await db.introspection.getTables()).find((x) => x.name === table);
  return t ? t.columns.map((c) => c.name) : [];
}

function m001(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('lab_starts')
        .ifNotExists()
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('lab', 'text', (c) => c.notNull())
        .addColumn('sandbox', 'text', (c) => c.notNull())
        .addColumn('facts', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lab_starts_pk', ['learner', 'lab'])
        .execute();
      await db.schema
        .createTable('lab_attempts')
        .ifNotExists()
        .addColumn('id', idColumn(engine), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('lab', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('infrastructure_error', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lab_check_results')
        .ifNotExists()
        .addColumn('attempt', 'integer', (c) => c.notNull().references('lab_attempts.id'))
        .addColumn('check_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('ms', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('lab_attempts_by_learner').ifNotExists().on('lab_attempts').columns(['learner', 'lab']).execute();
      await db.schema
        .createTable('lab_give_ups')
        .ifNotExists()
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('lab', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      // Rows from before checks said whether they ran count as run; from before `worked`, as not worked.
      if (!(await columns(db, 'lab_check_results')).includes('ran'))
        await db.schema
          .alterTable('lab_check_results')
          .addColumn('ran', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      if (!(await columns(db, 'lab_attempts')).includes('worked'))
        await db.schema
          .alterTable('lab_attempts')
          .addColumn('worked', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
    },
  };
}

function m002(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      for (const t of ['lab_starts', 'lab_attempts', 'lab_give_ups']) {
        await db.schema.alterTable(t).addColumn('workshop', 'text').execute();
      }
      await db.schema.createIndex('lab_attempts_by_workshop').on('lab_attempts').column('workshop').execute();
      await db.schema.createIndex('lab_check_results_by_attempt').ifNotExists().on('lab_check_results').column('attempt').execute();
      await db.schema
        .createTable('events')
        .addColumn('id', idColumn(engine), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('page', 'text', (c) => c.notNull())
        .addColumn('block', 'text', (c) => c.notNull())
        .addColumn('question', 'integer')
        .addColumn('choice', 'text')
        .addColumn('correct', 'integer')
        .addColumn('detail', 'integer')
        .addColumn('workshop', 'text')
        .addColumn('client_at', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addUniqueConstraint('events_once', ['learner', 'client_id'])
        .execute();
      await db.schema.createIndex('events_by_workshop').on('events').columns(['workshop', 'id']).execute();
      await db.schema
        .createTable('workshops')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull())
        .addColumn('lessons', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text')
        .addColumn('ends_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema
        .createTable('workshop_members')
        .addColumn('workshop', 'text', (c) => c.notNull().references('workshops.id'))
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addColumn('watch_allowed', 'integer', (c) => c.notNull().defaultTo(1))
        .addPrimaryKeyConstraint('workshop_members_pk', ['workshop', 'learner'])
        .addUniqueConstraint('workshop_members_name', ['workshop', 'name_key'])
        .execute();
      await db.schema.createIndex('workshop_members_by_learner').on('workshop_members').column('learner').execute();
      await db.schema
        .createTable('workshop_locks')
        .addColumn('workshop', 'text', (c) => c.notNull().references('workshops.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('workshop_locks_pk', ['workshop', 'kind', 'target'])
        .execute();
      await db.schema
        .createTable('workshop_messages')
        .addColumn('id', idColumn(engine), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('workshop', 'text', (c) => c.notNull().references('workshops.id'))
        .addColumn('learner', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('route', 'text')
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('login_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('instructor', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('workshop', 'text')
        .execute();
      await db.schema
        .createTable('resume_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('store_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * 004: LTI 1.3 (src/lti). Logins (OIDC state and nonce, single use), nonces
 * seen in launches, the LMS identity of each learner, LMS courses mapped to
 * workshops, placements (resource links and their line items), one-time
 * hand-offs and deep-linking sessions (sha-256 of the token), and the
 * durable queue of scores for the platforms.
 */
function m004(engine: Engine): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('lti_logins')
        .addColumn('state', 'text', (c) => c.primaryKey())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('lti_nonces')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_nonces_pk', ['issuer', 'nonce'])
        .execute();
      await db.schema
        .createTable('lti_users')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('sourcedid', 'text')
        .addColumn('custom', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_users_pk', ['issuer', 'subject'])
        .execute();
      await db.schema.createIndex('lti_users_by_learner').on('lti_users').column('learner').execute();
      await db.schema
        .createTable('lti_contexts')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('workshop', 'text', (c) => c.notNull().references('workshops.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_contexts_pk', ['issuer', 'deployment_id', 'context_id'])
        .execute();
      await db.schema
        .createTable('lti_placements')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('resource_link_id', 'text', (c) => c.notNull())
        .addColumn('workshop', 'text', (c) => c.notNull().references('workshops.id'))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('lineitem', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lti_placements_pk', ['issuer', 'deployment_id', 'resource_link_id'])
        .execute();
      await db.schema.createIndex('lti_placements_by_workshop').on('lti_placements').column('workshop').execute();
      await db.schema
        .createTable('lti_handoffs')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('instructor', 'text')
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('browser_hash', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('lti_deep_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('return_url', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .addColumn('workshop', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('lti_scores')
        .addColumn('id', idColumn(engine), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('lineitem', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('learner', 'text', (c) => c.notNull())
        .addColumn('score_given', 'integer', (c) => c.notNull())
        .addColumn('score_maximum', 'integer', (c) => c.notNull())
        .addColumn('activity_progress', 'text', (c) => c.notNull())
        .addColumn('grading_progress', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('sent_at', 'text')
        .execute();
      await db.schema.createIndex('lti_scores_queue').on('lti_scores').columns(['state', 'lineitem', 'user_id', 'id']).execute();
    },
  };
}

/** 005: which server holds each learner's sandbox (several servers sharing one store). */
function m005(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('sandbox_hosts')
        .addColumn('learner', 'text', (c) => c.primaryKey())
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('sandbox', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * 006: a lease on queued LTI scores. With several servers on one store each
 * runs a sender; a sender claims a score (lease_owner, lease_until) in one
 * UPDATE before sending it, so no two send the same score, and a claim left
 * by a server that died runs out and is taken by another.
 */
function m006(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('lti_scores').addColumn('lease_owner', 'text').execute();
      await db.schema.alterTable('lti_scores').addColumn('lease_until', 'text').execute();
    },
  };
}

/**
 * 007: the LTI tool key in the store, so every server sharing it signs with
 * one key and publishes the same JWKS (a row per key name; 'tool' today).
 */
function m007(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('lti_tool_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/** 008: instructor sessions kept by the server, so that signing out (or losing one's password) ends them. */
function m008(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('instructor_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('instructor', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

export function migrations(engine: Engine): MigrationProvider {
  return {
    getMigrations: async () => ({
      '001_lab_results': m001(engine),
      '002_events_workshops': m002(engine),
      '004_lti': m004(engine),
      '005_sandbox_hosts': m005(),
      '006_lti_score_leases': m006(),
      '007_lti_tool_key': m007(),
      '008_instructor_sessions': m008(),
    }),
  };
}
