/**
 * LTI 1.3 in the results store (migration 004): OIDC logins and nonces
 * (single use), the LMS identity of each learner, LMS courses mapped to
 * workshops, placements, one-time hand-offs and deep-linking sessions (kept
 * as sha-256 of their tokens), and the durable queue of scores.
 *
 * Pure data access; what a refusal means is said by src/lti.
 */
import { randomBytes } from 'node:crypto';
import { now, saved, saving, type Db } from './db.ts';
import { tokenHash } from './workshops.ts';

/** What a gradebook needs to name a learner in the LMS (see lmsIdentities). */
export interface LmsIdentity {
  /** The platform's user id (the id_token's `sub`). */
  lmsUserId: string;
  /** lis person_sourcedid: the school's SIS id, when the platform sends it. */
  sisId?: string;
  email?: string;
  name?: string;
}

export interface LtiUser {
  issuer: string;
  subject: string;
  learner: string;
  name: string | null;
  email: string | null;
  sourcedid: string | null;
  custom: Record<string, unknown>;
}

export interface Placement {
  issuer: string;
  clientId: string;
  deploymentId: string;
  resourceLinkId: string;
  workshop: string;
  target: string;
  lineitem: string | null;
}

export interface QueuedScore {
  id: number;
  issuer: string;
  clientId: string;
  lineitem: string;
  userId: string;
  learner: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  state: 'queued' | 'sent' | 'rejected';
  attempts: number;
  nextAt: string;
  lastError: string | null;
  sentAt: string | null;
}

export type NewScore = Pick<
  QueuedScore,
  'issuer' | 'clientId' | 'lineitem' | 'userId' | 'learner' | 'scoreGiven' | 'scoreMaximum' | 'activityProgress' | 'gradingProgress'
>;

type ScoreRow = {
  id: number;
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
  state: string;
  attempts: number;
  next_at: string;
  last_error: string | null;
  sent_at: string | null;
};

const toScore = (r: ScoreRow): QueuedScore => ({
  id: Number(r.id),
  issuer: r.issuer,
  clientId: r.client_id,
  lineitem: r.lineitem,
  userId: r.user_id,
  learner: r.learner,
  scoreGiven: Number(r.score_given),
  scoreMaximum: Number(r.score_maximum),
  activityProgress: r.activity_progress,
  gradingProgress: r.grading_progress,
  timestamp: r.timestamp,
  state: r.state as QueuedScore['state'],
  attempts: Number(r.attempts),
  nextAt: r.next_at,
  lastError: r.last_error,
  sentAt: r.sent_at,
});

export class LtiStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  // --- OIDC login: state and nonce ----------------------------------------------------------

  async createLogin(issuer: string, clientId: string): Promise<{ state: string; nonce: string }> {
    const state = randomBytes(24).toString('base64url');
    const nonce = randomBytes(24).toString('base64url');
    await saved(
      this.db.insertInto('lti_logins').values({ state, nonce, issuer, client_id: clientId, created_at: now(), used_at: null }).execute(),
    );
    return { state, nonce };
  }

  async login(
    state: string,
  ): Promise<{ nonce: string; issuer: string; clientId: string; createdAt: string; usedAt: string | null } | undefined> {
    const r = await this.db.selectFrom('lti_logins').selectAll().where('state', '=', state).executeTakeFirst();
    return r ? { nonce: r.nonce, issuer: r.issuer, clientId: r.client_id, createdAt: r.created_at, usedAt: r.used_at } : undefined;
  }

  async nonceSeen(issuer: string, nonce: string): Promise<boolean> {
    return !!(await this.db
      .selectFrom('lti_nonces')
      .select('nonce')
      .where('issuer', '=', issuer)
      .where('nonce', '=', nonce)
      .executeTakeFirst());
  }

  /**
   * Uses a login's state and the token's nonce, both once, in one transaction: false when either
   * was used already (a launch sent twice, perhaps at the same moment), and nothing is changed.
   */
  async consume(state: string, issuer: string, nonce: string): Promise<boolean> {
    return saving(this.db, async (tx) => {
      const r = await tx
        .updateTable('lti_logins')
        .set({ used_at: now() })
        .where('state', '=', state)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      const seen = await tx
        .selectFrom('lti_nonces')
        .select('nonce')
        .where('issuer', '=', issuer)
        .where('nonce', '=', nonce)
        .executeTakeFirst();
      if (seen) throw new ReplayError();
      await tx.insertInto('lti_nonces').values({ issuer, nonce, used_at: now() }).execute();
      return true;
    }).catch((e: unknown) => {
      // Two launches with one nonce committing at the same moment: the second hits the primary key.
      if (e instanceof ReplayError || isUniqueViolation(e)) return false;
      throw e;
    });
  }

  /** Forgets logins and nonces older than `ms` (a token older than that is refused anyway). */
  async prune(ms: number): Promise<void> {
    const before = new Date(Date.now() - ms).toISOString();
    await this.db.deleteFrom('lti_logins').where('created_at', '<', before).execute();
    await this.db.deleteFrom('lti_nonces').where('used_at', '<', before).execute();
    await this.db.deleteFrom('lti_handoffs').where('expires_at', '<', before).execute();
    await this.db.deleteFrom('lti_deep_links').where('expires_at', '<', before).execute();
  }

  // --- identities and courses -----------------------------------------------------------------

  async user(issuer: string, subject: string): Promise<LtiUser | undefined> {
    const r = await this.db
      .selectFrom('lti_users')
      .selectAll()
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return r
      ? {
          issuer,
          subject,
          learner: r.learner,
          name: r.name,
          email: r.email,
          sourcedid: r.sourcedid,
          custom: JSON.parse(r.custom) as Record<string, unknown>,
        }
      : undefined;
  }

  /** Records (or refreshes: names and emails change in the LMS) a platform user's identity. */
  async putUser(u: LtiUser): Promise<void> {
    const values = {
      issuer: u.issuer,
      subject: u.subject,
      learner: u.learner,
      name: u.name,
      email: u.email,
      sourcedid: u.sourcedid,
      custom: JSON.stringify(u.custom),
      updated_at: now(),
    };
    await saved(
      this.db
        .insertInto('lti_users')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['issuer', 'subject']).doUpdateSet({
            name: values.name,
            email: values.email,
            sourcedid: values.sourcedid,
            custom: values.custom,
            updated_at: values.updated_at,
          }),
        )
        .execute(),
    );
  }

  /** The LTI identities of a workshop's members (those launched from its LMS course), by learner id. */
  async lmsIdentities(workshopId: string): Promise<Map<string, LmsIdentity>> {
    const rows = await this.db
      .selectFrom('workshop_members as m')
      .innerJoin('lti_contexts as c', 'c.workshop', 'm.workshop')
      .innerJoin('lti_users as u', (j) => j.onRef('u.learner', '=', 'm.learner').onRef('u.issuer', '=', 'c.issuer'))
      .select(['m.learner', 'u.subject', 'u.sourcedid', 'u.email', 'u.name'])
      .where('m.workshop', '=', workshopId)
      .execute();
    const out = new Map<string, LmsIdentity>();
    for (const r of rows) {
      const id: LmsIdentity = { lmsUserId: r.subject };
      if (r.sourcedid) id.sisId = r.sourcedid;
      if (r.email) id.email = r.email;
      if (r.name) id.name = r.name;
      out.set(r.learner, id);
    }
    return out;
  }

  async contextWorkshop(issuer: string, deploymentId: string, contextId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('lti_contexts')
      .select('workshop')
      .where('issuer', '=', issuer)
      .where('deployment_id', '=', deploymentId)
      .where('context_id', '=', contextId)
      .executeTakeFirst();
    return r?.workshop;
  }

  async addContext(issuer: string, deploymentId: string, contextId: string, workshop: string, title: string): Promise<void> {
    await saved(
      this.db
        .insertInto('lti_contexts')
        .values({ issuer, deployment_id: deploymentId, context_id: contextId, workshop, title, created_at: now() })
        .execute(),
    );
  }

  // --- placements ----------------------------------------------------------------------------

  async putPlacement(p: Placement): Promise<void> {
    await saved(
      this.db
        .insertInto('lti_placements')
        .values({
          issuer: p.issuer,
          client_id: p.clientId,
          deployment_id: p.deploymentId,
          resource_link_id: p.resourceLinkId,
          workshop: p.workshop,
          target: p.target,
          lineitem: p.lineitem,
          updated_at: now(),
        })
        .onConflict((oc) =>
          oc
            .columns(['issuer', 'deployment_id', 'resource_link_id'])
            .doUpdateSet({ target: p.target, lineitem: p.lineitem, updated_at: now() }),
        )
        .execute(),
    );
  }

  async placements(workshop: string): Promise<Placement[]> {
    const rows = await this.db.selectFrom('lti_placements').selectAll().where('workshop', '=', workshop).execute();
    return rows.map((r) => ({
      issuer: r.issuer,
      clientId: r.client_id,
      deploymentId: r.deployment_id,
      resourceLinkId: r.resource_link_id,
      workshop: r.workshop,
      target: r.target,
      lineitem: r.lineitem,
    }));
  }

  /** The LTI workshops a learner is in (their LMS courses), with the identity they were launched as. */
  async learnerContexts(learner: string): Promise<{ workshop: string; issuer: string; subject: string }[]> {
    return this.db
      .selectFrom('workshop_members as m')
      .innerJoin('lti_contexts as c', 'c.workshop', 'm.workshop')
      .innerJoin('lti_users as u', (j) => j.onRef('u.learner', '=', 'm.learner').onRef('u.issuer', '=', 'c.issuer'))
      .select(['m.workshop', 'u.issuer', 'u.subject'])
      .where('m.learner', '=', learner)
      .execute();
  }

  /** Checks passed in the learner's best attempt of each of these labs (attempts the server could not run do not count). */
  async labBest(learner: string, labs: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (labs.length === 0) return out;
    const rows = await this.db
      .selectFrom('lab_attempts')
      .select(['lab', (eb) => eb.fn.max('passed').as('best')])
      .where('learner', '=', learner)
      .where('lab', 'in', labs)
      .where('infrastructure_error', '=', 0)
      .groupBy('lab')
      .execute();
    for (const r of rows) out.set(r.lab, Number(r.best));
    return out;
  }

  // --- one-time tokens -----------------------------------------------------------------------

  /**
   * A one-time link into the site as `learner`. With `browser`, only the browser holding that
   * secret (a cookie set with the launch page) may use it; another one is refused and the link
   * stays usable by the right one.
   */
  async createHandoff(learner: string, instructor: string | null, route: string, ttlMs: number, browser: string | null): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await saved(
      this.db
        .insertInto('lti_handoffs')
        .values({
          token_hash: tokenHash(token),
          learner,
          instructor,
          route,
          browser_hash: browser === null ? null : tokenHash(browser),
          expires_at: new Date(Date.now() + ttlMs).toISOString(),
          used_at: null,
        })
        .execute(),
    );
    return token;
  }

  async useHandoff(
    token: string,
    browser: string | undefined,
  ): Promise<{ learner: string; instructor: string | null; route: string } | undefined> {
    const hash = tokenHash(token);
    return saving(this.db, async (tx) => {
      const r = await tx.selectFrom('lti_handoffs').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      if (!r || r.used_at !== null || Date.parse(r.expires_at) <= Date.now()) return undefined;
      if (r.browser_hash !== null && (browser === undefined || tokenHash(browser) !== r.browser_hash)) return undefined;
      const u = await tx
        .updateTable('lti_handoffs')
        .set({ used_at: now() })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) return undefined;
      return { learner: r.learner, instructor: r.instructor, route: r.route };
    });
  }

  async createDeepLink(
    d: { issuer: string; clientId: string; deploymentId: string; returnUrl: string; data: string | null; workshop: string },
    ttlMs: number,
  ): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await saved(
      this.db
        .insertInto('lti_deep_links')
        .values({
          token_hash: tokenHash(token),
          issuer: d.issuer,
          client_id: d.clientId,
          deployment_id: d.deploymentId,
          return_url: d.returnUrl,
          data: d.data,
          workshop: d.workshop,
          expires_at: new Date(Date.now() + ttlMs).toISOString(),
          used_at: null,
        })
        .execute(),
    );
    return token;
  }

  async useDeepLink(
    token: string,
  ): Promise<
    { issuer: string; clientId: string; deploymentId: string; returnUrl: string; data: string | null; workshop: string } | undefined
  > {
    const hash = tokenHash(token);
    return saving(this.db, async (tx) => {
      const r = await tx.selectFrom('lti_deep_links').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      if (!r || r.used_at !== null || Date.parse(r.expires_at) <= Date.now()) return undefined;
      await tx.updateTable('lti_deep_links').set({ used_at: now() }).where('token_hash', '=', hash).execute();
      return {
        issuer: r.issuer,
        clientId: r.client_id,
        deploymentId: r.deployment_id,
        returnUrl: r.return_url,
        data: r.data,
        workshop: r.workshop,
      };
    });
  }

  // --- the score queue -----------------------------------------------------------------------

  /** The newest score queued or sent for a (line item, user), to skip queueing the same again. */
  async lastScore(lineitem: string, userId: string): Promise<QueuedScore | undefined> {
    const r = await this.db
      .selectFrom('lti_scores')
      .selectAll()
      .where('lineitem', '=', lineitem)
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? toScore(r as ScoreRow) : undefined;
  }

  /** Queues a score (committed before this returns: it survives a restart). */
  async enqueue(s: NewScore): Promise<QueuedScore> {
    const at = now();
    const r = await saved(
      this.db
        .insertInto('lti_scores')
        .values({
          issuer: s.issuer,
          client_id: s.clientId,
          lineitem: s.lineitem,
          user_id: s.userId,
          learner: s.learner,
          score_given: s.scoreGiven,
          score_maximum: s.scoreMaximum,
          activity_progress: s.activityProgress,
          grading_progress: s.gradingProgress,
          timestamp: at,
          state: 'queued',
          attempts: 0,
          next_at: at,
          last_error: null,
          sent_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toScore(r as ScoreRow);
  }

  /**
   * What may be sent now: for each (line item, user), its oldest queued score, if that one is
   * due. A later score never goes before an earlier one of the same pair.
   */
  async due(at = Date.now()): Promise<QueuedScore[]> {
    const rows = (await this.db.selectFrom('lti_scores').selectAll().where('state', '=', 'queued').orderBy('id').execute()).map((r) =>
      toScore(r as ScoreRow),
    );
    const heads = new Map<string, QueuedScore>();
    for (const r of rows) {
      const key = `${r.lineitem}\u0000${r.userId}`;
      if (!heads.has(key)) heads.set(key, r);
    }
    return [...heads.values()].filter((r) => Date.parse(r.nextAt) <= at);
  }

  async scores(): Promise<QueuedScore[]> {
    return (await this.db.selectFrom('lti_scores').selectAll().orderBy('id').execute()).map((r) => toScore(r as ScoreRow));
  }

  async markSent(id: number): Promise<void> {
    await saved(this.db.updateTable('lti_scores').set({ state: 'sent', sent_at: now(), last_error: null }).where('id', '=', id).execute());
  }

  async markRetry(id: number, attempts: number, nextAt: string, error: string): Promise<void> {
    await saved(this.db.updateTable('lti_scores').set({ attempts, next_at: nextAt, last_error: error }).where('id', '=', id).execute());
  }

  async markRejected(id: number, attempts: number, error: string): Promise<void> {
    await saved(this.db.updateTable('lti_scores').set({ state: 'rejected', attempts, last_error: error }).where('id', '=', id).execute());
  }
}

class ReplayError extends Error {}

/** A unique or primary key constraint refused the insert (SQLite SQLITE_CONSTRAINT_*, PostgreSQL 23505). */
function isUniqueViolation(e: unknown): boolean {
  const x = e as { errcode?: number; code?: string };
  return x?.code === '23505' || (typeof x?.errcode === 'number' && (x.errcode & 0xff) === 19);
}
