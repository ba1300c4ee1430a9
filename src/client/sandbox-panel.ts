/**
 * The sandbox panel, loaded by <db-sandbox> (sandbox.client.ts) on first use:
 * the learner's sandbox over HTTP (api.ts), its shell over a WebSocket
 * (terminal-connection.ts), xterm.js on screen (terminal-view.ts). This
 * module is the UI that joins them: the panel, its buttons and status line.
 * Wire format and messages: src/protocol/sandbox.ts (types only here; the
 * server validates).
 *
 * HTTP (same origin; the server identifies the learner by cookie):
 * - POST api/sandbox creates the sandbox or returns the learner's one;
 *   503 AtCapacity carries retryAfterSeconds, shown as a countdown that
 *   retries by itself.
 * - GET api/sandbox answers 200 with the learner's sandbox or 404: used to
 *   reattach after a reload or a dropped connection, never creating one.
 * - POST api/sandbox/reset replaces it with a fresh one.
 *
 * Closing the panel drops the socket, so the sandbox can reach its idle
 * timeout; opening the panel again reattaches. A sandbox that has gone shows
 * "Start a new sandbox".
 */
import type { SandboxInfo } from '../protocol/sandbox.ts';
import { request, type Answer } from './api.ts';
import { SandboxLayout } from './sandbox-layout.ts';
import { TerminalConnection } from './terminal-connection.ts';
import { TerminalView } from './terminal-view.ts';

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** One line about the sandbox: engines, when it ends, its limits. */
export function describeSandbox(s: SandboxInfo): string {
  const engines = s.engines.map((e) => (e === 'postgresql' ? 'PostgreSQL' : 'MariaDB')).join(' and ');
  const idle = Math.round(s.idleTimeoutSeconds / 60);
  const l = s.limits;
  return (
    `${engines || 'No database servers'} on localhost. ` +
    `Ends at ${timeOf(s.expiresAt)} at the latest, or after ${idle} min without use. ` +
    `Limits: ${l.memoryMb} MB memory, ${l.diskMb} MB disk, ${l.pids} processes, ${l.cpus} CPU.`
  );
}

/** What the learner is told when an HTTP call fails without a message of the server's. */
function failureMessage(got: Extract<Answer<unknown>, { ok: false }>): string {
  if (got.error.message) return got.error.message;
  return got.status === 0
    ? 'The server cannot be reached. Check your connection.'
    : `The sandbox server answered ${got.status} ${got.statusText}.`;
}

export class SandboxPanel {
  private readonly base: string;
  private readonly remember: (open: boolean) => void;
  private readonly box: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly countdown: HTMLElement;
  private readonly info: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly restartBtn: HTMLButtonElement;
  private readonly newBtn: HTMLButtonElement;
  private readonly view: TerminalView;
  private readonly conn: TerminalConnection;
  private readonly layout: SandboxLayout;

  /** The learner wants the panel (and a live shell). */
  private want = false;
  private countdownTimer: ReturnType<typeof setInterval> | undefined;
  /** HTTP requests to the sandbox API under way. */
  private pending = 0;

  constructor(root: HTMLElement, base: string, remember: (open: boolean) => void) {
    this.base = base;
    this.remember = remember;
    const q = <E extends HTMLElement>(sel: string): E => {
      const el = root.querySelector<E>(sel);
      if (!el) throw new Error(`sandbox panel: ${sel} is missing`);
      return el;
    };
    this.box = q('.sandbox-panel');
    this.launcher = q('.sandbox-launch');
    this.status = q('.sandbox-status');
    this.countdown = q('.sandbox-countdown');
    this.info = q('.sandbox-info');
    this.announcer = q('.sandbox-announce');
    this.restartBtn = q('.sandbox-restart');
    this.newBtn = q('.sandbox-new');
    this.view = new TerminalView(
      q('.sandbox-xterm'),
      { input: (bytes) => this.conn.input(bytes), resize: (cols, rows) => this.conn.resize(cols, rows) },
      () => !this.box.hidden,
    );
    this.conn = new TerminalConnection(
      {
        open: (size) => {
          const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
          const query = size ? `?cols=${size.cols}&rows=${size.rows}` : '';
          return new WebSocket(`${scheme}//${location.host}${this.api('sandbox/terminal')}${query}`);
        },
        lookup: () => this.call('GET', 'sandbox'),
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
        now: () => performance.now(),
      },
      {
        status: (text) => this.setStatus(text),
        info: (s) => this.showInfo(s),
        attached: () => {
          this.view.reset();
          this.restartBtn.hidden = true;
          this.newBtn.hidden = true;
        },
        output: (bytes) => this.view.write(bytes, () => this.conn.written(bytes.byteLength)),
        exited: (code) => {
          this.restartBtn.hidden = false;
          this.view.say(`The shell exited (code ${code}). Press Enter to start a new shell.`);
          this.setStatus(`The shell exited (code ${code}). Press Enter in the terminal or “Start a new shell”.`);
        },
        restarted: () => {
          this.restartBtn.hidden = true;
          this.focus();
        },
        notice: (text) => {
          this.view.say(text);
          this.announce(text);
        },
        error: (message) => {
          this.setStatus(message);
          this.announce(message);
        },
        ended: (text) => {
          this.restartBtn.hidden = true;
          this.view.say(text);
          this.failed(text, 'Start a new sandbox');
        },
        resetElsewhere: () => this.view.reset(),
        type: (text) => this.view.paste(text),
      },
    );
    this.layout = new SandboxLayout(root, (focus) => {
      this.view.refit();
      if (focus) this.focus();
    });
    this.restartBtn.addEventListener('click', () => this.conn.restart());
    this.newBtn.addEventListener('click', () => void this.start());
    q('.sandbox-reset').addEventListener('click', () => void this.reset());
    q('.sandbox-close').addEventListener('click', () => this.close());
    window.addEventListener('online', () => {
      if (this.conn.waitingToRetry) this.conn.retryNow();
    });
  }

  /** The launcher: shows the panel and attaches to the learner's sandbox, creating it if there is none. */
  async open(): Promise<void> {
    this.show();
    await this.mount();
    this.focus();
    if (!this.busy()) await this.start();
  }

  /** After a reload: reopens the panel only if the learner still has a sandbox. */
  async reattach(): Promise<void> {
    const got = await this.call('GET', 'sandbox');
    if (!got.ok) {
      // 404: the sandbox ended meanwhile; anything else: leave the page quiet, the launcher still works.
      this.remember(false);
      return;
    }
    this.show();
    await this.mount();
    this.conn.fresh();
    this.showInfo(got.value);
    this.attach();
  }

  /** Types `command` into the shell without pressing Enter, opening and connecting first if needed. */
  async run(command: string): Promise<void> {
    this.conn.queue(command);
    if (this.box.hidden || !this.busy()) await this.open();
    this.layout.showTerminal();
    this.focus();
  }

  /** Connected, connecting, or about to be (a request, retry or countdown is under way). */
  private busy(): boolean {
    return this.conn.active || this.pending > 0 || this.countdownTimer !== undefined;
  }

  /** Runs an HTTP request to the sandbox API, counted so that busy() sees it. */
  private async call(method: 'GET' | 'POST', path: string): Promise<Answer<SandboxInfo>> {
    this.pending++;
    try {
      return await request<SandboxInfo>(method, this.api(path));
    } finally {
      this.pending--;
    }
  }

  private api(path: string): string {
    return `${this.base}api/${path}`;
  }

  private async mount(): Promise<void> {
    await this.view.mount();
    const size = this.view.size;
    if (size) this.conn.resize(size.cols, size.rows);
  }

  /** Connects to the learner's sandbox, saying so when nothing else is being said. */
  private attach(): void {
    if (this.status.textContent === '') this.setStatus('Connecting…');
    this.conn.connect();
  }

  private show(): void {
    this.want = true;
    this.conn.want(true);
    this.box.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'true');
    document.documentElement.dataset['sandboxOpen'] = '';
    this.layout.opened();
    this.remember(true);
    this.view.refit();
  }

  /** Hides the panel and drops the socket; the sandbox keeps running until its idle timeout. */
  private close(): void {
    this.want = false;
    this.stopCountdown();
    this.conn.want(false);
    this.box.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'false');
    delete document.documentElement.dataset['sandboxOpen'];
    this.layout.closed();
    this.remember(false);
    this.setStatus('');
    this.launcher.focus();
  }

  private focus(): void {
    this.view.focus();
  }

  /** Creates the learner's sandbox (or gets the existing one), then connects. */
  private async start(): Promise<void> {
    this.stopCountdown();
    this.conn.stopTimers();
    this.conn.fresh();
    this.newBtn.hidden = true;
    this.restartBtn.hidden = true;
    this.setStatus('Starting your sandbox…');
    const got = await this.call('POST', 'sandbox');
    if (!this.want) return;
    if (got.ok) {
      this.showInfo(got.value);
      this.attach();
      return;
    }
    const wait = got.error.retryAfterSeconds;
    if (got.status === 503 && wait !== undefined) {
      this.setStatus(failureMessage(got));
      this.startCountdown(Math.max(1, wait));
    } else {
      this.failed(failureMessage(got), 'Try again');
    }
  }

  private startCountdown(seconds: number): void {
    this.newBtn.textContent = 'Try again now';
    this.newBtn.hidden = false;
    let left = seconds;
    const tick = () => {
      this.countdown.textContent = `Trying again in ${left} s`;
      if (left-- <= 0) {
        this.stopCountdown();
        void this.start();
      }
    };
    tick();
    this.countdownTimer = setInterval(tick, 1000);
  }

  private stopCountdown(): void {
    clearInterval(this.countdownTimer);
    this.countdownTimer = undefined;
    this.countdown.textContent = '';
  }

  private async reset(): Promise<void> {
    if (!window.confirm('Reset your sandbox? Its databases, files and shell are replaced by fresh ones.')) return;
    this.stopCountdown();
    this.conn.beginReset();
    this.view.reset();
    this.setStatus('Resetting your sandbox…');
    const got = await this.call('POST', 'sandbox/reset');
    this.conn.endReset();
    if (!this.want) return;
    if (got.ok) {
      this.conn.fresh();
      this.showInfo(got.value);
      this.attach();
    } else if (got.status === 503 && got.error.retryAfterSeconds !== undefined) {
      this.setStatus(failureMessage(got));
      this.startCountdown(Math.max(1, got.error.retryAfterSeconds));
    } else {
      this.failed(failureMessage(got), 'Start a new sandbox');
    }
    this.focus();
  }

  private failed(message: string, retryLabel: string): void {
    this.setStatus(message);
    this.newBtn.textContent = retryLabel;
    this.newBtn.hidden = false;
  }

  private showInfo(s: SandboxInfo): void {
    this.info.textContent = describeSandbox(s);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
    this.countdown.textContent = '';
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }
}
