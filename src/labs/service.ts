/**
 * Labs for learners: start (prepare the learner's sandbox), check, reset,
 * with results stored per learner and lab. One action at a time per learner
 * and lab; checks are rate-limited.
 */
import type { SandboxHandle } from '../sandbox/driver.ts';
import type { SandboxManager } from '../sandbox/manager.ts';
import type { CourseLab } from './course-labs.ts';
import type { CheckResult } from './probe.ts';
import { LabSetupError, runChecks, runSetup, type SetupProgress } from './runner.ts';
import type { ResultsStore, StoredAttempt, StoredStart } from '../store/results.ts';
import type { LabCheckView, LabSolution, LabView } from '../protocol/labs.ts';
import { LAB_TEXTS } from '../protocol/texts.ts';

export class LabError extends Error {
  readonly kind: 'LabNotFound' | 'LabNotStarted' | 'LabSetupFailed' | 'RateLimited' | 'LabBusy' | 'SolutionLocked';
  readonly retryAfterSeconds: number | undefined;
  constructor(kind: LabError['kind'], message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = kind;
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface LabServiceOptions {
  /** Least time between two checks of one lab by one learner. */
  checkIntervalMs: number;
  /** The workshop a learner is in now (null: self-paced); recorded with every result. */
  workshopOf?: (learner: string) => string | null;
  /** Told after each result is committed (the live class view). */
  listener?: LabListener;
}

/** What the workshop live view hears from labs, after the store committed it. */
export interface LabListener {
  started(learner: string, lab: string, workshop: string | null): void;
  attempted(attempt: StoredAttempt): void;
  gaveUp(learner: string, lab: string, workshop: string | null): void;
}

export class LabService {
  private labs: Map<string, CourseLab>;
  private manager: SandboxManager;
  private store: ResultsStore;
  private opts: LabServiceOptions;
  private busy = new Set<string>();
  private lastCheck = new Map<string, number>();
  /** The setup step each running start is at, so that the page can show it (GET answers it as the summary). */
  private setupAt = new Map<string, SetupProgress>();
  /**
   * Labs started (or reset) in this process and not checked since: their stored last attempt
   * belongs to an earlier sandbox. (After a restart every sandbox is new, so no lab is started.)
   */
  private uncheckedSinceStart = new Set<string>();

  constructor(labs: Map<string, CourseLab>, manager: SandboxManager, store: ResultsStore, opts: LabServiceOptions) {
    this.labs = labs;
    this.manager = manager;
    this.store = store;
    this.opts = opts;
  }

  private lab(id: string): CourseLab {
    const l = this.labs.get(id);
    if (!l) throw new LabError('LabNotFound', LAB_TEXTS.notFound(id));
    return l;
  }

  /**
   * The lab's start when the learner's current sandbox is the one its setup ran in. Sandbox ids
   * are only unique within one server process, so a start recorded before the sandbox was
   * created (by an earlier server) is not this sandbox's.
   */
  private async currentStart(learner: string, id: string): Promise<{ start: StoredStart; handle: SandboxHandle } | undefined> {
    const start = await this.store.start(learner, id);
    const handle = this.manager.handle(learner);
    if (!start || !handle || handle.id !== start.sandboxId) return undefined;
    if (Date.parse(start.at) < handle.createdAt.getTime()) return undefined;
    return { start, handle };
  }

  private async started(learner: string, id: string): Promise<boolean> {
    return (await this.currentStart(learner, id)) !== undefined;
  }

  private workshop(learner: string): string | null {
    return this.opts.workshopOf?.(learner) ?? null;
  }

  /** Throws LabNotFound for a lab the course does not have. */
  known(id: string): void {
    this.lab(id);
  }

  async view(learner: string, id: string, summary?: string): Promise<LabView> {
    const cl = this.lab(id);
    const started = await this.started(learner, id);
    const last = started && !this.uncheckedSinceStart.has(`${learner}\u0000${id}`) ? await this.store.lastAttempt(learner, id) : [];
    const checks: LabCheckView[] = cl.lab.checks.map((c) => {
      const r = last.find((x) => x.check_id === c.id);
      // A check that waited for an earlier one did not run: its hint would answer a question not asked yet.
      return {
        id: c.id,
        title: c.title,
        status: (r?.status as LabCheckView['status']) ?? 'unchecked',
        message: r?.message ?? '',
        hint: r?.status === 'not-yet' && r.ran === 1 ? c.hint : undefined,
      };
    });
    const at = this.setupAt.get(`${learner}\u0000${id}`);
    const preparing = at ? LAB_TEXTS.settingUp(at.step, at.of, at.title) : undefined;
    return {
      id,
      started,
      attempted: (await this.store.countedAttempts(learner, id)) > 0,
      solution: await this.solutionState(learner, id),
      summary: summary ?? preparing ?? (started ? LAB_TEXTS.ready : LAB_TEXTS.notStartedYet),
      checks,
    };
  }

  private async solutionState(learner: string, id: string): Promise<LabView['solution']> {
    if (await this.store.realAttempt(learner, id)) return 'attempted';
    return (await this.store.givenUp(learner, id)) ? 'gave-up' : 'locked';
  }

  /**
   * The solution, only after a real attempt (a check that ran, after typing in the sandbox) or a
   * recorded give-up: it is never part of the page, so it cannot be read before trying.
   */
  async solution(learner: string, id: string): Promise<LabSolution> {
    const cl = this.lab(id);
    const reason = await this.solutionState(learner, id);
    if (reason === 'locked') {
      throw new LabError('SolutionLocked', LAB_TEXTS.solutionLocked);
    }
    return { id, reason, solution: cl.lab.solution };
  }

  /** "Give up and show me the solution": recorded as such in the results, then the solution. */
  async giveUp(learner: string, id: string): Promise<LabSolution> {
    const cl = this.lab(id);
    const workshop = this.workshop(learner);
    await this.store.recordGiveUp(learner, id, workshop);
    this.opts.listener?.gaveUp(learner, id, workshop);
    return { id, reason: (await this.solutionState(learner, id)) === 'attempted' ? 'attempted' : 'gave-up', solution: cl.lab.solution };
  }

  private async exclusive<T>(learner: string, id: string, work: () => Promise<T>): Promise<T> {
    const key = `${learner}\u0000${id}`;
    if (this.busy.has(key)) throw new LabError('LabBusy', LAB_TEXTS.busy);
    this.busy.add(key);
    try {
      return await work();
    } finally {
      this.busy.delete(key);
    }
  }

  async start(learner: string, id: string): Promise<LabView> {
    const cl = this.lab(id);
    return this.exclusive(learner, id, async () => {
      // Started already (another tab, a page from before): the setup must not run twice over the learner's work.
      if (await this.started(learner, id)) {
        this.manager.touch(learner);
        return this.view(learner, id, LAB_TEXTS.alreadyRunning);
      }
      return this.prepare(learner, id, cl);
    });
  }

  /** Fresh servers and the setup run again, whether or not the lab was running. */
  async reset(learner: string, id: string): Promise<LabView> {
    const cl = this.lab(id);
    return this.exclusive(learner, id, () => this.prepare(learner, id, cl));
  }

  private async prepare(learner: string, id: string, cl: CourseLab): Promise<LabView> {
    // Recorded first: when the results cannot be written (a full disk), the learner's sandbox,
    // and the work in it, is left alone instead of being reset for a start nobody can keep.
    const workshop = this.workshop(learner);
    await this.store.beginStart(learner, id, workshop);
    // Every lab starts from fresh servers (a warm sandbox when the pool has one): another lab's
    // data or earlier experiments must not change what the setup and the checks see.
    if (this.manager.handle(learner)) await this.manager.reset(learner);
    else await this.manager.claim(learner);
    const handle = this.manager.handle(learner);
    if (!handle) throw new LabError('LabSetupFailed', LAB_TEXTS.sandboxEndedDuringSetup);
    const t0 = performance.now();
    const key = `${learner}\u0000${id}`;
    let facts: Record<string, string>;
    try {
      facts = await runSetup(handle, cl.lab, (p) => this.setupAt.set(key, p));
    } catch (e) {
      const detail = e instanceof LabSetupError ? e.message : e instanceof Error ? e.message : String(e);
      throw new LabError('LabSetupFailed', LAB_TEXTS.setupFailed(detail));
    } finally {
      this.setupAt.delete(key);
    }
    await this.store.recordStart(learner, id, handle.id, facts, workshop);
    this.opts.listener?.started(learner, id, workshop);
    this.uncheckedSinceStart.add(key);
    this.manager.touch(learner);
    return this.view(learner, id, LAB_TEXTS.startedIn((performance.now() - t0) / 1000));
  }

  async check(learner: string, id: string): Promise<LabView> {
    const cl = this.lab(id);
    const key = `${learner}\u0000${id}`;
    const since = Date.now() - (this.lastCheck.get(key) ?? 0);
    if (since < this.opts.checkIntervalMs) {
      const wait = Math.ceil((this.opts.checkIntervalMs - since) / 1000);
      throw new LabError('RateLimited', LAB_TEXTS.checkedRecently(wait), wait);
    }
    return this.exclusive(learner, id, async () => {
      const current = await this.currentStart(learner, id);
      if (!current) {
        throw new LabError('LabNotStarted', LAB_TEXTS.notRunning);
      }
      const { start, handle } = current;
      this.lastCheck.set(key, Date.now());
      this.manager.touch(learner);
      // Typing in the lab's sandbox before this check makes it a real attempt (the solution may open).
      const worked = this.manager.lastInput(learner) !== undefined;
      const results: CheckResult[] = await runChecks(handle, cl.lab, start.facts);
      const attempt = await this.store.recordAttempt(learner, id, results, worked, this.workshop(learner));
      this.opts.listener?.attempted(attempt);
      this.uncheckedSinceStart.delete(key);
      const passed = results.filter((r) => r.status === 'passed').length;
      const infra = results.some((r) => r.status === 'error');
      const summary = passed === results.length ? LAB_TEXTS.allPassed(passed) : LAB_TEXTS.somePassed(passed, results.length, infra);
      return this.view(learner, id, summary);
    });
  }
}
