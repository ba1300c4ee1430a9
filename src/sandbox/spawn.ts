/**
 * The one module that starts processes. Everything else builds argv arrays
 * (bwrap/argv.ts) and hands them here; nothing goes through a shell string.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';
import { installPtyInput } from './pty-input.ts';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  /** Cap on captured bytes per stream; the rest is dropped. */
  maxOutputBytes?: number;
}

/** Runs argv to completion and captures its output. Never rejects for a non-zero exit. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('run: empty argv'));
  const max = opts.maxOutputBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout can end everything it started, including
    // processes inside a sandbox's pid namespace (they stay in the group).
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      if (outLen < max) out.push(b);
      outLen += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < max) err.push(b);
      errLen += b.length;
    });
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    };
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
            // A process that left the group may still hold the pipes: stop waiting for them.
            graceTimer = setTimeout(() => {
              child.stdout.destroy();
              child.stderr.destroy();
              finish(null, 'SIGKILL');
            }, 1_000);
          }, opts.timeoutMs)
        : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    child.on('close', (code, signal) => finish(code, signal));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts a long-running process with piped stdin, stdout and stderr. */
export function start(argv: string[], env: Record<string, string>): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('start: empty argv');
  // stdin is a pipe that this process never writes or closes: the child sees end-of-file only
  // when this process is gone, however it ended (a sandbox's init exits on it).
  return spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Starts a helper that must outlive this process: its own session (a signal
 * to our process group does not reach it), stdin a pipe we never write, so it
 * sees end-of-file exactly when this process is gone. Not waited for.
 */
export function startWatchdog(argv: string[]): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('startWatchdog: empty argv');
  const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: { PATH: '/usr/bin:/bin' } });
  child.unref();
  child.on('error', () => {});
  return child;
}

const require = createRequire(import.meta.url);
let ptyModule: typeof import('node-pty') | undefined;

const F_SETFD = 2;
const FD_CLOEXEC = 1;
type Fcntl = (fd: number, cmd: number, ...vararg: unknown[]) => number;
let fcntl: Fcntl | undefined;

/**
 * Marks a descriptor of this process close-on-exec (fcntl F_SETFD FD_CLOEXEC),
 * so no program this process starts later inherits it. Node has no fcntl, so
 * libc's is called through koffi (loaded on first use; glibc's libc.so.6).
 */
export function closeOnExec(fd: number): void {
  if (!fcntl) {
    const koffi = require('koffi') as typeof import('koffi');
    fcntl = koffi.load('libc.so.6').func('int fcntl(int, int, ...)') as unknown as Fcntl;
  }
  if (fcntl(fd, F_SETFD, 'int', FD_CLOEXEC) !== 0) throw new Error(`cannot mark descriptor ${fd} close-on-exec`);
}

/**
 * Starts argv on a new pseudo-terminal (input through a bounded PtyInput). node-pty is loaded on first use.
 * The terminal's master descriptor is made close-on-exec at once: node-pty 1.1.0 returns it without the
 * flag (forkpty cannot set it), so every process this server starts later (helpers, the watchdog, a
 * later learner's shell before `launch` closes descriptors) would hold another learner's terminal, able
 * to read their screen and type into their shell. JavaScript runs on one thread and node-pty forks
 * synchronously, so no other start can come between the two calls. A terminal that cannot be marked is
 * not used.
 */
export function startPty(argv: string[], env: Record<string, string>, size: { cols: number; rows: number }): IPty {
  const [file, ...args] = argv;
  if (!file) throw new Error('startPty: empty argv');
  ptyModule ??= require('node-pty') as typeof import('node-pty');
  const pty = ptyModule.spawn(file, args, { name: 'xterm-256color', cols: size.cols, rows: size.rows, env, encoding: null });
  try {
    closeOnExec((pty as unknown as { fd: number }).fd);
  } catch (e) {
    pty.kill('SIGKILL');
    throw e;
  }
  installPtyInput(pty);
  return pty;
}
