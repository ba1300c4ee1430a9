/**
 * Workshops: create, join, end, pacing (locks, "everyone to this page",
 * messages), the live class view (a LiveModel per workshop, rebuilt from the
 * store on first use, pushed to subscribers within the event loop turn that
 * committed the result), watching a terminal, results recorded with their
 * workshop, and pre-warming sandboxes before a workshop starts.
 *
 * Who is in a running workshop is kept in memory (loaded from the store at
 * start) so that every request can ask cheaply; the store stays the truth.
 */
import type { LabListener } from '../labs/service.ts';
import type { ClientEvent } from '../protocol/events.ts';
import type {
  CreatedWorkshop,
  CreateWorkshopBody,
  LearnerMessage,
  LiveMessage,
  LiveRow,
  LiveSnapshot,
  MyWorkshop,
  WorkshopView,
} from '../protocol/workshops.ts';
import { buildGradebook, type Gradebook, type IdentityMap, type ScorePolicy } from '../exports/gradebook.ts';
import type { SandboxManager } from '../sandbox/manager.ts';
import type { Store } from '../store/index.ts';
import type { StoredAttempt, StoredEvent } from '../store/results.ts';
import { isOver, normaliseCode, showCode, type Lock, type Member, type Workshop } from '../store/workshops.ts';
import { LiveModel } from './live.ts';
import { judge, resolveLessons, workshopColumns, type Outline } from './outline.ts';

/** A refusal with a catalogue name (the routes turn it into an answer). */
export class WorkshopError extends Error {
  readonly kind:
    | 'JoinCodeUnknown'
    | 'WorkshopEnded'
    | 'WorkshopFull'
    | 'NameTaken'
    | 'WorkshopNotFound'
    | 'NotInWorkshop'
    | 'LearnerNotFound'
    | 'UnknownLesson'
    | 'UnknownBlock'
    | 'WatchRefused'
    | 'LessonLocked';
  readonly arg: string | number;
  constructor(kind: WorkshopError['kind'], arg: string | number = '') {
    super(`${kind}: ${arg}`);
    this.name = 'WorkshopError';
    this.kind = kind;
    this.arg = arg;
  }
}

export interface WorkshopServiceOptions {
  store: Store;
  outline: Outline;
  manager: SandboxManager | null;
  /** Sandboxes this host can hold at once (capacity and memory together). */
  hostCapacity: number;
  /** Sandboxes are kept ready from this long before a workshop starts. */
  prewarmMs: number;
  /** The site's address as learners open it (for join and resume links), no trailing slash. */
  publicOrigin: string;
  /** The site's base path, e.g. "/". */
  base: string;
  log?: (line: string) => void;
  /** How often ends, sandbox limits and activity are looked at. */
  tickMs?: number;
}

type Sub<T> = (msg: T) => void;

function stateOf(w: Workshop, at = Date.now()): WorkshopView['state'] {
  if (isOver(w, at)) return 'ended';
  return w.startsAt !== null && Date.parse(w.startsAt) > at ? 'scheduled' : 'running';
}

/** How many sandboxes the host can hold for a workshop, given the others overlapping it. */
export function seatsHeld(all: Workshop[], w: Pick<Workshop, 'startsAt' | 'endsAt'>, except?: string): number {
  const start = w.startsAt ? Date.parse(w.startsAt) : Date.now();
  const end = w.endsAt ? Date.parse(w.endsAt) : Infinity;
  let n = 0;
  for (const o of all) {
    if (o.id === except || isOver(o)) continue;
    const os = o.startsAt ? Date.parse(o.startsAt) : Date.parse(o.createdAt);
    const oe = o.endsAt ? Date.parse(o.endsAt) : Infinity;
    if (os < end && start < oe) n += o.seats;
  }
  return n;
}

export function capacityNote(seats: number, canHold: number): string | null {
  if (seats <= canHold) return null;
  return `This server can hold ${canHold} sandbox${canHold === 1 ? '' : 'es'} for this workshop at once (its capacity, less the seats of workshops at the same time), not ${seats}: past ${canHold}, learners wait for a sandbox to free up. Lower the seats, raise DRILLBOOK_MAX_SANDBOXES on a bigger host, or split the class.`;
}

export class WorkshopService implements LabListener {
  private o: Required<Omit<WorkshopServiceOptions, 'log'>> & { log: (line: string) => void };
  /** Learner → the running (or scheduled) workshop they are in. */
  private current = new Map<string, string>();
  private workshops = new Map<string, Workshop>();
  private models = new Map<string, Promise<LiveModel>>();
  private liveSubs = new Map<string, Set<Sub<LiveMessage>>>();
  private learnerSubs = new Map<string, Set<Sub<LearnerMessage>>>();
  /** Learner → how many instructors watch their terminal now. */
  private watching = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: WorkshopServiceOptions) {
    this.o = { tickMs: 5_000, log: () => {}, ...opts };
  }

  get outline(): Outline {
    return this.o.outline;
  }

  /** Loads who is in which workshop; starts the ticker (ends, limits, activity, pre-warm). */
  async start(): Promise<void> {
    for (const w of await this.o.store.workshops.list()) {
      this.workshops.set(w.id, w);
      if (isOver(w)) continue;
      for (const m of await this.o.store.workshops.members(w.id)) this.current.set(m.learner, w.id);
    }
    this.timer = setInterval(() => void this.tick().catch((e: unknown) => this.o.log(`workshops: ${String(e)}`)), this.o.tickMs);
    this.timer.unref();
    await this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The workshop a learner is in now (null: self-paced), for recording results with it. */
  workshopOf = (learner: string): string | null => {
    const id = this.current.get(learner);
    if (!id) return null;
    const w = this.workshops.get(id);
    return w && !isOver(w) ? id : null;
  };

  view(w: Workshop, members: number): WorkshopView {
    return {
      id: w.id,
      code: w.code,
      shownCode: showCode(w.code),
      title: w.title,
      seats: w.seats,
      lessons: w.lessons,
      startsAt: w.startsAt,
      endsAt: w.endsAt,
      createdAt: w.createdAt,
      createdBy: w.createdBy,
      endedAt: w.endedAt,
      state: stateOf(w),
      joinUrl: `${this.o.publicOrigin}${this.o.base}join/${showCode(w.code)}`,
      members,
    };
  }

  private async count(id: string): Promise<number> {
    const m = this.models.get(id);
    if (m) return (await m).rows.size;
    return (await this.o.store.workshops.members(id)).length;
  }

  async create(by: string, body: CreateWorkshopBody): Promise<CreatedWorkshop> {
    let lessons: string[];
    try {
      lessons = resolveLessons(this.o.outline, body.lessons);
    } catch (e) {
      throw new WorkshopError('UnknownLesson', (e as Error).message);
    }
    const all = await this.o.store.workshops.list();
    const canHold = Math.max(0, this.o.hostCapacity - seatsHeld(all, { startsAt: body.startsAt ?? null, endsAt: body.endsAt ?? null }));
    const w = await this.o.store.workshops.create({
      title: body.title,
      seats: body.seats,
      lessons,
      startsAt: body.startsAt ? new Date(body.startsAt).toISOString() : null,
      endsAt: body.endsAt ? new Date(body.endsAt).toISOString() : null,
      createdBy: by,
    });
    this.workshops.set(w.id, w);
    this.o.log(`workshop "${w.title}" (${showCode(w.code)}) created by ${by}: ${w.seats} seats`);
    void this.tick();
    return { workshop: this.view(w, 0), capacity: { canHold, note: capacityNote(w.seats, canHold) } };
  }

  /** The instructor's workshop (another instructor's is "not found", so nothing tells it exists). */
  async owned(by: string, id: string): Promise<Workshop> {
    const w = this.workshops.get(id) ?? (await this.o.store.workshops.byId(id));
    if (!w || w.createdBy !== by) throw new WorkshopError('WorkshopNotFound');
    this.workshops.set(w.id, w);
    return w;
  }

  async list(by: string): Promise<WorkshopView[]> {
    const mine = await this.o.store.workshops.list(by);
    return Promise.all(mine.map(async (w) => this.view(w, await this.count(w.id))));
  }

  async detail(by: string, id: string): Promise<WorkshopView> {
    const w = await this.owned(by, id);
    return this.view(w, await this.count(id));
  }

  private model(id: string): Promise<LiveModel> {
    let m = this.models.get(id);
    if (!m) {
      m = this.o.store.workshops.members(id).then((members) => LiveModel.build(this.o.store.results, id, members));
      this.models.set(id, m);
      m.catch(() => this.models.delete(id));
    }
    return m;
  }

  async snapshot(by: string, id: string): Promise<LiveSnapshot> {
    const w = await this.owned(by, id);
    const model = await this.model(id);
    const { lessons, columns } = workshopColumns(this.o.outline, w.lessons);
    for (const row of model.rows.values()) this.refreshRow(row);
    return {
      workshop: this.view(w, model.rows.size),
      lessons,
      columns,
      locks: await this.o.store.workshops.locks(id),
      rows: [...model.rows.values()],
      now: new Date().toISOString(),
    };
  }

  /** The gradebook of one of this instructor's workshops (WorkshopNotFound otherwise). */
  async gradebook(by: string, id: string, policy: ScorePolicy, identities?: IdentityMap): Promise<Gradebook> {
    return this.gradebookOf(await this.owned(by, id), policy, identities);
  }

  /** A workshop's gradebook from the store: its members and every result made in it (exports/gradebook.ts). */
  async gradebookOf(w: Workshop, policy: ScorePolicy, identities?: IdentityMap): Promise<Gradebook> {
    const { columns } = workshopColumns(this.o.outline, w.lessons);
    const results = this.o.store.results;
    const [members, events, attempts, marks] = await Promise.all([
      this.o.store.workshops.members(w.id),
      results.workshopEvents(w.id),
      results.workshopAttempts(w.id),
      results.workshopLabMarks(w.id),
    ]);
    return buildGradebook({
      workshop: { id: w.id, title: w.title, code: showCode(w.code) },
      columns,
      members,
      events,
      attempts,
      starts: marks.starts,
      giveUps: marks.giveUps,
      policy,
      ...(identities ? { identities } : {}),
      generatedAt: new Date().toISOString(),
    });
  }

  subscribeLive(id: string, fn: Sub<LiveMessage>): () => void {
    const set = this.liveSubs.get(id) ?? new Set();
    set.add(fn);
    this.liveSubs.set(id, set);
    return () => set.delete(fn);
  }

  subscribeLearner(learner: string, fn: Sub<LearnerMessage>): () => void {
    const set = this.learnerSubs.get(learner) ?? new Set();
    set.add(fn);
    this.learnerSubs.set(learner, set);
    return () => set.delete(fn);
  }

  private pushLive(id: string, msg: LiveMessage): void {
    for (const fn of this.liveSubs.get(id) ?? []) fn(msg);
  }

  private pushLearner(learner: string, msg: LearnerMessage): void {
    for (const fn of this.learnerSubs.get(learner) ?? []) fn(msg);
  }

  private pushRow(id: string, row: LiveRow, events: string[] = []): void {
    this.pushLive(id, { type: 'row', row, now: new Date().toISOString(), events });
  }

  /** Sandbox facts of a row: a limit hit now, keystrokes as activity, being watched. */
  private refreshRow(row: LiveRow): boolean {
    const before = `${row.limit}|${row.lastActivity}|${row.watched}`;
    row.limit = this.o.manager?.limitNow(row.learner) ?? null;
    const typed = this.o.manager?.lastInput(row.learner);
    if (typed !== undefined && typed > Date.parse(row.lastActivity)) row.lastActivity = new Date(typed).toISOString();
    row.watched = (this.watching.get(row.learner) ?? 0) > 0;
    return before !== `${row.limit}|${row.lastActivity}|${row.watched}`;
  }

  // --- learners -------------------------------------------------------------------------------

  async join(codeText: string, learner: string, name: string): Promise<MyWorkshop> {
    const code = normaliseCode(codeText);
    const w = code ? await this.o.store.workshops.byCode(code) : undefined;
    if (!w) throw new WorkshopError('JoinCodeUnknown', codeText.trim().slice(0, 20));
    this.workshops.set(w.id, w);
    if (isOver(w)) throw new WorkshopError('WorkshopEnded', w.title);
    const r = await this.o.store.workshops.join(w, learner, name);
    if (!r.ok) throw r.reason === 'full' ? new WorkshopError('WorkshopFull', w.seats) : new WorkshopError('NameTaken', name);
    this.current.set(learner, w.id);
    const m = this.models.get(w.id);
    if (m) this.pushRow(w.id, (await m).addMember(r.member));
    this.pushLive(w.id, {
      type: 'workshop',
      workshop: this.view(w, await this.count(w.id)),
      locks: await this.o.store.workshops.locks(w.id),
    });
    const mine = await this.mine(learner);
    if (!mine) throw new WorkshopError('NotInWorkshop');
    return mine;
  }

  /** The learner's workshop as they see it: running or scheduled, else the last they were in while it ended. */
  async mine(learner: string): Promise<MyWorkshop | null> {
    const id = this.current.get(learner) ?? (await this.o.store.workshops.memberships(learner))[0]?.workshop;
    if (!id) return null;
    const w = this.workshops.get(id) ?? (await this.o.store.workshops.byId(id));
    const member = w && (await this.o.store.workshops.member(id, learner));
    if (!w || !member) return null;
    const state = stateOf(w);
    return {
      id: w.id,
      title: w.title,
      code: showCode(w.code),
      name: member.name,
      state,
      lessons: w.lessons,
      locks: state === 'ended' ? [] : await this.o.store.workshops.locks(id),
      watchAllowed: member.watchAllowed,
      watched: (this.watching.get(learner) ?? 0) > 0,
      messages:
        state === 'ended'
          ? []
          : (await this.o.store.workshops.messages(id, learner))
              .slice(-20)
              .map(({ id: mid, kind, text, route, at }) => ({ id: mid, kind, text, route, at })),
    };
  }

  /** Whether a lesson (route) or lab is locked for this learner now. */
  async locked(learner: string, lock: Lock): Promise<boolean> {
    const id = this.workshopOf(learner);
    if (!id) return false;
    return (await this.lockSet(id)).has(`${lock.kind}\u0000${lock.target}`);
  }

  private locksCache = new Map<string, Set<string>>();
  async lockSet(id: string): Promise<Set<string>> {
    let s = this.locksCache.get(id);
    if (!s) {
      s = new Set((await this.o.store.workshops.locks(id)).map((l) => `${l.kind}\u0000${l.target}`));
      this.locksCache.set(id, s);
    }
    return s;
  }

  async setWatchAllowed(learner: string, allowed: boolean): Promise<void> {
    const id = this.workshopOf(learner);
    if (!id) throw new WorkshopError('NotInWorkshop');
    await this.o.store.workshops.setWatchAllowed(id, learner, allowed);
    if (!allowed) this.o.manager?.unwatchAll(learner);
    const m = this.models.get(id);
    if (m) {
      const row = (await m).rows.get(learner);
      if (row) {
        row.watchAllowed = allowed;
        this.refreshRow(row);
        this.pushRow(id, row);
      }
    }
  }

  /** An instructor may watch: the learner is in their running workshop, allows it, and has a shell. */
  async mayWatch(by: string, id: string, learner: string): Promise<void> {
    const w = await this.owned(by, id);
    if (isOver(w)) throw new WorkshopError('WatchRefused', 'the workshop has ended.');
    const member = await this.o.store.workshops.member(id, learner);
    if (!member) throw new WorkshopError('LearnerNotFound');
    if (!member.watchAllowed) throw new WorkshopError('WatchRefused', `${member.name} has turned watching off.`);
  }

  /** Counts a watcher on and off, telling the learner (their banner) and the live view. */
  async watched(id: string, learner: string, delta: 1 | -1): Promise<void> {
    const n = Math.max(0, (this.watching.get(learner) ?? 0) + delta);
    if (n === 0) this.watching.delete(learner);
    else this.watching.set(learner, n);
    this.pushLearner(learner, { type: 'watch', watching: n > 0 });
    const row = (await this.model(id)).rows.get(learner);
    if (row) {
      this.refreshRow(row);
      this.pushRow(id, row);
    }
  }

  // --- instructors: pacing, messages, end -----------------------------------------------------

  async setLock(by: string, id: string, lock: Lock, locked: boolean): Promise<void> {
    const w = await this.owned(by, id);
    const known =
      lock.kind === 'lesson' ? this.o.outline.lessons.some((l) => l.route === lock.target) : this.o.outline.labLesson.has(lock.target);
    if (!known)
      throw new WorkshopError(
        lock.kind === 'lesson' ? 'UnknownLesson' : 'UnknownBlock',
        `There is no ${lock.kind} "${lock.target}" in the course.`,
      );
    await this.o.store.workshops.setLock(id, lock, locked);
    this.locksCache.delete(id);
    const locks = await this.o.store.workshops.locks(id);
    this.pushLive(id, { type: 'workshop', workshop: this.view(w, await this.count(id)), locks });
    await this.pushStateToMembers(id);
  }

  private async pushStateToMembers(id: string): Promise<void> {
    for (const m of await this.o.store.workshops.members(id)) {
      if (!this.learnerSubs.get(m.learner)?.size) continue;
      this.pushLearner(m.learner, { type: 'state', state: await this.mine(m.learner) });
    }
  }

  async message(
    by: string,
    id: string,
    m: { kind: 'message' | 'goto'; text: string; route?: string | undefined; learner?: string | undefined },
  ): Promise<void> {
    await this.owned(by, id);
    if (m.kind === 'goto' && !this.o.outline.lessons.some((l) => l.route === m.route))
      throw new WorkshopError('UnknownLesson', `There is no lesson "${m.route}" in the course.`);
    if (m.learner !== undefined && !(await this.o.store.workshops.member(id, m.learner))) throw new WorkshopError('LearnerNotFound');
    const saved = await this.o.store.workshops.addMessage({
      workshop: id,
      learner: m.learner ?? null,
      kind: m.kind,
      text: m.text,
      route: m.kind === 'goto' ? (m.route ?? null) : null,
      by,
    });
    const msg: LearnerMessage = { type: 'message', id: saved.id, kind: saved.kind, text: saved.text, route: saved.route, at: saved.at };
    if (m.learner !== undefined) this.pushLearner(m.learner, msg);
    else for (const member of await this.o.store.workshops.members(id)) this.pushLearner(member.learner, msg);
  }

  /** Ends a workshop: results frozen (later ones are self-paced), members' sandboxes released. */
  async end(by: string, id: string): Promise<WorkshopView> {
    await this.owned(by, id);
    return this.endNow(id);
  }

  private async endNow(id: string): Promise<WorkshopView> {
    const w = (await this.o.store.workshops.end(id))!;
    this.workshops.set(id, w);
    const members = await this.o.store.workshops.members(id);
    for (const m of members) if (this.current.get(m.learner) === id) this.current.delete(m.learner);
    await Promise.all(members.map((m) => this.o.manager?.end(m.learner, 'stopped')));
    const view = this.view(w, members.length);
    this.pushLive(id, { type: 'workshop', workshop: view, locks: [] });
    for (const m of members) this.pushLearner(m.learner, { type: 'state', state: await this.mine(m.learner) });
    this.o.log(`workshop "${w.title}" ended: ${members.length} learners' sandboxes released, results kept`);
    void this.tick();
    return view;
  }

  // --- results --------------------------------------------------------------------------------

  /**
   * Judges quiz answers from the course (the page's verdict is not trusted), commits the
   * events, and shows them in the live view. An answer to a quiz of this course with a question
   * or option it does not have is refused (UnknownBlock); an answer to a quiz the course does not
   * have at all (a page built from another course folder, a page from before a rebuild) is kept
   * unjudged (correct: null), since nothing here can say whether it was right.
   */
  async record(learner: string, events: ClientEvent[]): Promise<string[]> {
    const judged = events.map((e) => {
      if (e.kind !== 'quiz-answer') return e;
      const col = this.o.outline.blocks.get(e.block);
      if (col?.type !== 'quiz') return { ...e, correct: null };
      const verdict = judge(col, e.question, e.choice);
      if (verdict === undefined)
        throw new WorkshopError(
          'UnknownBlock',
          `events: quiz "${e.block}" has no question ${e.question + 1} with options ${e.choice.map((c) => c + 1).join(', ')} on this site.`,
        );
      return { ...e, correct: verdict };
    });
    const workshop = this.workshopOf(learner);
    const { acked, fresh } = await this.o.store.results.recordEvents(learner, judged, workshop);
    if (workshop && fresh.length > 0) this.showEvents(workshop, learner, fresh);
    return acked;
  }

  private showEvents(workshop: string, learner: string, fresh: StoredEvent[]): void {
    const m = this.models.get(workshop);
    if (!m) return;
    void m.then((model) => {
      let row: LiveRow | undefined;
      for (const e of fresh) row = model.applyEvent(e) ?? row;
      if (row)
        this.pushRow(
          workshop,
          row,
          fresh.map((e) => e.clientId),
        );
      else void learner;
    });
  }

  started(learner: string, lab: string, workshop: string | null): void {
    if (workshop)
      void this.models.get(workshop)?.then((m) => this.maybePush(workshop, m.applyStart(learner, lab, new Date().toISOString())));
  }

  attempted(a: StoredAttempt): void {
    if (a.workshop) void this.models.get(a.workshop)?.then((m) => this.maybePush(a.workshop!, m.applyAttempt(a)));
  }

  gaveUp(learner: string, lab: string, workshop: string | null): void {
    if (workshop)
      void this.models.get(workshop)?.then((m) => this.maybePush(workshop, m.applyGiveUp(learner, lab, new Date().toISOString())));
  }

  private maybePush(id: string, row: LiveRow | undefined): void {
    if (!row) return;
    this.refreshRow(row);
    this.pushRow(id, row);
  }

  // --- the ticker -----------------------------------------------------------------------------

  private ticking = false;
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = Date.now();
      let warm = 0;
      // Workshops created by the CLI (another process) are seen here.
      for (const w of await this.o.store.workshops.list()) if (w.endedAt === null) this.workshops.set(w.id, w);
      for (const w of this.workshops.values()) {
        if (w.endedAt === null && w.endsAt !== null && Date.parse(w.endsAt) <= now) {
          await this.endNow(w.id);
          continue;
        }
        if (isOver(w)) continue;
        // Pre-warm for the arrival rush of a scheduled workshop, from prewarmMs before its start until
        // as long after it: a sandbox ready for every seat not yet holding one.
        const start = w.startsAt ? Date.parse(w.startsAt) : undefined;
        if (start !== undefined && now >= start - this.o.prewarmMs && now < start + this.o.prewarmMs && this.o.manager) {
          let holding = 0;
          for (const [learner, id] of this.current) if (id === w.id && this.o.manager.handle(learner)) holding++;
          warm += Math.max(0, w.seats - holding);
        }
        const m = this.models.get(w.id);
        if (m && this.liveSubs.get(w.id)?.size) {
          const model = await m;
          for (const row of model.rows.values()) if (this.refreshRow(row)) this.pushRow(w.id, row);
        }
      }
      // Within capacity: never more ready sandboxes than the host holds.
      this.o.manager?.setWarmExtra(Math.min(warm, this.o.hostCapacity));
    } finally {
      this.ticking = false;
    }
  }

  /** A learner's personal resume link token. */
  createResumeToken(learner: string): Promise<string> {
    return this.o.store.workshops.createResumeToken(learner);
  }

  resumeLearner(token: string): Promise<string | undefined> {
    return this.o.store.workshops.resumeLearner(token);
  }

  /** A one-time sign-in link's token (the CLI prints it). */
  createLoginToken(instructor: string, workshop: string | null, ttlMs = 24 * 3600_000): Promise<string> {
    return this.o.store.workshops.createLoginToken(instructor, workshop, ttlMs);
  }

  useLoginToken(token: string): Promise<{ instructor: string; workshop: string | null } | undefined> {
    return this.o.store.workshops.useLoginToken(token);
  }

  /** Whether a lab is locked for this learner: by itself or by its lesson. */
  async labLocked(learner: string, lab: string): Promise<boolean> {
    const lesson = this.o.outline.labLesson.get(lab);
    return (
      (await this.locked(learner, { kind: 'lab', target: lab })) ||
      (lesson !== undefined && (await this.locked(learner, { kind: 'lesson', target: lesson })))
    );
  }

  /** Who the members of a workshop are (the watch route checks a learner is one). */
  async memberOf(id: string, learner: string): Promise<Member | undefined> {
    return this.o.store.workshops.member(id, learner);
  }
}
