/**
 * The one module that starts processes. Everything else builds argv arrays
 * (bwrap-argv.ts) and hands them here; nothing goes through a shell string.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';

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
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
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
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts a long-running process with piped stdout/stderr. */
export function start(argv: string[], env: Record<string, string>): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('start: empty argv');
  return spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

const require = createRequire(import.meta.url);
let ptyModule: typeof import('node-pty') | undefined;

/** Starts argv on a new pseudo-terminal. node-pty is loaded on first use. */
export function startPty(argv: string[], env: Record<string, string>, size: { cols: number; rows: number }): IPty {
  const [file, ...args] = argv;
  if (!file) throw new Error('startPty: empty argv');
  ptyModule ??= require('node-pty') as typeof import('node-pty');
  return ptyModule.spawn(file, args, { name: 'xterm-256color', cols: size.cols, rows: size.rows, env, encoding: null });
}
