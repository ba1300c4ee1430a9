/**
 * Sandbox lifecycle for many learners on one host: one sandbox per learner,
 * a warm pool, a capacity limit, a cap per client address, idle timeout,
 * a grace for sandboxes never used, hard lifetime, reset, limit notices,
 * and one shell per sandbox shared by every browser tab attached to it (so a
 * reload or a network blip reattaches to the same shell), with a cap on tabs.
 */
import type { IPty } from 'node-pty';
import { stripVTControlCharacters } from 'node:util';
import type { SandboxDriver, SandboxHandle } from './driver.ts';
import type { LimitCounters } from './limits.ts';
import { ptyInput } from './pty-input.ts';
import type { ServerMessage, SandboxInfo } from '../protocol/sandbox.ts';
import { SANDBOX_TEXTS, type EndReason } from '../protocol/texts.ts';
import { SERVER_ERRORS } from '../protocol/errors.ts';

export type { EndReason } from '../protocol/texts.ts';

export interface ManagerOptions {
  maxSandboxes: number;
  poolSize: number;
  idleTimeoutMs: number;
  lifetimeMs: number;
  /** Most sandboxes held at once by learners from one client address (default: no cap). */
  maxPerIp?: number;
  /** A sandbox never used (no terminal attached, no lab touched it) this long after it was handed out ends (default: never). */
  unusedGraceMs?: number;
  /** Most terminal clients attached to one sandbox at once (default 8). */
  maxViewers?: number;
  /** How often idle/lifetime/limits are checked. */
  tickMs?: number;
  log?: (line: string) => void;
  /** A sandbox was handed to a learner (several servers: the store records where it is). */
  onHeld?: (learner: string, sandbox: string) => void;
  /** A learner's sandbox ended, for whatever reason. */
  onReleased?: (learner: string, sandbox: string) => void;
}

/** Who holds a sandbox, for the per-address cap. */
export interface Owner {
  /** The client address. */
  ip: string;
  /** A workshop seat: counted against the workshop's seats instead of the address cap. */
  workshop?: string;
}

/** One attached browser tab (or test client). */
export interface TerminalClient {
  send(msg: ServerMessage | Buffer): void;
  close(): void;
}

export class AtCapacityError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(SERVER_ERRORS.AtCapacity.message(retryAfterSeconds));
    this.name = 'AtCapacity';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class TooManySandboxesError extends Error {
  readonly count: number;
  constructor(count: number) {
    super(SERVER_ERRORS.TooManySandboxes.message(count));
    this.name = 'TooManySandboxes';
    this.count = count;
  }
}

export class TooManyViewersError extends Error {
  readonly max: number;
  constructor(max: number) {
    super(SERVER_ERRORS.TooManyViewers.message(max));
    this.name = 'TooManyViewers';
    this.max = max;
  }
}

const SCROLLBACK_BYTES = 128 * 1024;
/** Typed input waiting for a busy shell: above this the caller stops reading its socket. */
export const INPUT_HIGH_WATER = 64 * 1024;
/** Above this, input is dropped (only reached when many tabs type at once into a shell that does not read). */
const INPUT_HARD_LIMIT = 1024 * 1024;
/** Typical time a sandbox takes to start, for Retry-After when capacity frees as sandboxes end. */
const START_SECONDS = 5;

/** A learner's sandbox with its shell and attached clients. */
class Session {
  readonly handle: SandboxHandle;
  readonly learner: string;
  readonly owner: Owner | undefined;
  /** When the learner got it: the hard lifetime counts from here, not from when the pool started it. */
  readonly claimedAt = Date.now();
  lastActive = Date.now();
  /** When the learner last typed into the shell (labs: a check after this counts as a real attempt). */
  typedAt: number | undefined;
  /** A terminal was attached or a lab used it (else it ends after the unused grace). */
  used = false;
  pty: IPty | undefined;
  size = { cols: 80, rows: 24 };
  clients = new Set<TerminalClient>();
  /** Read-only viewers (an instructor watching): they get the output and never type. */
  watchers = new Set<TerminalClient>();
  /** The text of the limit notice sent last while its episode lasts (the live class view shows it). */
  limitText: string | undefined;
  scrollback: Buffer[] = [];
  scrollbackBytes = 0;
  counters: LimitCounters = { oomKills: 0, pidsRefused: 0 };
  /** Limits being hit now whose notice was sent (said once per episode). */
  episodes = new Set<string>();
  paused = false;
  inputDropNoticed = false;
  /** Said once, to the first terminal attached (e.g. why this is a fresh sandbox). */
  greeting: string | undefined;

  constructor(handle: SandboxHandle, learner: string, owner: Owner | undefined) {
    this.handle = handle;
    this.learner = learner;
    this.owner = owner;
  }

  broadcast(msg: ServerMessage | Buffer): void {
    for (const c of this.clients) c.send(msg);
    for (const w of this.watchers) w.send(msg);
  }

  record(chunk: Buffer): void {
    this.scrollback.push(chunk);
    this.scrollbackBytes += chunk.length;
    while (this.scrollbackBytes > SCROLLBACK_BYTES && this.scrollback.length > 1) {
      this.scrollbackBytes -= this.scrollback.shift()!.length;
    }
  }
}

type Waiter = { give(h: SandboxHandle): void; fail(e: unknown): void };

export class SandboxManager {
  private sessions = new Map<string, Session>();
  private pool: SandboxHandle[] = [];
  /** Pool sandboxes being started, and sandboxes started for one learner. */
  private poolStarting = 0;
  private directStarting = 0;
  /** Sandboxes being destroyed: their capacity frees within seconds. */
  private ending = 0;
  private pending = new Map<string, { owner: Owner | undefined; session: Promise<Session> }>();
  /** Learners waiting for a pool sandbox that is starting, in order. */
  private poolWaiters: Waiter[] = [];
  /** Warm-pool sandboxes being started. */
  private filling = new Set<Promise<void>>();
  /** The address each learner last came from (routes note it before a lab starts a sandbox for them). */
  private owners = new Map<string, Owner>();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  readonly driver: SandboxDriver;
  private opts: Required<Omit<ManagerOptions, 'maxPerIp' | 'unusedGraceMs' | 'onHeld' | 'onReleased'>> &
    Pick<ManagerOptions, 'onHeld' | 'onReleased'> & { maxPerIp: number; unusedGraceMs: number };
  /** Extra ready sandboxes wanted now (workshops about to start), on top of the pool size. */
  private warmExtra = 0;

  constructor(driver: SandboxDriver, opts: ManagerOptions) {
    this.driver = driver;
    this.opts = {
      tickMs: 2_000,
      log: () => {},
      maxViewers: 8,
      ...opts,
      maxPerIp: opts.maxPerIp ?? Infinity,
      unusedGraceMs: opts.unusedGraceMs ?? Infinity,
    };
  }

  /** Starts the idle/limit ticker and fills the warm pool. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref();
    this.refill();
  }

  get stats() {
    return {
      active: this.sessions.size,
      pooled: this.pool.length,
      starting: this.poolStarting + this.directStarting,
      ending: this.ending,
    };
  }

  /** Sandboxes that hold host resources: held, pooled, starting, and still being torn down. */
  private total(): number {
    return this.sessions.size + this.pool.length + this.poolStarting + this.directStarting + this.ending;
  }

  private refill(): void {
    while (
      !this.closing &&
      this.pool.length + this.poolStarting < this.opts.poolSize + this.warmExtra &&
      this.total() < this.opts.maxSandboxes &&
      // Pre-warming starts a few at a time, so learners' own starts are not starved meanwhile.
      (this.poolStarting < 2 || this.pool.length + this.poolStarting < this.opts.poolSize)
    ) {
      this.poolStarting++;
      const p = this.driver.create().then(
        async (h) => {
          this.poolStarting--;
          if (this.closing) {
            await h.destroy();
            return;
          }
          const waiter = this.poolWaiters.shift();
          if (waiter) {
            waiter.give(h);
            return;
          }
          this.pool.push(h);
          void h.ended.then(() => {
            this.pool = this.pool.filter((p) => p !== h);
          });
          // Pre-warming starts a few at a time: the next ones begin as these are ready.
          this.refill();
        },
        (e: unknown) => {
          this.poolStarting--;
          // A learner waiting for this one is not left waiting: they start their own (or hear why not).
          this.poolWaiters.shift()?.fail(e);
          if (this.closing) return; // Ended by the shutdown itself.
          this.opts.log(`warm pool: a sandbox failed to start: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      this.filling.add(p);
      void p.finally(() => this.filling.delete(p));
    }
  }

  info(learner: string): SandboxInfo | undefined {
    const s = this.sessions.get(learner);
    return s ? this.describe(s) : undefined;
  }

  private describe(s: Session): SandboxInfo {
    const l = this.driver.limits;
    return {
      id: s.handle.id,
      engines: ['postgresql', 'mariadb'],
      createdAt: s.handle.createdAt.toISOString(),
      expiresAt: new Date(s.claimedAt + this.opts.lifetimeMs).toISOString(),
      idleTimeoutSeconds: Math.round(this.opts.idleTimeoutMs / 1000),
      limits: {
        memoryMb: Math.round(l.memoryBytes / 2 ** 20),
        diskMb: Math.round(l.diskBytes / 2 ** 20),
        pids: l.pids,
        cpus: l.cpus,
      },
    };
  }

  /** Remembers where a learner comes from, for a sandbox started for them later (a lab start). */
  noteOwner(learner: string, owner: Owner): void {
    this.owners.set(learner, owner);
  }

  /** The learner's sandbox, started (or taken from the pool) when there is none. */
  async claim(learner: string, owner?: Owner, notice?: string): Promise<SandboxInfo> {
    if (owner) this.noteOwner(learner, owner);
    const s = await this.session(learner);
    if (notice !== undefined && !s.used) s.greeting = notice;
    return this.describe(s);
  }

  /** The running handle of a learner's sandbox (for labs and tests). */
  handle(learner: string): SandboxHandle | undefined {
    return this.sessions.get(learner)?.handle;
  }

  private async session(learner: string): Promise<Session> {
    const existing = this.sessions.get(learner);
    if (existing) {
      existing.lastActive = Date.now();
      return existing;
    }
    const inflight = this.pending.get(learner);
    if (inflight) return inflight.session;
    const owner = this.owners.get(learner);
    this.checkAddressCap(owner);
    const session = this.open(learner, owner).finally(() => this.pending.delete(learner));
    this.pending.set(learner, { owner, session });
    return session;
  }

  /** Sandboxes held (or being started) by learners from one address, workshop seats apart. */
  private heldBy(ip: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.owner?.ip === ip && !s.owner.workshop) n++;
    for (const p of this.pending.values()) if (p.owner?.ip === ip && !p.owner.workshop) n++;
    return n;
  }

  private checkAddressCap(owner: Owner | undefined): void {
    if (!owner || owner.workshop || !Number.isFinite(this.opts.maxPerIp)) return;
    if (this.heldBy(owner.ip) >= this.opts.maxPerIp) throw new TooManySandboxesError(this.opts.maxPerIp);
  }

  private async open(learner: string, owner: Owner | undefined): Promise<Session> {
    if (this.closing) throw new Error('the server is shutting down');
    const handle = await this.obtain();
    const s = new Session(handle, learner, owner);
    s.counters = handle.counters();
    this.sessions.set(learner, s);
    this.opts.onHeld?.(learner, handle.id);
    void handle.ended.then(() => {
      if (this.sessions.get(learner) !== s) return;
      // The kernel's OOM kill of the sandbox's servers or init: say which limit, not just "stopped".
      const byMemory = handle.counters().oomKills > s.counters.oomKills;
      void this.end(learner, 'crashed', byMemory ? SANDBOX_TEXTS.killedByMemory(this.driver.limits.memoryBytes) : undefined);
    });
    this.refill();
    return s;
  }

  /** A ready sandbox: from the pool, from a pool start under way, or started now when there is room. */
  private async obtain(): Promise<SandboxHandle> {
    const pooled = this.pool.shift();
    if (pooled) return pooled;
    // A pool sandbox is starting that nobody waits for yet: take it when it is ready (sooner than a new one).
    if (this.poolStarting > this.poolWaiters.length) {
      try {
        return await new Promise<SandboxHandle>((give, fail) => this.poolWaiters.push({ give, fail }));
      } catch {
        // That start failed; try a start of our own below.
      }
    }
    if (this.total() >= this.opts.maxSandboxes) throw new AtCapacityError(this.retryAfter());
    this.directStarting++;
    try {
      return await this.driver.create();
    } finally {
      this.directStarting--;
    }
  }

  /**
   * Seconds until capacity is likely to free: a few when sandboxes are ending now, else the
   * earliest moment a held sandbox would be removed (unused grace, idle timeout or lifetime);
   * bounded to [2, 300].
   */
  private retryAfter(): number {
    if (this.ending > 0) return START_SECONDS;
    const now = Date.now();
    let soonest = Infinity;
    for (const s of this.sessions.values()) {
      soonest = Math.min(soonest, s.lastActive + this.opts.idleTimeoutMs - now, s.claimedAt + this.opts.lifetimeMs - now);
      if (!s.used) soonest = Math.min(soonest, s.claimedAt + this.opts.unusedGraceMs - now);
    }
    return Math.max(2, Math.min(300, Math.ceil(soonest / 1000)));
  }

  /** Ends a learner's sandbox, telling attached clients why. */
  async end(learner: string, reason: EndReason, text: string = SANDBOX_TEXTS.ended[reason]): Promise<void> {
    const s = this.sessions.get(learner);
    if (!s) return;
    this.sessions.delete(learner);
    this.opts.onReleased?.(learner, s.handle.id);
    s.broadcast({ type: 'closed', reason, text });
    for (const c of s.clients) c.close();
    for (const w of s.watchers) w.close();
    s.clients.clear();
    s.watchers.clear();
    s.pty?.kill('SIGKILL');
    this.ending++;
    try {
      await s.handle.destroy();
    } finally {
      this.ending--;
    }
    this.opts.log(`sandbox ${s.handle.id} ended (${reason})`);
    this.refill();
  }

  /** Fresh servers for the learner: the old sandbox goes, a new one comes (held by the same address). */
  async reset(learner: string, owner?: Owner): Promise<SandboxInfo> {
    const previous = this.sessions.get(learner)?.owner;
    if (owner) this.noteOwner(learner, owner);
    else if (previous) this.noteOwner(learner, previous);
    await this.end(learner, 'reset');
    return this.claim(learner);
  }

  /** Attaches a terminal client to the learner's shell, starting the sandbox or shell as needed. */
  async attach(learner: string, client: TerminalClient, size?: { cols: number; rows: number }): Promise<() => void> {
    const s = await this.session(learner);
    if (s.clients.size >= this.opts.maxViewers) throw new TooManyViewersError(this.opts.maxViewers);
    if (size) s.size = size;
    s.used = true;
    s.clients.add(client);
    // A pause belongs to the client that could not keep up; a newly attached one
    // (often the same tab after a reload) starts with an empty buffer.
    this.setPaused(learner, false);
    client.send({ type: 'ready', sandbox: this.describe(s) });
    for (const chunk of s.scrollback) client.send(chunk);
    if (s.greeting !== undefined) {
      client.send({ type: 'notice', level: 'warning', text: s.greeting });
      s.greeting = undefined;
    }
    if (!s.pty) this.spawnShell(s);
    return () => {
      s.clients.delete(client);
      // Nobody left to wait for: keep reading so the scrollback stays current.
      if (s.clients.size === 0) this.setPaused(learner, false);
    };
  }

  private spawnShell(s: Session): void {
    const pty = s.handle.openShell(s.size);
    s.pty = pty;
    pty.onData((d: string | Buffer) => {
      const chunk = typeof d === 'string' ? Buffer.from(d, 'utf8') : d;
      s.record(chunk);
      s.broadcast(chunk);
    });
    pty.onExit(({ exitCode }) => {
      if (s.pty !== pty) return;
      s.pty = undefined;
      s.broadcast({ type: 'exit', code: exitCode });
    });
  }

  /**
   * Typed input for the learner's shell. Returns false when the shell has more than
   * INPUT_HIGH_WATER unread: the caller should stop reading its source until onInputDrained.
   * Input beyond a hard limit is dropped, and the learner told once.
   */
  input(learner: string, data: Buffer): boolean {
    const s = this.sessions.get(learner);
    if (!s?.pty) return true;
    s.lastActive = Date.now();
    // Escape sequences alone are the terminal's own replies (focus in/out, device attributes,
    // cursor reports), sent without a key pressed: they are not the learner's work on a lab.
    if (stripVTControlCharacters(data.toString('utf8')).length > 0) s.typedAt = s.lastActive;
    const backlog = ptyInput(s.pty)?.backlog ?? 0;
    if (backlog + data.length > INPUT_HARD_LIMIT) {
      if (!s.inputDropNoticed) s.broadcast({ type: 'notice', level: 'warning', text: SANDBOX_TEXTS.inputDropped() });
      s.inputDropNoticed = true;
      return false;
    }
    s.inputDropNoticed = false;
    s.pty.write(data);
    return (ptyInput(s.pty)?.backlog ?? 0) <= INPUT_HIGH_WATER;
  }

  /** Bytes typed and not yet taken by the learner's shell (diagnostics, tests). */
  inputBacklog(learner: string): number {
    const pty = this.sessions.get(learner)?.pty;
    return pty ? (ptyInput(pty)?.backlog ?? 0) : 0;
  }

  /** Calls `cb` once the learner's shell has taken what was typed (at once when there is no shell). */
  onInputDrained(learner: string, cb: () => void): void {
    const pty = this.sessions.get(learner)?.pty;
    const input = pty ? ptyInput(pty) : undefined;
    if (input) input.onDrained(cb);
    else cb();
  }

  resize(learner: string, cols: number, rows: number): void {
    const s = this.sessions.get(learner);
    if (!s) return;
    s.size = { cols, rows };
    s.pty?.resize(cols, rows);
  }

  /** Flow control: output waits while a client cannot keep up. */
  setPaused(learner: string, paused: boolean): void {
    const s = this.sessions.get(learner);
    if (!s?.pty || s.paused === paused) return;
    s.paused = paused;
    if (paused) s.pty.pause();
    else s.pty.resume();
  }

  restartShell(learner: string): void {
    const s = this.sessions.get(learner);
    if (!s || s.pty) return;
    s.lastActive = Date.now();
    this.spawnShell(s);
  }

  /** When the learner last typed into their current sandbox's shell; undefined if never. */
  lastInput(learner: string): number | undefined {
    return this.sessions.get(learner)?.typedAt;
  }

  /** Activity outside the terminal (a lab action, a ping): counts as use. */
  touch(learner: string): void {
    const s = this.sessions.get(learner);
    if (!s) return;
    s.lastActive = Date.now();
    s.used = true;
  }

  private tick(): void {
    const now = Date.now();
    for (const [learner, s] of this.sessions) {
      if (now - s.claimedAt >= this.opts.lifetimeMs) void this.end(learner, 'lifetime');
      else if (now - s.lastActive >= this.opts.idleTimeoutMs) void this.end(learner, 'idle');
      else if (!s.used && now - s.claimedAt >= this.opts.unusedGraceMs) void this.end(learner, 'unused');
      else this.checkLimits(s);
    }
  }

  /**
   * Tells the learner when a limit was hit since the last look: memory (OOM kills), processes,
   * and each size-limited area full by bytes or by files. Each is said once per episode: a limit
   * that keeps being hit is not repeated until a look finds it quiet (or, for an area, below 90 %).
   */
  checkLimits(s: Session): void {
    const l = this.driver.limits;
    const c = s.handle.counters();
    this.episode(s, 'memory', c.oomKills > s.counters.oomKills, SANDBOX_TEXTS.memoryLimit(l.memoryBytes));
    this.episode(s, 'pids', c.pidsRefused > s.counters.pidsRefused, SANDBOX_TEXTS.processLimit(l.pids));
    s.counters = c;
    for (const a of s.handle.areas()) {
      const byBytes = a.totalBytes > 0 && a.usedBytes / a.totalBytes >= 0.98;
      const byFiles = a.totalInodes > 0 && a.usedInodes / a.totalInodes >= 0.98;
      const below = (a.totalBytes === 0 || a.usedBytes / a.totalBytes < 0.9) && (a.totalInodes === 0 || a.usedInodes / a.totalInodes < 0.9);
      const text =
        a.path === '/var' && !byFiles ? SANDBOX_TEXTS.diskFull(a.totalBytes) : SANDBOX_TEXTS.areaFull(a.path, a.totalBytes, byFiles);
      if (byBytes || byFiles) this.episode(s, `area:${a.path}`, true, text);
      else if (below) s.episodes.delete(`area:${a.path}`);
    }
  }

  /** Sends `text` when `hit` starts an episode; a look without a hit ends it (areas end theirs below 90 %). */
  private episode(s: Session, key: string, hit: boolean, text: string): void {
    if (!hit) {
      if (!key.startsWith('area:')) s.episodes.delete(key);
      return;
    }
    if (s.episodes.has(key)) return;
    s.episodes.add(key);
    s.limitText = text;
    s.broadcast({ type: 'notice', level: 'warning', text });
  }

  /**
   * Keeps `extra` more sandboxes ready than the pool size (a workshop about to start), within
   * capacity; 0 returns to the pool size (extra ready sandboxes are used up by learners).
   */
  setWarmExtra(extra: number): void {
    this.warmExtra = Math.max(0, Math.floor(extra));
    this.refill();
  }

  /** The limit a learner's sandbox is hitting now (its notice), or undefined. */
  limitNow(learner: string): string | undefined {
    const s = this.sessions.get(learner);
    return s && s.episodes.size > 0 ? s.limitText : undefined;
  }

  /** When the learner last used their sandbox (keystrokes, API calls), or undefined without one. */
  lastActive(learner: string): number | undefined {
    return this.sessions.get(learner)?.lastActive;
  }

  /**
   * Attaches a read-only viewer to the learner's shell (an instructor watching): it gets the
   * recent output and everything after, never types, and is not counted as the learner's use.
   * Undefined when the learner has no sandbox or no shell (a watch never starts one).
   */
  watch(learner: string, viewer: TerminalClient): (() => void) | undefined {
    const s = this.sessions.get(learner);
    if (!s?.pty) return undefined;
    if (s.watchers.size >= this.opts.maxViewers) throw new TooManyViewersError(this.opts.maxViewers);
    s.watchers.add(viewer);
    viewer.send({ type: 'ready', sandbox: this.describe(s) });
    for (const chunk of s.scrollback) viewer.send(chunk);
    return () => {
      s.watchers.delete(viewer);
    };
  }

  /** Ends every read-only viewer of a learner's shell (the learner turned watching off). */
  unwatchAll(learner: string): void {
    const s = this.sessions.get(learner);
    if (!s) return;
    for (const w of s.watchers) w.close();
    s.watchers.clear();
  }

  /**
   * Ends every sandbox, pooled ones included. Learners are told first, while
   * their sockets are still open (the HTTP server closes them after this).
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.poolWaiters.splice(0)) w.fail(new Error('the server is shutting down'));
    await Promise.all([...this.sessions.keys()].map((l) => this.end(l, 'shutdown')));
    await Promise.all([...this.filling]);
    await Promise.all(this.pool.map((h) => h.destroy()));
    this.pool = [];
    await Promise.all([...this.pending.values()].map((p) => p.session.then((s) => s.handle.destroy()).catch(() => {})));
  }

  /** Runs one limit check now (tests use it instead of waiting for the ticker). */
  checkNow(learner: string): void {
    const s = this.sessions.get(learner);
    if (s) this.checkLimits(s);
  }
}
