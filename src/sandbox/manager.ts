/**
 * Sandbox lifecycle for many learners on one host: one sandbox per learner,
 * a warm pool, a capacity limit, idle timeout and hard lifetime, reset, limit
 * notices, and one shell per sandbox shared by every browser tab attached to
 * it (so a reload or a network blip reattaches to the same shell).
 */
import type { IPty } from 'node-pty';
import type { SandboxDriver, SandboxHandle } from './driver.ts';
import type { LimitCounters } from './limits.ts';
import type { ServerMessage, SandboxInfo } from './protocol.ts';

export interface ManagerOptions {
  maxSandboxes: number;
  poolSize: number;
  idleTimeoutMs: number;
  lifetimeMs: number;
  /** How often idle/lifetime/limits are checked. */
  tickMs?: number;
  log?: (line: string) => void;
}

/** One attached browser tab (or test client). */
export interface TerminalClient {
  send(msg: ServerMessage | Buffer): void;
  close(): void;
}

export type EndReason = Extract<ServerMessage, { type: 'closed' }>['reason'];

export class AtCapacityError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(`All sandboxes on this server are in use. Try again in ${retryAfterSeconds} s.`);
    this.name = 'AtCapacity';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const SCROLLBACK_BYTES = 128 * 1024;
const END_TEXT: Record<EndReason, string> = {
  idle: 'Your sandbox was removed after a period without use. Open it again for a fresh one.',
  lifetime: 'Your sandbox reached its maximum lifetime and was removed. Open it again for a fresh one.',
  reset: 'Your sandbox is being reset: fresh servers are starting.',
  stopped: 'Your sandbox was closed.',
  crashed: 'Your sandbox stopped unexpectedly. Open it again for a fresh one; nothing else on the server was affected.',
  shutdown: 'The Drillbook server is shutting down.',
};

/** A learner's sandbox with its shell and attached clients. */
class Session {
  readonly handle: SandboxHandle;
  readonly learner: string;
  /** When the learner got it: the hard lifetime counts from here, not from when the pool started it. */
  readonly claimedAt = Date.now();
  lastActive = Date.now();
  pty: IPty | undefined;
  size = { cols: 80, rows: 24 };
  clients = new Set<TerminalClient>();
  scrollback: Buffer[] = [];
  scrollbackBytes = 0;
  counters: LimitCounters = { oomKills: 0, pidsRefused: 0 };
  diskFull = false;
  paused = false;

  constructor(handle: SandboxHandle, learner: string) {
    this.handle = handle;
    this.learner = learner;
  }

  broadcast(msg: ServerMessage | Buffer): void {
    for (const c of this.clients) c.send(msg);
  }

  record(chunk: Buffer): void {
    this.scrollback.push(chunk);
    this.scrollbackBytes += chunk.length;
    while (this.scrollbackBytes > SCROLLBACK_BYTES && this.scrollback.length > 1) {
      this.scrollbackBytes -= this.scrollback.shift()!.length;
    }
  }
}

export class SandboxManager {
  private sessions = new Map<string, Session>();
  private pool: SandboxHandle[] = [];
  private starting = 0;
  private pending = new Map<string, Promise<Session>>();
  /** Warm-pool sandboxes being started. */
  private filling = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  readonly driver: SandboxDriver;
  private opts: Required<ManagerOptions>;

  constructor(driver: SandboxDriver, opts: ManagerOptions) {
    this.driver = driver;
    this.opts = { tickMs: 2_000, log: () => {}, ...opts };
  }

  /** Starts the idle/limit ticker and fills the warm pool. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.timer.unref();
    this.refill();
  }

  get stats() {
    return { active: this.sessions.size, pooled: this.pool.length, starting: this.starting };
  }

  private total(): number {
    return this.sessions.size + this.pool.length + this.starting;
  }

  private refill(): void {
    while (!this.closing && this.pool.length + this.starting < this.opts.poolSize && this.total() < this.opts.maxSandboxes) {
      this.starting++;
      const p = this.driver.create().then(
        async (h) => {
          this.starting--;
          if (this.closing) await h.destroy();
          else {
            this.pool.push(h);
            void h.ended.then(() => {
              this.pool = this.pool.filter((p) => p !== h);
            });
          }
        },
        (e: unknown) => {
          this.starting--;
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

  /** The learner's sandbox, started (or taken from the pool) when there is none. */
  async claim(learner: string): Promise<SandboxInfo> {
    return this.describe(await this.session(learner));
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
    if (inflight) return inflight;
    const p = this.open(learner).finally(() => this.pending.delete(learner));
    this.pending.set(learner, p);
    return p;
  }

  private async open(learner: string): Promise<Session> {
    if (this.closing) throw new Error('the server is shutting down');
    let handle = this.pool.shift();
    if (!handle) {
      if (this.total() >= this.opts.maxSandboxes) throw new AtCapacityError(this.retryAfter());
      this.starting++;
      try {
        handle = await this.driver.create();
      } finally {
        this.starting--;
      }
    }
    const s = new Session(handle, learner);
    s.counters = handle.counters();
    this.sessions.set(learner, s);
    void handle.ended.then(() => {
      if (this.sessions.get(learner) === s) this.end(learner, 'crashed');
    });
    this.refill();
    return s;
  }

  /** Seconds until the earliest sandbox would be removed for idleness, bounded to [5, 300]. */
  private retryAfter(): number {
    const now = Date.now();
    let soonest = Infinity;
    for (const s of this.sessions.values()) soonest = Math.min(soonest, s.lastActive + this.opts.idleTimeoutMs - now);
    return Math.max(5, Math.min(300, Math.ceil(soonest / 1000)));
  }

  /** Ends a learner's sandbox, telling attached clients why. */
  async end(learner: string, reason: EndReason): Promise<void> {
    const s = this.sessions.get(learner);
    if (!s) return;
    this.sessions.delete(learner);
    s.broadcast({ type: 'closed', reason, text: END_TEXT[reason] });
    for (const c of s.clients) c.close();
    s.clients.clear();
    s.pty?.kill('SIGKILL');
    await s.handle.destroy();
    this.opts.log(`sandbox ${s.handle.id} ended (${reason})`);
    this.refill();
  }

  /** Fresh servers for the learner: the old sandbox goes, a new one comes. */
  async reset(learner: string): Promise<SandboxInfo> {
    await this.end(learner, 'reset');
    return this.claim(learner);
  }

  /** Attaches a terminal client to the learner's shell, starting the sandbox or shell as needed. */
  async attach(learner: string, client: TerminalClient, size?: { cols: number; rows: number }): Promise<() => void> {
    const s = await this.session(learner);
    if (size) s.size = size;
    s.clients.add(client);
    // A pause belongs to the client that could not keep up; a newly attached one
    // (often the same tab after a reload) starts with an empty buffer.
    this.setPaused(learner, false);
    client.send({ type: 'ready', sandbox: this.describe(s) });
    for (const chunk of s.scrollback) client.send(chunk);
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

  input(learner: string, data: Buffer): void {
    const s = this.sessions.get(learner);
    if (!s?.pty) return;
    s.lastActive = Date.now();
    s.pty.write(data.toString('utf8'));
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

  touch(learner: string): void {
    const s = this.sessions.get(learner);
    if (s) s.lastActive = Date.now();
  }

  private tick(): void {
    const now = Date.now();
    for (const [learner, s] of this.sessions) {
      if (now - s.claimedAt >= this.opts.lifetimeMs) void this.end(learner, 'lifetime');
      else if (now - s.lastActive >= this.opts.idleTimeoutMs) void this.end(learner, 'idle');
      else this.checkLimits(s);
    }
  }

  /** Tells the learner when a limit was hit since the last look. */
  checkLimits(s: Session): void {
    const l = this.driver.limits;
    const c = s.handle.counters();
    if (c.oomKills > s.counters.oomKills) {
      s.broadcast({
        type: 'notice',
        level: 'warning',
        text: `Memory limit reached (${Math.round(l.memoryBytes / 2 ** 20)} MB): the kernel stopped a process in your sandbox that needed more.`,
      });
    }
    if (c.pidsRefused > s.counters.pidsRefused) {
      s.broadcast({
        type: 'notice',
        level: 'warning',
        text: `Process limit reached (${l.pids} processes): new processes could not start in your sandbox.`,
      });
    }
    s.counters = c;
    const u = s.handle.disk();
    if (u.totalBytes > 0) {
      const full = u.usedBytes / u.totalBytes >= 0.98;
      if (full && !s.diskFull) {
        s.broadcast({
          type: 'notice',
          level: 'warning',
          text: `Disk limit reached: /var (${Math.round(u.totalBytes / 2 ** 20)} MB, server data and your home) is full. Delete files you no longer need.`,
        });
      }
      s.diskFull = u.usedBytes / u.totalBytes >= 0.9 && (full || s.diskFull);
    }
  }

  /** Ends every sandbox, pooled ones included. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.sessions.keys()].map((l) => this.end(l, 'shutdown')));
    await Promise.all([...this.filling]);
    await Promise.all(this.pool.map((h) => h.destroy()));
    this.pool = [];
    await Promise.all([...this.pending.values()].map((p) => p.then((s) => s.handle.destroy()).catch(() => {})));
  }

  /** Runs one limit check now (tests use it instead of waiting for the ticker). */
  checkNow(learner: string): void {
    const s = this.sessions.get(learner);
    if (s) this.checkLimits(s);
  }
}
