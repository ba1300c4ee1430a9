/**
 * The connection to the learner's shell, as a state machine without the DOM
 * (unit-tested against a fake socket): the WebSocket's life cycle,
 * reattaching after a drop, flow control, and commands waiting to be typed.
 * The sandbox panel (sandbox-panel.ts) owns the screen and the buttons; it
 * tells the connection what the learner wants and shows what it reports.
 *
 * Wire format (src/protocol/sandbox.ts): binary frames are terminal bytes both
 * ways, text frames JSON control messages. One socket at a time.
 *
 * States:
 * - `idle`: no socket, nothing scheduled (the panel is closed, or a request
 *   to the HTTP API is under way);
 * - `connecting`: a socket is open or opening, no `ready` yet;
 * - `live`: attached to the shell (keystrokes go through);
 * - `exited`: attached, but the shell ended: Enter (or restart()) asks the
 *   server for a new one;
 * - `retrying`: the socket dropped unexpectedly; after a back-off (0.5 s,
 *   doubling to 5 s) the connection asks whether the sandbox still exists
 *   and reattaches;
 * - `ended`: the sandbox is gone; only a new one helps (the panel's job).
 * A reset in flight (`resetting`) makes the old socket's `closed: reset` and
 * close expected, not a drop.
 */
import type { Answer } from './api.ts';
import type { ClientMessage, SandboxInfo, ServerMessage } from '../protocol/sandbox.ts';
import { shellInput } from './run-in-sandbox.ts';

export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 5000;
/** Flow control: ask the server to pause while the screen has this many bytes unwritten; resume below the low mark. */
export const PAUSE_AT = 256 * 1024;
export const RESUME_AT = 32 * 1024;
/** A command asked for before the shell is attached is typed once output has been quiet this long (or after the cap). */
export const QUIET_MS = 300;
export const QUIET_CAP_MS = 4000;
const FLUSH_POLL_MS = 100;

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'exited' | 'retrying' | 'ended';

/** What the connection needs of a WebSocket (the browser's, or a fake in tests). */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (e: { data: ArrayBuffer | string }) => void): void;
}

/** WebSocket.OPEN, without needing the DOM's WebSocket in tests. */
const OPEN = 1;

export interface ConnectionDeps {
  /** Opens a socket to the terminal endpoint, for a screen of `size` when known. */
  open(size: { cols: number; rows: number } | undefined): SocketLike;
  /** GET api/sandbox: whether the learner's sandbox still exists (404 when not). */
  lookup(): Promise<Answer<SandboxInfo>>;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** What the connection reports; the panel shows it. */
export interface ConnectionEvents {
  /** One line of status ("Connecting…", "Connected", "Connection lost. Reconnecting…"). */
  status(text: string): void;
  /** Facts about the sandbox, from `ready` or a lookup. */
  info(sandbox: SandboxInfo): void;
  /** Attached: the server replays the shell's recent output next, so the screen starts clean. */
  attached(): void;
  /** Terminal bytes to write; call `written(n)` once they are on screen. */
  output(bytes: Uint8Array): void;
  /** The shell exited. */
  exited(code: number): void;
  /** A new shell was asked for after the last one exited. */
  restarted(): void;
  /** A line for the learner (a limit was hit, ...). */
  notice(text: string): void;
  /** A request over the socket could not be served. */
  error(message: string): void;
  /** The sandbox is gone for good. */
  ended(text: string): void;
  /** Another tab reset the sandbox: the screen is stale; the connection reattaches. */
  resetElsewhere(): void;
  /** Type this into the shell now (a queued command, already in shellInput form). */
  type(text: string): void;
}

export class TerminalConnection {
  private socket: SocketLike | undefined;
  private stateNow: ConnectionState = 'idle';
  /** The learner wants a live shell (the panel is open). */
  private wanted = false;
  /** A reset is in flight: the old socket's `closed: reset` and close are expected. */
  private resetting = false;
  private backoff = BACKOFF_MIN_MS;
  private retryTimer: unknown;
  private flushTimer: unknown;
  private queued: string[] = [];
  private attachedAt = 0;
  private lastOutputAt = 0;
  private unwritten = 0;
  private paused = false;
  private size: { cols: number; rows: number } | undefined;
  private readonly deps: ConnectionDeps;
  private readonly events: ConnectionEvents;

  constructor(deps: ConnectionDeps, events: ConnectionEvents) {
    this.deps = deps;
    this.events = events;
  }

  get state(): ConnectionState {
    return this.stateNow;
  }

  /** A socket is open or opening, or a reattach is scheduled. */
  get active(): boolean {
    return this.socket !== undefined || this.retryTimer !== undefined;
  }

  /** Whether a drop is being waited out (the panel retries at once when the browser comes back online). */
  get waitingToRetry(): boolean {
    return this.wanted && this.socket === undefined && this.stateNow !== 'ended' && this.retryTimer !== undefined;
  }

  /** The panel opened or closed: only a wanted connection reconnects after a drop. */
  want(on: boolean): void {
    this.wanted = on;
    if (!on) {
      this.cancelRetry();
      this.queued = [];
      this.cancelFlush();
      this.disconnect();
    }
  }

  /** The screen's size, sent now if attached and with every later attach. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.send({ type: 'resize', cols, rows });
  }

  /** Opens a new socket (dropping any old one) for the sandbox the learner has. */
  connect(): void {
    this.disconnect();
    const ws = this.deps.open(this.size);
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    this.stateNow = 'connecting';
    this.paused = false;
    ws.addEventListener('open', () => {
      if (ws !== this.socket || !this.size) return;
      this.send({ type: 'resize', ...this.size });
    });
    ws.addEventListener('message', (e) => {
      if (ws !== this.socket) return;
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
      if (ws !== this.socket) return;
      this.socket = undefined;
      if (this.stateNow !== 'ended') this.stateNow = 'idle';
      if (this.wanted && this.stateNow !== 'ended' && !this.resetting) this.scheduleRetry();
    });
  }

  /** Closes the socket on purpose (no reattach follows). */
  disconnect(): void {
    const ws = this.socket;
    this.socket = undefined;
    if (this.stateNow !== 'ended') this.stateNow = 'idle';
    if (ws && ws.readyState <= OPEN) ws.close(1000, 'closed by the learner');
  }

  /** Stops waiting (a scheduled reattach, a pending flush) without forgetting queued commands. */
  stopTimers(): void {
    this.cancelRetry();
    this.cancelFlush();
  }

  /** Before a reset over HTTP: drop the socket and expect the server's `closed: reset`; `endReset()` after the answer. */
  beginReset(): void {
    this.cancelRetry();
    this.queued = [];
    this.cancelFlush();
    this.resetting = true;
    this.disconnect();
  }

  endReset(): void {
    this.resetting = false;
  }

  /** A fresh sandbox (started or reset): not ended, not exited. */
  fresh(): void {
    if (this.stateNow === 'ended' || this.stateNow === 'exited') this.stateNow = 'idle';
  }

  /** Keystrokes: to the shell when attached; Enter after the shell exited asks for a new one. */
  input(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.stateNow === 'exited') {
      if (bytes.includes(13)) this.restart();
      return;
    }
    if (this.stateNow !== 'live') return;
    if (this.socket?.readyState === OPEN) this.socket.send(bytes);
  }

  /** A new shell after the last one exited. */
  restart(): void {
    if (this.stateNow !== 'exited') return;
    this.stateNow = 'live';
    this.attachedAt = this.deps.now();
    this.lastOutputAt = 0;
    this.send({ type: 'restart' });
    this.events.restarted();
    this.events.status('Connected');
    this.flushSoon();
  }

  /** Types `command` (without pressing Enter) once the shell is attached and its output has settled. */
  queue(command: string): void {
    this.queued.push(command);
    this.flushSoon();
  }

  /** The screen has written `n` more bytes of output: resume the server below the low mark. */
  written(n: number): void {
    this.unwritten -= n;
    if (this.paused && this.unwritten < RESUME_AT) {
      this.paused = false;
      this.send({ type: 'resume' });
    }
  }

  /** Reattaches now if the sandbox still exists; gone → ended; server unreachable → back off and try again. */
  retryNow(): void {
    this.cancelRetry();
    void this.deps.lookup().then((got) => {
      if (!this.wanted || this.socket) return;
      if (got.ok) {
        this.events.info(got.value);
        this.connect();
      } else if (got.status === 404) this.end('Your sandbox has ended (idle too long or past its lifetime).');
      else this.scheduleRetry();
    });
  }

  /** The sandbox is gone: nothing more to do here until the learner starts a new one. */
  end(text: string): void {
    this.stateNow = 'ended';
    this.queued = [];
    this.cancelFlush();
    this.disconnect();
    this.events.ended(text);
  }

  private scheduleRetry(): void {
    this.cancelRetry();
    this.stateNow = 'retrying';
    this.events.status('Connection lost. Reconnecting…');
    this.retryTimer = this.deps.setTimeout(() => {
      this.retryTimer = undefined;
      this.retryNow();
    }, this.backoff);
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.deps.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private control(msg: ServerMessage): void {
    switch (msg.type) {
      case 'ready':
        this.stateNow = 'live';
        this.backoff = BACKOFF_MIN_MS;
        this.attachedAt = this.deps.now();
        this.lastOutputAt = 0;
        this.events.attached();
        this.events.info(msg.sandbox);
        this.events.status('Connected');
        if (this.size) this.send({ type: 'resize', ...this.size });
        this.flushSoon();
        break;
      case 'exit':
        this.stateNow = 'exited';
        this.events.exited(msg.code);
        break;
      case 'notice':
        this.events.notice(msg.text);
        break;
      case 'closed':
        if (msg.reason === 'reset' && this.resetting) break;
        if (msg.reason === 'reset') {
          // Reset from another tab: the learner has a fresh sandbox; attach to it.
          this.disconnect();
          this.events.resetElsewhere();
          this.retryNow();
          break;
        }
        this.end(msg.text);
        break;
      case 'error':
        this.events.error(msg.message);
        break;
      case 'pong':
        break;
    }
  }

  private output(bytes: Uint8Array): void {
    this.lastOutputAt = this.deps.now();
    this.unwritten += bytes.byteLength;
    this.events.output(bytes);
    if (!this.paused && this.unwritten > PAUSE_AT) {
      this.paused = true;
      this.send({ type: 'pause' });
    }
  }

  /** Types queued commands once attached and the output has settled (the prompt is up). */
  private flushSoon(): void {
    this.cancelFlush();
    if (this.queued.length === 0 || this.stateNow !== 'live') return;
    const now = this.deps.now();
    const settled = this.lastOutputAt > 0 && now - this.lastOutputAt >= QUIET_MS;
    if (settled || now - this.attachedAt >= QUIET_CAP_MS) {
      for (const c of this.queued.splice(0)) this.events.type(shellInput(c));
      return;
    }
    this.flushTimer = this.deps.setTimeout(() => this.flushSoon(), FLUSH_POLL_MS);
  }

  private cancelFlush(): void {
    if (this.flushTimer !== undefined) this.deps.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private send(msg: ClientMessage): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }
}
