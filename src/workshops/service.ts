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
import { serverErrorMessage } from '../protocol/errors.ts';
import type { ClientEvent, EventAck, RefusedEvent } from '../protocol/events.ts';
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
import type { Bus } from '../store/cluster.ts';
import type { Store } from '../store/index.ts';
import type { StoredAttempt, StoredEvent } from '../store/results.ts';
import {
  isLmsCourse,
  isOver,
  normaliseCode,
  showCode,
  type Lock,
  type Member,
  type SessionVia,
  type Workshop,
} from '../store/workshops.ts';
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
  /** Several servers sharing the store (PostgreSQL): notes to and from the others (cluster.ts). */
  bus?: Bus<ClusterNote> | undefined;
  /** This server's DRILLBOOK_SERVER_ID (several servers: live rows say where each sandbox is). */
  serverId?: string | undefined;
}

/**
 * What one server tells the others (a reference: the receiver reads the store). A live class view
 * or a learner's stream may be held by any server; these keep them whole.
 */
export type ClusterNote =
  /** Results of this workshop were committed (events, a lab start, an attempt, a give-up). */
  | { type: 'results'; workshop: string }
  /** A learner joined, or changed whether they may be watched. */
  | { type: 'member'; workshop: string; learner: string; watchAllowed?: boolean }
  /** A workshop was created, its locks changed, or it ended. */
  | { type: 'workshop'; workshop: string; what: 'created' | 'locks' | 'ended' }
  /** An instructor's message or "everyone to this page" (to one learner or all). */
  | { type: 'message'; workshop: string; learner: string | null; message: Extract<LearnerMessage, { type: 'message' }> }
  /** Sandbox facts of learners whose sandboxes this server holds (held: false once it no longer does). */
  | { type: 'activity'; rows: ActivityRow[] }
  /** Sent every tick: which servers are up (pre-warming is shared among them). */
  | { type: 'alive' };

interface ActivityRow {
  learner: string;
  held: boolean;
  /** Last keystroke (ms since the epoch), or null. */
  typed: number | null;
  /** A limit notice in force, or null. */
  limit: string | null;
  /** An instructor watches their terminal (on the server holding it). */
  watched: boolean;
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
    // An LMS course's workshop (LTI) holds no seats: its learners work over weeks, not all at once.
    if (o.id === except || isOver(o) || isLmsCourse(o)) continue;
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
  /** Told after quiz answers or a lab attempt are committed (LTI grade passback listens). */
  private resultListeners: ((learner: string, blocks: string[]) => void)[] = [];
  /** Sandbox facts of learners on other servers (their keystrokes and limits), from their notes. */
  private remote = new Map<string, ActivityRow & { server: string }>();
  /** What this server last told the others about its learners' sandboxes. */
  private told = new Map<string, string>();
  /** Workshops whose live model is being re-read from the store after a note, and local changes meanwhile. */
  private rebuilding = new Map<string, { again: boolean; timer?: NodeJS.Timeout }>();

  constructor(opts: WorkshopServiceOptions) {
    this.o = { tickMs: 5_000, log: () => {}, bus: undefined, serverId: undefined, ...opts } as typeof this.o;
    this.o.bus?.onNote(
      (n, from) => void this.onNote(n, from).catch((e: unknown) => this.o.log(`workshops: a note from another server: ${String(e)}`)),
    );
    this.o.bus?.onResync(() => void this.resync().catch((e: unknown) => this.o.log(`workshops: re-reading the store: ${String(e)}`)));
  }

  private tell(note: ClusterNote): void {
    this.o.bus?.publish(note);
  }

  // --- several servers ------------------------------------------------------------------------

  /** When each other server was last heard from. */
  private heard = new Map<string, number>();

  /** Servers up now, this one included: those heard from within three ticks. */
  private serversAlive(now: number): number {
    let n = 1;
    for (const at of this.heard.values()) if (now - at < 3 * this.o.tickMs) n++;
    return n;
  }

  private async onNote(n: ClusterNote, from: string): Promise<void> {
    this.heard.set(from, Date.now());
    switch (n.type) {
      case 'alive':
        break;
      case 'results':
        this.rebuildSoon(n.workshop);
        break;
      case 'member': {
        const w = await this.o.store.workshops.byId(n.workshop);
        if (!w) return;
        this.workshops.set(w.id, w);
        if (!isOver(w)) this.current.set(n.learner, w.id);
        if (n.watchAllowed === false) this.o.manager?.unwatchAll(n.learner);
        this.rebuildSoon(w.id);
        this.pushLive(w.id, {
          type: 'workshop',
          workshop: this.view(w, await this.count(w.id)),
          locks: await this.o.store.workshops.locks(w.id),
        });
        break;
      }
      case 'workshop': {
        const w = await this.o.store.workshops.byId(n.workshop);
        if (!w) return;
        this.workshops.set(w.id, w);
        if (n.what === 'locks') {
          this.locksCache.delete(w.id);
          this.pushLive(w.id, {
            type: 'workshop',
            workshop: this.view(w, await this.count(w.id)),
            locks: await this.o.store.workshops.locks(w.id),
          });
          await this.pushStateToMembers(w.id);
        } else if (n.what === 'ended') await this.endedHere(w.id);
        break;
      }
      case 'message':
        if (n.learner !== null) this.pushLearner(n.learner, n.message);
        else for (const [learner, id] of this.current) if (id === n.workshop) this.pushLearner(learner, n.message);
        break;
      case 'activity':
        for (const r of n.rows) {
          const had = this.remote.get(r.learner);
          // "No longer held" from a server the learner already left says nothing about the new one.
          if (!r.held && had && had.server !== from) continue;
          if (r.held) this.remote.set(r.learner, { ...r, server: from });
          else this.remote.delete(r.learner);
        }
        for (const [id, m] of this.models) {
          if (!this.liveSubs.get(id)?.size) continue;
          const model = await m;
          for (const r of n.rows) {
            const row = model.rows.get(r.learner);
            if (row && this.refreshRow(row)) this.pushRow(id, row);
          }
        }
        break;
    }
  }

  /** After notes may have been missed: who is in which workshop, and every open model, from the store. */
  private async resync(): Promise<void> {
    for (const w of await this.o.store.workshops.list()) {
      this.workshops.set(w.id, w);
      this.locksCache.delete(w.id);
      if (isOver(w)) continue;
      for (const m of await this.o.store.workshops.members(w.id)) this.current.set(m.learner, w.id);
    }
    for (const id of this.models.keys()) this.rebuildSoon(id);
  }

  /**
   * Re-reads an open live model from the store (another server committed to it) and pushes the
   * rows that changed. Notes arriving together are read once; a local change during the read
   * makes another read, so a row never goes back to an older state.
   */
  private rebuildSoon(id: string): void {
    if (!this.models.has(id)) return;
    const r = this.rebuilding.get(id);
    if (r) {
      r.again = true;
      return;
    }
    const state: { again: boolean; timer?: NodeJS.Timeout } = { again: false };
    this.rebuilding.set(id, state);
    state.timer = setTimeout(() => {
      void this.rebuild(id)
        .catch((e: unknown) => this.o.log(`workshops: live view of ${id} not re-read: ${String(e)}`))
        .finally(() => {
          this.rebuilding.delete(id);
          if (state.again) this.rebuildSoon(id);
        });
    }, 50);
  }

  private async rebuild(id: string): Promise<void> {
    const held = this.models.get(id);
    if (!held) return;
    const model = await held;
    const members = await this.o.store.workshops.members(id);
    const fresh = await LiveModel.build(this.o.store.results, id, members);
    for (const [learner, row] of fresh.rows) {
      const old = model.rows.get(learner);
      if (old) {
        // Facts of the sandbox (limit, keystrokes, watching) are not in the store: keep them.
        row.limit = old.limit;
        row.watched = old.watched;
        if (Date.parse(old.lastActivity) > Date.parse(row.lastActivity)) row.lastActivity = old.lastActivity;
      }
      this.refreshRow(row);
      if (old && JSON.stringify(old) === JSON.stringify(row)) continue;
      model.rows.set(learner, row);
      this.pushRow(id, row);
    }
  }

  private localChange(workshop: string): void {
    const r = this.rebuilding.get(workshop);
    if (r) r.again = true;
  }

  /** A sandbox here was handed out or ended: the other servers' live views learn where it is now. */
  sandboxChanged(): void {
    if (!this.o.bus || this.tellPending) return;
    this.tellPending = true;
    setImmediate(() => {
      this.tellPending = false;
      this.tellActivity();
    });
  }
  private tellPending = false;

  /** Tells the other servers what this one's sandboxes show (keystrokes, limits) when it changed. */
  private tellActivity(): void {
    if (!this.o.bus || !this.o.manager) return;
    const rows: ActivityRow[] = [];
    for (const learner of this.current.keys()) {
      const held = this.o.manager.handle(learner) !== undefined;
      if (!held && !this.told.has(learner)) continue;
      const r: ActivityRow = {
        learner,
        held,
        typed: held ? (this.o.manager.lastInput(learner) ?? null) : null,
        limit: held ? (this.o.manager.limitNow(learner) ?? null) : null,
        watched: held && (this.watching.get(learner) ?? 0) > 0,
      };
      const key = JSON.stringify(r);
      if (this.told.get(learner) === key) continue;
      if (held) this.told.set(learner, key);
      else this.told.delete(learner);
      rows.push(r);
    }
    // Well below NOTIFY's payload limit per note.
    for (let i = 0; i < rows.length; i += 40) this.tell({ type: 'activity', rows: rows.slice(i, i + 40) });
  }

  /** Calls `fn(learner, blocks)` after quiz answers or a lab attempt of those blocks are committed. */
  onResults(fn: (learner: string, blocks: string[]) => void): void {
    this.resultListeners.push(fn);
  }

  private resultsChanged(learner: string, blocks: string[]): void {
    if (blocks.length === 0) return;
    for (const fn of this.resultListeners) fn(learner, blocks);
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

  private stopped = false;
  stop(): void {
    this.stopped = true;
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
    this.tell({ type: 'workshop', workshop: w.id, what: 'created' });
    this.o.log(`workshop "${w.title}" (${showCode(w.code)}) created by ${by}: ${w.seats} seats`);
    this.tickSoon();
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

  /**
   * A workshop's gradebook from the store: its members, every result made in it
   * (exports/gradebook.ts) and, unless given, the LMS identities LTI launches
   * recorded for its members.
   */
  async gradebookOf(w: Workshop, policy: ScorePolicy, given?: IdentityMap): Promise<Gradebook> {
    const { columns } = workshopColumns(this.o.outline, w.lessons);
    const results = this.o.store.results;
    const [members, events, attempts, marks, identities] = await Promise.all([
      this.o.store.workshops.members(w.id),
      results.workshopEvents(w.id),
      results.workshopAttempts(w.id),
      results.workshopLabMarks(w.id),
      given ?? this.o.store.lti.lmsIdentities(w.id),
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
      identities,
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
    const before = `${row.limit}|${row.lastActivity}|${row.watched}|${row.server}`;
    const far = this.remote.get(row.learner);
    const here = this.o.manager?.handle(row.learner) !== undefined;
    row.limit = (here ? this.o.manager?.limitNow(row.learner) : undefined) ?? (here ? undefined : far?.limit) ?? null;
    const typed = Math.max(this.o.manager?.lastInput(row.learner) ?? 0, far?.typed ?? 0);
    if (typed > Date.parse(row.lastActivity)) row.lastActivity = new Date(typed).toISOString();
    row.watched = (this.watching.get(row.learner) ?? 0) > 0 || (!here && far?.watched === true);
    row.server = this.o.serverId === undefined ? null : here ? this.o.serverId : (far?.server ?? null);
    return before !== `${row.limit}|${row.lastActivity}|${row.watched}|${row.server}`;
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
    this.tell({ type: 'member', workshop: w.id, learner });
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
    this.tell({ type: 'member', workshop: id, learner, watchAllowed: allowed });
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
    this.tellActivity();
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
    this.tell({ type: 'workshop', workshop: id, what: 'locks' });
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
    const msg = { type: 'message', id: saved.id, kind: saved.kind, text: saved.text, route: saved.route, at: saved.at } as const;
    this.tell({ type: 'message', workshop: id, learner: m.learner ?? null, message: msg });
    if (m.learner !== undefined) this.pushLearner(m.learner, msg);
    else for (const member of await this.o.store.workshops.members(id)) this.pushLearner(member.learner, msg);
  }

  /** Ends a workshop: results frozen (later ones are self-paced), members' sandboxes released. */
  async end(by: string, id: string): Promise<WorkshopView> {
    await this.owned(by, id);
    return this.endNow(id);
  }

  private async endNow(id: string): Promise<WorkshopView> {
    await this.o.store.workshops.end(id);
    this.tell({ type: 'workshop', workshop: id, what: 'ended' });
    return this.endedHere(id);
  }

  /** A workshop ended (here or on another server): its members' sandboxes here are released. */
  private async endedHere(id: string): Promise<WorkshopView> {
    const w = (await this.o.store.workshops.byId(id))!;
    this.workshops.set(id, w);
    const members = await this.o.store.workshops.members(id);
    for (const m of members) if (this.current.get(m.learner) === id) this.current.delete(m.learner);
    await Promise.all(members.map((m) => this.o.manager?.end(m.learner, 'stopped')));
    const view = this.view(w, members.length);
    this.pushLive(id, { type: 'workshop', workshop: view, locks: [] });
    for (const m of members) this.pushLearner(m.learner, { type: 'state', state: await this.mine(m.learner) });
    this.o.log(`workshop "${w.title}" ended: ${members.length} learners' sandboxes released, results kept`);
    this.tickSoon();
    return view;
  }

  // --- results --------------------------------------------------------------------------------

  /**
   * Judges quiz answers from the course (the page's verdict is not trusted), commits the
   * events, and shows them in the live view. An answer to a quiz of this course with a question
   * or option it does not have is refused by its id (UnknownBlock), and the others of the batch
   * are committed all the same; an answer to a quiz the course does not have at all (a page built
   * from another course folder, a page from before a rebuild) is kept unjudged (correct: null),
   * since nothing here can say whether it was right.
   */
  async record(learner: string, events: ClientEvent[]): Promise<EventAck> {
    const refused: RefusedEvent[] = [];
    const judged: Parameters<Store['results']['recordEvents']>[1] = [];
    for (const e of events) {
      if (e.kind !== 'quiz-answer') {
        judged.push(e);
        continue;
      }
      const col = this.o.outline.blocks.get(e.block);
      if (col?.type !== 'quiz') {
        judged.push({ ...e, correct: null });
        continue;
      }
      const verdict = judge(col, e.question, e.choice);
      if (verdict === undefined)
        refused.push({
          id: e.id,
          error: 'UnknownBlock',
          message: serverErrorMessage(
            'UnknownBlock',
            `quiz "${e.block}" has no question ${e.question + 1} with options ${e.choice.map((c) => c + 1).join(', ')} on this site.`,
          ),
        });
      else judged.push({ ...e, correct: verdict });
    }
    if (judged.length === 0) return { acked: [], refused };
    const workshop = this.workshopOf(learner) ?? (this.o.bus ? await this.joinedElsewhere(learner) : null);
    const { acked, fresh } = await this.o.store.results.recordEvents(learner, judged, workshop);
    if (workshop && fresh.length > 0) {
      this.tell({ type: 'results', workshop });
      this.showEvents(workshop, learner, fresh);
    }
    this.resultsChanged(learner, [...new Set(fresh.filter((e) => e.kind === 'quiz-answer').map((e) => e.block))]);
    return { acked, refused };
  }

  /**
   * Several servers: a learner who joined on another server a moment ago (its note not here yet)
   * is found in the store, so their first results are recorded with their workshop.
   */
  private async joinedElsewhere(learner: string): Promise<string | null> {
    for (const m of await this.o.store.workshops.memberships(learner)) {
      const w = this.workshops.get(m.workshop) ?? (await this.o.store.workshops.byId(m.workshop));
      if (!w || isOver(w)) continue;
      this.workshops.set(w.id, w);
      this.current.set(learner, w.id);
      return w.id;
    }
    return null;
  }

  private showEvents(workshop: string, learner: string, fresh: StoredEvent[]): void {
    const m = this.models.get(workshop);
    if (!m) return;
    this.localChange(workshop);
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
    if (workshop) this.results(workshop);
    if (workshop)
      void this.models.get(workshop)?.then((m) => this.maybePush(workshop, m.applyStart(learner, lab, new Date().toISOString())));
  }

  attempted(a: StoredAttempt): void {
    if (a.workshop) this.results(a.workshop);
    if (!a.infrastructureError) this.resultsChanged(a.learner, [a.lab]);
    if (a.workshop) void this.models.get(a.workshop)?.then((m) => this.maybePush(a.workshop!, m.applyAttempt(a)));
  }

  gaveUp(learner: string, lab: string, workshop: string | null): void {
    if (workshop) this.results(workshop);
    if (workshop)
      void this.models.get(workshop)?.then((m) => this.maybePush(workshop, m.applyGiveUp(learner, lab, new Date().toISOString())));
  }

  private results(workshop: string): void {
    this.tell({ type: 'results', workshop });
    this.localChange(workshop);
  }

  private maybePush(id: string, row: LiveRow | undefined): void {
    if (!row) return;
    this.refreshRow(row);
    this.pushRow(id, row);
  }

  // --- the ticker -----------------------------------------------------------------------------

  /** A tick now (after a change), its failure logged like the timer's. */
  private tickSoon(): void {
    if (this.stopped) return;
    this.tick().catch((e: unknown) => this.o.log(`workshops: ${String(e)}`));
  }

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
          for (const [learner, id] of this.current)
            if (id === w.id && (this.o.manager.handle(learner) || this.remote.get(learner)?.held)) holding++;
          // Several servers: each keeps its share ready (the class is spread over all of them).
          warm += Math.ceil(Math.max(0, w.seats - holding) / this.serversAlive(now));
        }
        const m = this.models.get(w.id);
        if (m && this.liveSubs.get(w.id)?.size) {
          const model = await m;
          for (const row of model.rows.values()) if (this.refreshRow(row)) this.pushRow(w.id, row);
        }
      }
      this.tellActivity();
      this.tell({ type: 'alive' });
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

  /** Instructor sessions (server/plugins/instructor.ts). */
  createInstructorSession(instructor: string, via: SessionVia, ttlMs: number): Promise<string> {
    return this.o.store.workshops.createInstructorSession(instructor, via, ttlMs);
  }

  instructorSession(token: string): Promise<{ instructor: string; via: SessionVia } | undefined> {
    return this.o.store.workshops.instructorSession(token);
  }

  endInstructorSession(token: string): Promise<void> {
    return this.o.store.workshops.endInstructorSession(token);
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
