/**
 * Workshops in the results store: the workshop, its members (display names
 * unique per workshop, case and width folded), pacing locks, messages, and
 * the one-time links (instructor sign-in, learner resume) kept as sha-256
 * hashes. Pure data access: what a refusal means to a person is said by the
 * workshop service.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { now, saved, saving, type Db } from './db.ts';

/** Join-code letters: no 0/O, 1/I/L, U/V pairs to confuse when read aloud or from a slide. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';
export const CODE_LENGTH = 6;

/** "k7m-3qx " → "K7M3QX"; null when it cannot be a code. */
export function normaliseCode(text: string): string | null {
  const c = text.toUpperCase().replace(/[\s-]/g, '');
  if (c.length !== CODE_LENGTH) return null;
  return [...c].every((ch) => CODE_ALPHABET.includes(ch)) ? c : null;
}

/** "K7M3QX" → "K7M-3QX", as shown to people. */
export function showCode(code: string): string {
  return `${code.slice(0, 3)}-${code.slice(3)}`;
}

export function newCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

/** A display name folded for uniqueness: "Ana" and "ＡＮＡ " are one name. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** How an instructor signed in: a password (DRILLBOOK_INSTRUCTOR_PASSWORD), a one-time link, an LMS launch. */
export type SessionVia = 'password' | 'link' | 'lti';

export interface Workshop {
  id: string;
  code: string;
  title: string;
  seats: number;
  /** Lesson routes; [] is every lesson of the course. */
  lessons: string[];
  startsAt: string | null;
  endsAt: string | null;
  createdAt: string;
  createdBy: string;
  endedAt: string | null;
}

export interface Member {
  workshop: string;
  learner: string;
  name: string;
  joinedAt: string;
  watchAllowed: boolean;
}

export interface Lock {
  kind: 'lesson' | 'lab';
  target: string;
}

export interface Message {
  id: number;
  workshop: string;
  learner: string | null;
  kind: 'message' | 'goto';
  text: string;
  route: string | null;
  by: string;
  at: string;
}

type WorkshopRow = {
  id: string;
  code: string;
  title: string;
  seats: number;
  lessons: string;
  starts_at: string | null;
  ends_at: string | null;
  created_at: string;
  created_by: string;
  ended_at: string | null;
};

const toWorkshop = (r: WorkshopRow): Workshop => ({
  id: r.id,
  code: r.code,
  title: r.title,
  seats: Number(r.seats),
  lessons: JSON.parse(r.lessons) as string[],
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
  endedAt: r.ended_at,
});

const toMember = (r: { workshop: string; learner: string; name: string; joined_at: string; watch_allowed: number }): Member => ({
  workshop: r.workshop,
  learner: r.learner,
  name: r.name,
  joinedAt: r.joined_at,
  watchAllowed: Number(r.watch_allowed) === 1,
});

/**
 * Instructor accounts of LMS courses (LTI) are named `lti-…`; their workshops are LMS courses:
 * learners come and go over weeks, so their seats are not held against the host's capacity.
 */
export const LMS_COURSE_PREFIX = 'lti-';
export const isLmsCourse = (w: Pick<Workshop, 'createdBy'>) => w.createdBy.startsWith(LMS_COURSE_PREFIX);

/** A workshop is over once ended by hand, or past its end time. */
export function isOver(w: Workshop, at = Date.now()): boolean {
  return w.endedAt !== null || (w.endsAt !== null && Date.parse(w.endsAt) <= at);
}

export class WorkshopStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async create(w: Omit<Workshop, 'id' | 'code' | 'createdAt' | 'endedAt'>): Promise<Workshop> {
    for (let attempt = 0; ; attempt++) {
      const row: WorkshopRow = {
        id: randomBytes(9).toString('base64url'),
        code: newCode(),
        title: w.title,
        seats: w.seats,
        lessons: JSON.stringify(w.lessons),
        starts_at: w.startsAt,
        ends_at: w.endsAt,
        created_at: now(),
        created_by: w.createdBy,
        ended_at: null,
      };
      // A code in use by a workshop that is not over is taken; reusing old ones is not needed (29^6 codes).
      const taken = await this.db.selectFrom('workshops').select('id').where('code', '=', row.code).executeTakeFirst();
      if (taken && attempt < 20) continue;
      await saved(this.db.insertInto('workshops').values(row).execute());
      return toWorkshop(row);
    }
  }

  async byId(id: string): Promise<Workshop | undefined> {
    const r = await this.db.selectFrom('workshops').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toWorkshop(r) : undefined;
  }

  async byCode(code: string): Promise<Workshop | undefined> {
    const r = await this.db.selectFrom('workshops').selectAll().where('code', '=', code).executeTakeFirst();
    return r ? toWorkshop(r) : undefined;
  }

  /** An instructor's workshops, newest first; all of them when `by` is undefined. */
  async list(by?: string): Promise<Workshop[]> {
    let q = this.db.selectFrom('workshops').selectAll();
    if (by !== undefined) q = q.where('created_by', '=', by);
    return (await q.orderBy('created_at', 'desc').execute()).map(toWorkshop);
  }

  async end(id: string): Promise<Workshop | undefined> {
    await saved(this.db.updateTable('workshops').set({ ended_at: now() }).where('id', '=', id).where('ended_at', 'is', null).execute());
    return this.byId(id);
  }

  async members(workshop: string): Promise<Member[]> {
    return (await this.db.selectFrom('workshop_members').selectAll().where('workshop', '=', workshop).orderBy('joined_at').execute()).map(
      toMember,
    );
  }

  async member(workshop: string, learner: string): Promise<Member | undefined> {
    const r = await this.db
      .selectFrom('workshop_members')
      .selectAll()
      .where('workshop', '=', workshop)
      .where('learner', '=', learner)
      .executeTakeFirst();
    return r ? toMember(r) : undefined;
  }

  /** The workshops a learner joined, newest first. */
  async memberships(learner: string): Promise<Member[]> {
    return (
      await this.db.selectFrom('workshop_members').selectAll().where('learner', '=', learner).orderBy('joined_at', 'desc').execute()
    ).map(toMember);
  }

  /**
   * Takes a seat: refused when every seat is taken or the name is someone else's in this
   * workshop. A learner who joined already keeps their seat (and may change their name).
   */
  async join(
    workshop: Workshop,
    learner: string,
    name: string,
  ): Promise<{ ok: true; member: Member } | { ok: false; reason: 'full' | 'name-taken' }> {
    const key = nameKey(name);
    return saving(this.db, async (tx) => {
      // Serialises joins of one workshop on PostgreSQL (SQLite transactions are serial already).
      await tx.updateTable('workshops').set({ seats: workshop.seats }).where('id', '=', workshop.id).execute();
      const holder = await tx
        .selectFrom('workshop_members')
        .select('learner')
        .where('workshop', '=', workshop.id)
        .where('name_key', '=', key)
        .executeTakeFirst();
      if (holder && holder.learner !== learner) return { ok: false as const, reason: 'name-taken' as const };
      const mine = await tx
        .selectFrom('workshop_members')
        .selectAll()
        .where('workshop', '=', workshop.id)
        .where('learner', '=', learner)
        .executeTakeFirst();
      if (mine) {
        await tx
          .updateTable('workshop_members')
          .set({ name, name_key: key })
          .where('workshop', '=', workshop.id)
          .where('learner', '=', learner)
          .execute();
        return { ok: true as const, member: toMember({ ...mine, name }) };
      }
      const { n } = await tx
        .selectFrom('workshop_members')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workshop', '=', workshop.id)
        .executeTakeFirstOrThrow();
      if (Number(n) >= workshop.seats) return { ok: false as const, reason: 'full' as const };
      const row = { workshop: workshop.id, learner, name, name_key: key, joined_at: now(), watch_allowed: 1 };
      await tx.insertInto('workshop_members').values(row).execute();
      return { ok: true as const, member: toMember(row) };
    });
  }

  async setWatchAllowed(workshop: string, learner: string, allowed: boolean): Promise<void> {
    await saved(
      this.db
        .updateTable('workshop_members')
        .set({ watch_allowed: allowed ? 1 : 0 })
        .where('workshop', '=', workshop)
        .where('learner', '=', learner)
        .execute(),
    );
  }

  async locks(workshop: string): Promise<Lock[]> {
    const rows = await this.db
      .selectFrom('workshop_locks')
      .select(['kind', 'target'])
      .where('workshop', '=', workshop)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({ kind: r.kind as Lock['kind'], target: r.target }));
  }

  async setLock(workshop: string, lock: Lock, locked: boolean): Promise<void> {
    if (locked)
      await saved(
        this.db
          .insertInto('workshop_locks')
          .values({ workshop, kind: lock.kind, target: lock.target, at: now() })
          .onConflict((oc) => oc.columns(['workshop', 'kind', 'target']).doNothing())
          .execute(),
      );
    else
      await saved(
        this.db
          .deleteFrom('workshop_locks')
          .where('workshop', '=', workshop)
          .where('kind', '=', lock.kind)
          .where('target', '=', lock.target)
          .execute(),
      );
  }

  async addMessage(m: Omit<Message, 'id' | 'at'>): Promise<Message> {
    const at = now();
    const r = await saved(
      this.db
        .insertInto('workshop_messages')
        .values({ ...m, at })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return { ...m, id: Number(r.id), at };
  }

  /** Messages for a learner (to everyone or to them), oldest first. */
  async messages(workshop: string, learner?: string): Promise<Message[]> {
    let q = this.db.selectFrom('workshop_messages').selectAll().where('workshop', '=', workshop);
    if (learner !== undefined) q = q.where((eb) => eb.or([eb('learner', 'is', null), eb('learner', '=', learner)]));
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), kind: r.kind as Message['kind'] }));
  }

  /** A one-time sign-in link's token for an instructor (optionally leading to a workshop). */
  async createLoginToken(instructor: string, workshop: string | null, ttlMs: number): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await saved(
      this.db
        .insertInto('login_tokens')
        .values({
          token_hash: tokenHash(token),
          instructor,
          workshop,
          expires_at: new Date(Date.now() + ttlMs).toISOString(),
          used_at: null,
        })
        .execute(),
    );
    return token;
  }

  /** Uses a sign-in token: once, before it expires. */
  async useLoginToken(token: string): Promise<{ instructor: string; workshop: string | null } | undefined> {
    const hash = tokenHash(token);
    return saving(this.db, async (tx) => {
      const r = await tx.selectFrom('login_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      if (!r || r.used_at !== null || Date.parse(r.expires_at) <= Date.now()) return undefined;
      await tx.updateTable('login_tokens').set({ used_at: now() }).where('token_hash', '=', hash).execute();
      return { instructor: r.instructor, workshop: r.workshop };
    });
  }

  /** A new instructor session: its token (the cookie holds it; the store only its hash). */
  async createInstructorSession(instructor: string, via: SessionVia, ttlMs: number): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await saved(
      this.db
        .insertInto('instructor_sessions')
        .values({
          token_hash: tokenHash(token),
          instructor,
          via,
          created_at: now(),
          expires_at: new Date(Date.now() + ttlMs).toISOString(),
        })
        .execute(),
    );
    return token;
  }

  /** The session of a token, unless it ended (signed out, revoked) or expired. */
  async instructorSession(token: string): Promise<{ instructor: string; via: SessionVia } | undefined> {
    const r = await this.db
      .selectFrom('instructor_sessions')
      .select(['instructor', 'via', 'expires_at'])
      .where('token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (!r || Date.parse(r.expires_at) <= Date.now()) return undefined;
    return { instructor: r.instructor, via: r.via as SessionVia };
  }

  /** Ends one session (signing out). */
  async endInstructorSession(token: string): Promise<void> {
    await saved(this.db.deleteFrom('instructor_sessions').where('token_hash', '=', tokenHash(token)).execute());
  }

  /** Ends every session of these instructors, and expired ones of anybody; how many ended. */
  async endInstructorSessions(instructors: string[]): Promise<number> {
    const at = now();
    const r = await saved(
      this.db
        .deleteFrom('instructor_sessions')
        .where((eb) =>
          instructors.length > 0 ? eb.or([eb('instructor', 'in', instructors), eb('expires_at', '<=', at)]) : eb('expires_at', '<=', at),
        )
        .executeTakeFirst(),
    );
    return Number(r.numDeletedRows);
  }

  /** A learner's personal resume link token (a new one each time; older ones keep working). */
  async createResumeToken(learner: string): Promise<string> {
    const token = randomBytes(18).toString('base64url');
    await saved(
      this.db
        .insertInto('resume_links')
        .values({ token_hash: tokenHash(token), learner, created_at: now() })
        .execute(),
    );
    return token;
  }

  async resumeLearner(token: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('resume_links').select('learner').where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    return r?.learner;
  }
}
