/**
 * A terminal in a container, shaped like node-pty's IPty so the manager,
 * the terminal route and replays use it unchanged: a Docker exec with a TTY
 * (the pseudo-terminal is the container runtime's), its hijacked connection
 * carrying keystrokes in and output out, resize through the exec resize API,
 * the exit code from exec inspect.
 *
 * Flow control is the connection's: pause() stops reading it, so the kernel
 * and dockerd push back until the shell's writes block, as with node-pty.
 * Typed input goes through StreamInput, which keeps at most what the
 * connection will take and reports the rest as backlog (registered with
 * pty-input.ts, where the manager reads it to stop reading a browser's socket).
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { IDisposable, IEvent, IPty } from 'node-pty';
import { registerPtyInput, type TerminalInput } from '../pty-input.ts';

/** Keystrokes for a stream: written while it takes them, queued (and counted) while it pushes back. */
export class StreamInput implements TerminalInput {
  private queue: Buffer[] = [];
  private queued = 0;
  /** Bytes handed to the stream whose write has not completed yet. */
  private inFlight = 0;
  private stream: Duplex | undefined;
  private drained: (() => void)[] = [];
  private disposed = false;

  /** Bytes accepted and not yet taken by the connection. */
  get backlog(): number {
    return this.queued + this.inFlight;
  }

  attach(stream: Duplex): void {
    this.stream = stream;
    stream.on('drain', () => this.flush());
    this.flush();
  }

  write(data: string | Buffer): void {
    if (this.disposed) return;
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (!b.length) return;
    this.queue.push(b);
    this.queued += b.length;
    this.flush();
  }

  onDrained(cb: () => void): void {
    if (this.backlog === 0 || this.disposed) cb();
    else this.drained.push(cb);
  }

  dispose(): void {
    this.disposed = true;
    this.queue = [];
    this.queued = 0;
    this.inFlight = 0;
    for (const cb of this.drained.splice(0)) cb();
  }

  private flush(): void {
    const s = this.stream;
    if (!s || this.disposed) return;
    while (this.queue.length && !s.writableNeedDrain && !s.destroyed) {
      const b = this.queue.shift()!;
      this.queued -= b.length;
      this.inFlight += b.length;
      s.write(b, () => {
        this.inFlight -= b.length;
        if (this.backlog === 0) for (const cb of this.drained.splice(0)) cb();
      });
    }
  }
}

function emitter<T>(): { event: IEvent<T>; fire(v: T): void } {
  const listeners = new Set<(v: T) => void>();
  return {
    event: (listener: (v: T) => unknown): IDisposable => {
      const l = (v: T) => void listener(v);
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    fire: (v: T) => {
      for (const l of [...listeners]) l(v);
    },
  };
}

/** Output kept for a shell nobody listens to yet: its welcome and first prompt need a few hundred bytes. */
const HELD_MAX = 64 * 1024;

export interface ExecPtyOptions {
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  cols: number;
  rows: number;
  /** Ends the shell's process when the wrapper is killed (the exec API has no kill). */
  kill: (hostPid: number) => void;
}

export class DockerPty implements IPty {
  pid = 0;
  cols: number;
  rows: number;
  readonly process = 'bash';
  handleFlowControl = false;
  private readonly data = emitter<Buffer>();
  private readonly exit = emitter<{ exitCode: number; signal?: number }>();
  /** Output that arrived before anyone listened (a shell opened ahead of its learner), up to HELD_MAX bytes. */
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  /**
   * Output listeners; the first one is handed, at once, whatever the shell
   * printed before it subscribed (its welcome and prompt), so a shell opened
   * ahead of time shows the same screen as one opened on demand.
   */
  readonly onData = ((listener: (d: Buffer) => unknown): IDisposable => {
    const sub = this.data.event(listener);
    const held = this.held;
    this.held = undefined;
    for (const b of held ?? []) this.data.fire(b);
    return sub;
  }) as unknown as IEvent<string>;
  readonly onExit = this.exit.event;
  private readonly input = new StreamInput();
  private exec: Docker.Exec | undefined;
  private stream: Duplex | undefined;
  private paused = false;
  private exited = false;
  private killed = false;

  constructor(container: Docker.Container, opts: ExecPtyOptions) {
    this.cols = opts.cols;
    this.rows = opts.rows;
    registerPtyInput(this, this.input);
    void this.open(container, opts).catch(() => this.finish(255));
  }

  private async open(container: Docker.Container, opts: ExecPtyOptions): Promise<void> {
    const exec = await container.exec({
      Cmd: opts.cmd,
      Env: opts.env,
      User: opts.user,
      WorkingDir: opts.workingDir,
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    this.exec = exec;
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    this.stream = stream;
    if (this.killed) {
      stream.destroy();
      return;
    }
    stream.on('data', (b: Buffer) => {
      if (!this.held) this.data.fire(b);
      else if (this.heldBytes < HELD_MAX) {
        this.held.push(b);
        this.heldBytes += b.length;
      }
    });
    stream.on('error', () => {});
    stream.on('close', () => void this.ended());
    if (this.paused) stream.pause();
    this.input.attach(stream);
    await this.applySize();
    const info = await exec.inspect().catch(() => null);
    this.pid = info?.Pid ?? 0;
    this.killer = () => (this.pid ? opts.kill(this.pid) : undefined);
    if (this.killed) this.killer();
  }

  private killer: (() => void) | undefined;

  private async applySize(): Promise<void> {
    if (!this.exec || this.exited) return;
    await this.exec.resize({ h: this.rows, w: this.cols }).catch(() => {});
  }

  /** The connection closed: the exit code comes from exec inspect (it may lag the stream by a moment). */
  private async ended(): Promise<void> {
    let code = 255;
    for (let i = 0; i < 20 && this.exec; i++) {
      const info = await this.exec.inspect().catch(() => null);
      if (!info) break;
      if (!info.Running) {
        code = info.ExitCode ?? 255;
        break;
      }
      await new Promise((ok) => setTimeout(ok, 25));
    }
    this.finish(code);
  }

  /** True once the shell has ended (its exit has been reported to the listeners there were). */
  get hasExited(): boolean {
    return this.exited;
  }

  private finish(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.input.dispose();
    this.exit.fire({ exitCode: code });
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    void this.applySize();
  }

  clear(): void {}

  write(data: string | Buffer): void {
    this.input.write(data);
  }

  kill(): void {
    this.killed = true;
    this.killer?.();
    this.stream?.destroy();
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }
}
