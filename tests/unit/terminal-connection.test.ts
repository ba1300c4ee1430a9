/**
 * The sandbox terminal's connection state machine, against a fake socket and
 * a fake clock: attach, output and flow control, a dropped connection and
 * the reattach with back-off, a sandbox that has gone, the shell exiting and
 * restarting, resets (ours and another tab's), commands typed once the
 * prompt is up.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/client/api.ts';
import {
  BACKOFF_MAX_MS,
  BACKOFF_MIN_MS,
  PAUSE_AT,
  QUIET_CAP_MS,
  QUIET_MS,
  RESUME_AT,
  TerminalConnection,
  type ConnectionEvents,
  type SocketLike,
} from '../../src/client/terminal-connection.ts';
import type { SandboxInfo, ServerMessage } from '../../src/protocol/sandbox.ts';

const INFO: SandboxInfo = {
  id: 'sb1',
  engines: ['postgresql', 'mariadb'],
  createdAt: '2026-01-01T10:00:00Z',
  expiresAt: '2026-01-01T14:00:00Z',
  idleTimeoutSeconds: 1800,
  limits: { memoryMb: 1024, diskMb: 512, pids: 512, cpus: 1 },
};

class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  sent: (string | Uint8Array)[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  private listeners: Record<string, ((e: { data: ArrayBuffer | string }) => void)[]> = {};
  readonly size: { cols: number; rows: number } | undefined;
  constructor(size: { cols: number; rows: number } | undefined) {
    this.size = size;
  }
  addEventListener(type: string, listener: (e: { data: ArrayBuffer | string }) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  // The server's side:
  opened(): void {
    this.readyState = 1;
    for (const l of this.listeners['open'] ?? []) l({ data: '' });
  }
  message(msg: ServerMessage): void {
    for (const l of this.listeners['message'] ?? []) l({ data: JSON.stringify(msg) });
  }
  bytes(n: number): void {
    for (const l of this.listeners['message'] ?? []) l({ data: new Uint8Array(n).buffer });
  }
  dropped(): void {
    this.readyState = 3;
    for (const l of this.listeners['close'] ?? []) l({ data: '' });
  }
  controls(): unknown[] {
    return this.sent.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as unknown);
  }
}

/** A clock that only moves when told to, with the timers due by then. */
class FakeClock {
  now = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  set = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  };
  clear = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
}

const flush = () => new Promise((ok) => setTimeout(ok, 0));

describe('TerminalConnection', () => {
  let clock: FakeClock;
  let sockets: FakeSocket[];
  let seen: string[];
  let typed: string[];
  let lookups: Answer<SandboxInfo>[];
  let conn: TerminalConnection;
  const socket = () => sockets[sockets.length - 1] as FakeSocket;

  beforeEach(() => {
    clock = new FakeClock();
    sockets = [];
    seen = [];
    typed = [];
    lookups = [];
    const events: ConnectionEvents = {
      status: (t) => seen.push(`status: ${t}`),
      info: (s) => seen.push(`info: ${s.id}`),
      attached: () => seen.push('attached'),
      output: (b) => seen.push(`output: ${b.byteLength}`),
      exited: (c) => seen.push(`exited: ${c}`),
      restarted: () => seen.push('restarted'),
      notice: (t) => seen.push(`notice: ${t}`),
      error: (m) => seen.push(`error: ${m}`),
      ended: (t) => seen.push(`ended: ${t}`),
      resetElsewhere: () => seen.push('reset elsewhere'),
      type: (t) => typed.push(t),
    };
    conn = new TerminalConnection(
      {
        open: (size) => {
          const s = new FakeSocket(size);
          sockets.push(s);
          return s;
        },
        lookup: async () => lookups.shift() ?? { ok: false, status: 0, statusText: '', error: {} },
        setTimeout: clock.set,
        clearTimeout: clock.clear,
        now: () => clock.now,
      },
      events,
    );
    conn.want(true);
    conn.resize(80, 24);
  });

  const attach = () => {
    conn.connect();
    socket().opened();
    socket().message({ type: 'ready', sandbox: INFO });
  };

  it('attaches: asks for the screen size, reports ready, and passes keystrokes only once live', () => {
    conn.connect();
    expect(conn.state).toBe('connecting');
    expect(socket().size).toEqual({ cols: 80, rows: 24 });
    expect(socket().binaryType).toBe('arraybuffer');
    conn.input(new Uint8Array([108, 115]));
    socket().opened();
    expect(socket().controls()).toEqual([{ type: 'resize', cols: 80, rows: 24 }]);
    conn.input(new Uint8Array([108]));
    expect(socket().sent.filter((s) => typeof s !== 'string')).toEqual([]);
    socket().message({ type: 'ready', sandbox: INFO });
    expect(conn.state).toBe('live');
    expect(seen).toEqual(['attached', 'info: sb1', 'status: Connected']);
    conn.input(new Uint8Array([108, 115]));
    expect(socket().sent.at(-1)).toEqual(new Uint8Array([108, 115]));
  });

  it('pauses the server while the screen lags behind, and resumes below the low mark', () => {
    attach();
    socket().bytes(PAUSE_AT);
    expect(socket().controls().at(-1)).not.toEqual({ type: 'pause' });
    socket().bytes(1);
    expect(socket().controls().at(-1)).toEqual({ type: 'pause' });
    conn.written(PAUSE_AT + 1 - RESUME_AT);
    expect(socket().controls().at(-1)).toEqual({ type: 'pause' });
    conn.written(1);
    expect(socket().controls().at(-1)).toEqual({ type: 'resume' });
  });

  it('reattaches after a drop, backing off from 0.5 s to 5 s, and resets the back-off once attached', async () => {
    attach();
    seen = [];
    socket().dropped();
    expect(conn.state).toBe('retrying');
    expect(seen).toEqual(['status: Connection lost. Reconnecting…']);
    // Each failed lookup (server unreachable) schedules the next one, twice as late, up to 5 s.
    for (const delay of [500, 1000, 2000, 4000, 5000, 5000]) {
      lookups.push({ ok: false, status: 0, statusText: '', error: {} });
      clock.advance(delay - 1);
      await flush();
      expect(lookups, `not asked before ${delay} ms`).toHaveLength(1);
      clock.advance(1);
      await flush();
      expect(lookups, `asked at ${delay} ms`).toHaveLength(0);
    }
    expect(BACKOFF_MIN_MS).toBe(500);
    expect(BACKOFF_MAX_MS).toBe(5000);
    lookups.push({ ok: true, value: INFO });
    clock.advance(BACKOFF_MAX_MS);
    await flush();
    expect(sockets).toHaveLength(2);
    socket().opened();
    socket().message({ type: 'ready', sandbox: INFO });
    socket().dropped();
    lookups.push({ ok: true, value: INFO });
    clock.advance(BACKOFF_MIN_MS);
    await flush();
    expect(sockets).toHaveLength(3);
  });

  it('ends when the sandbox has gone (404 on reattach), and stops trying', async () => {
    attach();
    socket().dropped();
    lookups.push({ ok: false, status: 404, statusText: 'Not Found', error: { error: 'NoSandbox' } });
    clock.advance(BACKOFF_MIN_MS);
    await flush();
    expect(conn.state).toBe('ended');
    expect(seen.at(-1)).toBe('ended: Your sandbox has ended (idle too long or past its lifetime).');
    expect(clock.pending()).toBe(0);
    expect(conn.active).toBe(false);
  });

  it('ends on closed from the server (not a reset), closing the socket without a reattach', () => {
    attach();
    socket().message({ type: 'closed', reason: 'idle', text: 'Your sandbox was idle for 30 min and was removed.' });
    expect(conn.state).toBe('ended');
    expect(socket().closedWith).toEqual([1000, 'closed by the learner']);
    socket().dropped();
    expect(clock.pending()).toBe(0);
    expect(seen.at(-1)).toBe('ended: Your sandbox was idle for 30 min and was removed.');
  });

  it('a reset from another tab reattaches to the fresh sandbox; our own reset does not count as a drop', async () => {
    attach();
    lookups.push({ ok: true, value: { ...INFO, id: 'sb2' } });
    socket().message({ type: 'closed', reason: 'reset', text: 'Reset.' });
    expect(seen).toContain('reset elsewhere');
    await flush();
    expect(sockets).toHaveLength(2);
    expect(seen.at(-1)).toBe('info: sb2');

    socket().opened();
    socket().message({ type: 'ready', sandbox: INFO });
    conn.beginReset();
    const old = socket();
    old.message({ type: 'closed', reason: 'reset', text: 'Reset.' });
    old.dropped();
    expect(clock.pending()).toBe(0);
    expect(conn.state).toBe('idle');
    conn.endReset();
  });

  it('after the shell exits, keystrokes wait for Enter, which asks for a new shell', () => {
    attach();
    socket().message({ type: 'exit', code: 130 });
    expect(conn.state).toBe('exited');
    expect(seen.at(-1)).toBe('exited: 130');
    conn.input(new Uint8Array([108]));
    expect(socket().sent.filter((s) => typeof s !== 'string')).toEqual([]);
    conn.input(new Uint8Array([13]));
    expect(socket().controls().at(-1)).toEqual({ type: 'restart' });
    expect(conn.state).toBe('live');
    expect(seen.slice(-2)).toEqual(['restarted', 'status: Connected']);
  });

  it('types a queued command once the output has been quiet, or at the cap, never before attaching', () => {
    conn.queue('ls /srv/base \\\n  | head -3\n');
    conn.connect();
    socket().opened();
    clock.advance(QUIET_CAP_MS * 2);
    expect(typed).toEqual([]);
    socket().message({ type: 'ready', sandbox: INFO });
    socket().bytes(100);
    clock.advance(QUIET_MS - 100);
    socket().bytes(10);
    clock.advance(QUIET_MS - 100);
    expect(typed).toEqual([]);
    clock.advance(200);
    expect(typed).toEqual(['ls /srv/base \\\r  | head -3']);

    conn.queue('pwd');
    expect(typed).toEqual(['ls /srv/base \\\r  | head -3', 'pwd']);
  });

  it('types a queued command at the cap when the shell prints nothing', () => {
    attach();
    conn.queue('date');
    clock.advance(QUIET_CAP_MS - 200);
    expect(typed).toEqual([]);
    clock.advance(200);
    expect(typed).toEqual(['date']);
  });

  it('closing the panel drops the socket, forgets queued commands and never reattaches', () => {
    attach();
    conn.queue('date');
    conn.want(false);
    expect(socket().closedWith).toEqual([1000, 'closed by the learner']);
    socket().dropped();
    clock.advance(60_000);
    expect(typed).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(conn.active).toBe(false);
  });

  it('passes notices and errors on, and ignores messages from a socket it has replaced', () => {
    attach();
    const first = socket();
    socket().message({ type: 'notice', level: 'warning', text: 'Memory limit reached.' });
    socket().message({ type: 'error', name: 'BadMessage', message: 'Unknown control message.' });
    expect(seen.slice(-2)).toEqual(['notice: Memory limit reached.', 'error: Unknown control message.']);
    conn.connect();
    first.message({ type: 'notice', level: 'info', text: 'stale' });
    first.bytes(5);
    expect(seen).not.toContain('notice: stale');
    expect(seen).not.toContain('output: 5');
  });
});
