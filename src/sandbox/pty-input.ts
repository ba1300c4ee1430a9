/**
 * Keystrokes into a pseudo-terminal, with a bounded backlog and no busy wait.
 *
 * node-pty queues every write without bound and, while the terminal's input
 * buffer is full (the shell runs something and does not read), retries on
 * every event-loop turn through the libuv thread pool. A few learners pasting
 * into busy shells then keep the server's CPU and its file-system threads
 * busy and its memory growing. This writer takes over node-pty's write stream
 * on the instance (the `_writeStream` it calls from `write()`): it writes
 * synchronously to the non-blocking master fd, retries a full buffer after a
 * growing delay (10 ms up to 200 ms), tells the caller how much is waiting
 * (so the caller can stop reading its source), and drops nothing it accepted.
 *
 * It relies on two node-pty internals, pinned by a unit test so an upgrade
 * that changes them fails loudly: `UnixTerminal#_writeStream` (an object with
 * `write(data)` and `dispose()`) and `UnixTerminal#fd` (the master fd). It
 * stops for good when the terminal closes, so a recycled fd number is never
 * written to.
 */
import { writeSync } from 'node:fs';
import type { IPty } from 'node-pty';

/** A terminal as node-pty's UnixTerminal has it, with the internals this module uses. */
interface UnixPty {
  readonly fd: number;
  _writeStream: { write(data: string | Buffer): void; dispose(): void };
  _socket?: { destroyed: boolean };
}

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 200;

export class PtyInput implements TerminalInput {
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private delay = RETRY_MIN_MS;
  private disposed = false;
  private drained: (() => void)[] = [];
  private readonly fd: number;
  private readonly closed: () => boolean;

  constructor(fd: number, closed: () => boolean) {
    this.fd = fd;
    this.closed = closed;
  }

  /** Bytes accepted and not yet taken by the terminal. */
  get backlog(): number {
    return this.queued;
  }

  write(data: string | Buffer): void {
    if (this.disposed) return;
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (b.length === 0) return;
    this.queue.push(b);
    this.queued += b.length;
    if (!this.timer) this.flush();
  }

  /** Calls `cb` once the backlog is empty (at once when it is). */
  onDrained(cb: () => void): void {
    if (this.queued === 0 || this.disposed) cb();
    else this.drained.push(cb);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.queued = 0;
    for (const cb of this.drained.splice(0)) cb();
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length && !this.disposed) {
      if (this.closed()) return this.dispose();
      const head = this.queue[0]!;
      let n: number;
      try {
        n = writeSync(this.fd, head);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.timer = setTimeout(() => this.flush(), this.delay);
          this.delay = Math.min(RETRY_MAX_MS, this.delay * 2);
          return;
        }
        // EIO/EBADF: the terminal is gone; what was waiting has nowhere to go.
        return this.dispose();
      }
      this.delay = RETRY_MIN_MS;
      this.queued -= n;
      if (n >= head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (this.queued === 0) for (const cb of this.drained.splice(0)) cb();
  }
}

/** What the manager needs of a terminal's input writer (PtyInput here; the Docker driver's StreamInput). */
export interface TerminalInput {
  /** Bytes accepted and not yet taken by the terminal. */
  readonly backlog: number;
  /** Calls `cb` once the backlog is empty (at once when it is). */
  onDrained(cb: () => void): void;
}

const installed = new WeakMap<IPty, TerminalInput>();

/** The input writer of a terminal started by a driver (undefined for other IPty objects, e.g. test fakes). */
export function ptyInput(pty: IPty): TerminalInput | undefined {
  return installed.get(pty);
}

/** Registers the bounded input writer of a terminal that is not node-pty's (a driver's own IPty). */
export function registerPtyInput(pty: IPty, input: TerminalInput): void {
  installed.set(pty, input);
}

/** Puts a PtyInput in place of node-pty's write stream; `pty.write()` then goes through it. */
export function installPtyInput(pty: IPty): PtyInput {
  const p = pty as unknown as UnixPty;
  if (typeof p.fd !== 'number' || typeof p._writeStream?.write !== 'function') {
    throw new Error('node-pty changed: UnixTerminal#fd or #_writeStream is missing (see src/sandbox/pty-input.ts)');
  }
  const input = new PtyInput(p.fd, () => p._socket?.destroyed === true);
  p._writeStream.dispose();
  p._writeStream = input;
  pty.onExit(() => input.dispose());
  installed.set(pty, input);
  return input;
}
