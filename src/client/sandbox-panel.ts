/**
 * The sandbox panel, loaded by <db-sandbox> (sandbox.client.ts) on first use:
 * the learner's sandbox over HTTP, its shell over a WebSocket, xterm.js on
 * screen. Wire format and messages: src/protocol/sandbox.ts (types only here;
 * the server validates).
 *
 * HTTP (same origin; the server identifies the learner by cookie):
 * - POST api/sandbox creates the sandbox or returns the learner's one;
 *   503 AtCapacity carries retryAfterSeconds, shown as a countdown that
 *   retries by itself.
 * - GET api/sandbox answers 200 with the learner's sandbox or 404: used to
 *   reattach after a reload or a dropped connection, never creating one.
 * - POST api/sandbox/reset replaces it with a fresh one.
 *
 * WebSocket api/sandbox/terminal: binary frames are terminal bytes both ways,
 * text frames are JSON control messages. One socket at a time. After an
 * unexpected close the panel asks whether the sandbox still exists and
 * reattaches, backing off from 0.5 s to 5 s; a sandbox that has gone shows
 * "Start a new sandbox". Closing the panel drops the socket, so the sandbox
 * can reach its idle timeout; opening the panel again reattaches.
 */
import type { ApiError, ClientMessage, SandboxInfo, ServerMessage } from '../protocol/sandbox.ts';
import { shellInput } from './run-in-sandbox.ts';

type Xterm = import('@xterm/xterm').Terminal;
type FitAddon = import('@xterm/addon-fit').FitAddon;

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;
/** Flow control: ask the server to pause while xterm has this many bytes unwritten; resume below the low mark. */
const PAUSE_AT = 256 * 1024;
const RESUME_AT = 32 * 1024;
/** A command asked for before the shell is attached is typed once output has been quiet this long (or after the cap). */
const QUIET_MS = 300;
const QUIET_CAP_MS = 4000;
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

type Answer<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError };

async function request<T>(method: 'GET' | 'POST', url: string): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(url, { method, cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    return { ok: false, status: 0, error: { error: 'Network', message: 'The server cannot be reached. Check your connection.' } };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.ok && body !== undefined) return { ok: true, value: body as T };
  const err = body as Partial<ApiError> | undefined;
  return {
    ok: false,
    status: res.status,
    error: {
      error: typeof err?.error === 'string' ? err.error : `Http${res.status}`,
      message: typeof err?.message === 'string' ? err.message : `The sandbox server answered ${res.status} ${res.statusText}.`,
      ...(typeof err?.retryAfterSeconds === 'number' ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
    },
  };
}

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

export class SandboxPanel {
  private readonly root: HTMLElement;
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

  private term: Xterm | undefined;
  private fit: FitAddon | undefined;
  private mounting: Promise<Xterm> | undefined;
  private ws: WebSocket | undefined;
  /** The learner wants a live shell (the panel is open). */
  private want = false;
  /** The current socket has said `ready`. */
  private live = false;
  /** The shell exited; Enter or the button asks for a new one. */
  private exited = false;
  /** The sandbox is gone; only "Start a new sandbox" helps. */
  private ended = false;
  /** A reset is in flight: the old socket's `closed: reset` is expected. */
  private resetting = false;
  private backoff = BACKOFF_MIN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private countdownTimer: ReturnType<typeof setInterval> | undefined;
  private queued: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private attachedAt = 0;
  private lastOutputAt = 0;
  private unwritten = 0;
  private paused = false;
  /** HTTP requests to the sandbox API under way. */
  private pending = 0;
  private readonly encoder = new TextEncoder();

  constructor(root: HTMLElement, base: string, remember: (open: boolean) => void) {
    this.root = root;
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
    this.restartBtn.addEventListener('click', () => this.restartShell());
    this.newBtn.addEventListener('click', () => void this.start());
    q('.sandbox-reset').addEventListener('click', () => void this.reset());
    q('.sandbox-close').addEventListener('click', () => this.close());
    window.addEventListener('online', () => {
      if (this.want && !this.ws && !this.ended && this.retryTimer !== undefined) this.retryNow();
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
    this.ended = false;
    this.showInfo(got.value);
    this.connect();
  }

  /** Types `command` into the shell without pressing Enter, opening and connecting first if needed. */
  async run(command: string): Promise<void> {
    this.queued.push(command);
    if (this.box.hidden || !this.busy()) await this.open();
    this.focus();
    this.flushSoon();
  }

  /** Connected, connecting, or about to be (a request, retry or countdown is under way). */
  private busy(): boolean {
    return this.ws !== undefined || this.pending > 0 || this.retryTimer !== undefined || this.countdownTimer !== undefined;
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

  private show(): void {
    this.want = true;
    this.box.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'true');
    document.documentElement.dataset['sandboxOpen'] = '';
    this.remember(true);
    this.refit();
  }

  /** Hides the panel and drops the socket; the sandbox keeps running until its idle timeout. */
  private close(): void {
    this.want = false;
    this.stopTimers();
    this.queued = [];
    this.disconnect();
    this.box.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'false');
    delete document.documentElement.dataset['sandboxOpen'];
    this.remember(false);
    this.setStatus('');
    this.launcher.focus();
  }

  private focus(): void {
    this.term?.focus();
  }

  private mount(): Promise<Xterm> {
    this.mounting ??= (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      const host = this.root.querySelector<HTMLElement>('.sandbox-xterm') as HTMLElement;
      const term = new Terminal({
        cursorBlink: true,
        scrollback: 5000,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
        fontSize: 13,
        theme: { background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3' },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host);
      term.textarea?.setAttribute('aria-describedby', 'db-sandbox-info db-sandbox-hint');
      term.attachCustomKeyEventHandler((e) => this.key(e, term));
      term.onData((d) => this.input(this.encoder.encode(d)));
      term.onBinary((d) => this.input(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
      term.onResize(({ cols, rows }) => this.send({ type: 'resize', cols, rows }));
      this.term = term;
      this.fit = fit;
      new ResizeObserver(() => this.refit()).observe(host);
      this.refit();
      return term;
    })();
    return this.mounting;
  }

  private refit(): void {
    if (!this.fit || this.box.hidden) return;
    const dims = this.fit.proposeDimensions();
    if (dims && dims.cols > 1 && dims.rows > 0) this.fit.fit();
  }

  /**
   * Keys the browser, not the shell, should have: Shift+Tab leaves the
   * terminal (Tab stays completion), Ctrl+Shift+C copies the selection,
   * Ctrl+Shift+V and Shift+Insert paste through the browser's paste event.
   */
  private key(e: KeyboardEvent, term: Xterm): boolean {
    if (e.type !== 'keydown') return true;
    if (e.key === 'Tab' && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) return false;
    if (e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c')) {
      e.preventDefault();
      if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
      return false;
    }
    if ((e.ctrlKey && e.shiftKey && (e.key === 'V' || e.key === 'v')) || (e.shiftKey && e.key === 'Insert')) return false;
    return true;
  }

  /** Creates the learner's sandbox (or gets the existing one), then connects. */
  private async start(): Promise<void> {
    this.stopTimers();
    this.ended = false;
    this.newBtn.hidden = true;
    this.restartBtn.hidden = true;
    this.setStatus('Starting your sandbox…');
    const got = await this.call('POST', 'sandbox');
    if (!this.want) return;
    if (got.ok) {
      this.showInfo(got.value);
      this.connect();
      return;
    }
    const wait = got.error.retryAfterSeconds;
    if (got.status === 503 && wait !== undefined) {
      this.setStatus(got.error.message);
      this.startCountdown(Math.max(1, wait));
    } else {
      this.failed(got.error.message, 'Try again');
    }
  }

  private startCountdown(seconds: number): void {
    this.newBtn.textContent = 'Try again now';
    this.newBtn.hidden = false;
    let left = seconds;
    const tick = () => {
      this.countdown.textContent = `Trying again in ${left} s`;
      if (left-- <= 0) {
        this.stopTimers();
        void this.start();
      }
    };
    tick();
    this.countdownTimer = setInterval(tick, 1000);
  }

  private async reset(): Promise<void> {
    if (!window.confirm('Reset your sandbox? Its databases, files and shell are replaced by fresh ones.')) return;
    this.stopTimers();
    this.queued = [];
    this.resetting = true;
    this.disconnect();
    this.term?.reset();
    this.setStatus('Resetting your sandbox…');
    const got = await this.call('POST', 'sandbox/reset');
    this.resetting = false;
    if (!this.want) return;
    if (got.ok) {
      this.ended = false;
      this.exited = false;
      this.showInfo(got.value);
      this.connect();
    } else if (got.status === 503 && got.error.retryAfterSeconds !== undefined) {
      this.setStatus(got.error.message);
      this.startCountdown(Math.max(1, got.error.retryAfterSeconds));
    } else {
      this.failed(got.error.message, 'Start a new sandbox');
    }
    this.focus();
  }

  private connect(): void {
    this.disconnect();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const size = this.term ? `?cols=${this.term.cols}&rows=${this.term.rows}` : '';
    const ws = new WebSocket(`${scheme}//${location.host}${this.api('sandbox/terminal')}${size}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.live = false;
    this.paused = false;
    if (this.status.textContent === '') this.setStatus('Connecting…');
    ws.addEventListener('open', () => {
      if (ws !== this.ws || !this.term) return;
      this.send({ type: 'resize', cols: this.term.cols, rows: this.term.rows });
    });
    ws.addEventListener('message', (e: MessageEvent<ArrayBuffer | string>) => {
      if (ws !== this.ws) return;
      if (typeof e.data === 'string') {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(e.data) as ServerMessage;
        } catch {
          return;
        }
        this.control(msg);
      } else this.output(new Uint8Array(e.data));
    });
    ws.addEventListener('close', () => {
      if (ws !== this.ws) return;
      this.ws = undefined;
      this.live = false;
      if (this.want && !this.ended && !this.resetting) this.scheduleRetry();
    });
  }

  private disconnect(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.live = false;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'closed by the learner');
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.setStatus('Connection lost. Reconnecting…');
    this.retryTimer = setTimeout(() => this.retryNow(), this.backoff);
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
  }

  /** Reattaches if the sandbox still exists; gone → ended; server unreachable → back off and try again. */
  private retryNow(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.call('GET', 'sandbox').then((got) => {
      if (!this.want || this.ws) return;
      if (got.ok) {
        this.showInfo(got.value);
        this.connect();
      } else if (got.status === 404) this.end('Your sandbox has ended (idle too long or past its lifetime).');
      else this.scheduleRetry();
    });
  }

  private control(msg: ServerMessage): void {
    switch (msg.type) {
      case 'ready':
        // The server follows `ready` with the shell's recent output: start from a clean screen so nothing shows twice.
        this.term?.reset();
        this.live = true;
        this.ended = false;
        this.exited = false;
        this.backoff = BACKOFF_MIN_MS;
        this.attachedAt = performance.now();
        this.lastOutputAt = 0;
        this.restartBtn.hidden = true;
        this.newBtn.hidden = true;
        this.showInfo(msg.sandbox);
        this.setStatus('Connected');
        if (this.term) this.send({ type: 'resize', cols: this.term.cols, rows: this.term.rows });
        this.flushSoon();
        break;
      case 'exit':
        this.exited = true;
        this.restartBtn.hidden = false;
        this.term?.write(`\r\n${YELLOW}The shell exited (code ${msg.code}). Press Enter to start a new shell.${RESET}\r\n`);
        this.setStatus(`The shell exited (code ${msg.code}). Press Enter in the terminal or “Start a new shell”.`);
        break;
      case 'notice':
        this.term?.write(`\r\n${YELLOW}${msg.text}${RESET}\r\n`);
        this.announce(msg.text);
        break;
      case 'closed':
        if (msg.reason === 'reset' && this.resetting) break;
        if (msg.reason === 'reset') {
          // Reset from another tab: the learner has a fresh sandbox; attach to it.
          this.disconnect();
          this.term?.reset();
          this.retryNow();
          break;
        }
        this.end(msg.text);
        break;
      case 'error':
        this.setStatus(msg.message);
        this.announce(msg.message);
        break;
      case 'pong':
        break;
    }
  }

  private end(text: string): void {
    this.ended = true;
    this.live = false;
    this.exited = false;
    this.queued = [];
    this.disconnect();
    this.restartBtn.hidden = true;
    this.term?.write(`\r\n${YELLOW}${text}${RESET}\r\n`);
    this.failed(text, 'Start a new sandbox');
  }

  private failed(message: string, retryLabel: string): void {
    this.setStatus(message);
    this.newBtn.textContent = retryLabel;
    this.newBtn.hidden = false;
  }

  private output(bytes: Uint8Array): void {
    const term = this.term;
    if (!term) return;
    this.lastOutputAt = performance.now();
    const n = bytes.byteLength;
    this.unwritten += n;
    term.write(bytes, () => {
      this.unwritten -= n;
      if (this.paused && this.unwritten < RESUME_AT) {
        this.paused = false;
        this.send({ type: 'resume' });
      }
    });
    if (!this.paused && this.unwritten > PAUSE_AT) {
      this.paused = true;
      this.send({ type: 'pause' });
    }
  }

  private input(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.ended || !this.live) return;
    if (this.exited) {
      if (bytes.includes(13)) this.restartShell();
      return;
    }
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  private restartShell(): void {
    if (!this.exited) return;
    this.exited = false;
    this.restartBtn.hidden = true;
    this.attachedAt = performance.now();
    this.lastOutputAt = 0;
    this.send({ type: 'restart' });
    this.setStatus('Connected');
    this.focus();
    this.flushSoon();
  }

  /** Types queued commands once the shell is attached and its output has settled (the prompt is up). */
  private flushSoon(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const term = this.term;
    if (this.queued.length === 0 || !term || !this.live || this.exited) return;
    const now = performance.now();
    const settled = this.lastOutputAt > 0 && now - this.lastOutputAt >= QUIET_MS;
    if (settled || now - this.attachedAt >= QUIET_CAP_MS) {
      for (const c of this.queued.splice(0)) term.paste(shellInput(c));
      return;
    }
    this.flushTimer = setTimeout(() => this.flushSoon(), 100);
  }

  private send(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
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

  private stopTimers(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.countdownTimer);
    this.countdownTimer = undefined;
    this.countdown.textContent = '';
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
