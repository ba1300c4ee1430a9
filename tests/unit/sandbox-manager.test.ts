import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AtCapacityError,
  SandboxManager,
  TooManySandboxesError,
  TooManyViewersError,
  type TerminalClient,
} from '../../src/sandbox/manager.ts';
import type { ServerMessage } from '../../src/protocol/sandbox.ts';
import { FakeDriver } from './fake-driver.ts';

function client() {
  const got: (ServerMessage | string)[] = [];
  let closed = false;
  const c: TerminalClient = {
    send: (m) => got.push(Buffer.isBuffer(m) ? m.toString() : m),
    close: () => (closed = true),
  };
  return { c, got, closed: () => closed };
}

const opts = { maxSandboxes: 2, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000, tickMs: 1_000 };
const flush = () => new Promise((ok) => setTimeout(ok, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('SandboxManager', () => {
  it('gives each learner one sandbox and the same one on every claim', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const a1 = await m.claim('alice');
    const a2 = await m.claim('alice');
    const b = await m.claim('bob');
    expect(a1.id).toBe(a2.id);
    expect(b.id).not.toBe(a1.id);
    expect(d.created).toHaveLength(2);
  });

  it('answers "at capacity" with a retry time when the maximum is reached', async () => {
    const m = new SandboxManager(new FakeDriver(), opts);
    await m.claim('a');
    await m.claim('b');
    const err = await m.claim('c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtCapacityError);
    expect((err as AtCapacityError).retryAfterSeconds).toBe(60);
  });

  it('hands out warm sandboxes from the pool and refills it', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, { ...opts, maxSandboxes: 5, poolSize: 2 });
    m.start();
    await flush();
    expect(m.stats.pooled).toBe(2);
    const info = await m.claim('a');
    expect(info.id).toBe('fake-1');
    await flush();
    expect(m.stats).toEqual({ active: 1, pooled: 2, starting: 0, ending: 0 });
    await m.shutdown();
    expect(d.created.every((h) => h.destroyed)).toBe(true);
  });

  it('removes an idle sandbox and tells attached clients why', async () => {
    vi.useFakeTimers();
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    m.start();
    const t = client();
    await m.attach('a', t.c);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(d.created[0]?.destroyed).toBe(true);
    expect(t.got).toContainEqual({
      type: 'closed',
      reason: 'idle',
      text: 'Your sandbox was removed after a period without use. Open it again for a fresh one.',
    });
    expect(t.closed()).toBe(true);
    expect(m.info('a')).toBeUndefined();
  });

  it('keeps a sandbox in use past the idle timeout but not past its lifetime', async () => {
    vi.useFakeTimers();
    const d = new FakeDriver();
    const m = new SandboxManager(d, { ...opts, idleTimeoutMs: 10_000, lifetimeMs: 30_000 });
    m.start();
    const t = client();
    await m.attach('a', t.c);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(5_000);
      m.input('a', Buffer.from('x'));
    }
    expect(m.info('a')).toBeDefined();
    await vi.advanceTimersByTimeAsync(6_000);
    expect(m.info('a')).toBeUndefined();
    expect(t.got.at(-1)).toMatchObject({ type: 'closed', reason: 'lifetime' });
  });

  it('counts the lifetime of a warm sandbox from when a learner gets it, not from when the pool started it', async () => {
    vi.useFakeTimers();
    const d = new FakeDriver();
    const m = new SandboxManager(d, { ...opts, maxSandboxes: 3, poolSize: 1, idleTimeoutMs: 60_000, lifetimeMs: 30_000 });
    m.start();
    await vi.advanceTimersByTimeAsync(45_000);
    const claimedAt = Date.now();
    const info = await m.claim('a');
    expect(info.id).toBe('fake-1');
    expect(Date.parse(info.expiresAt)).toBe(claimedAt + 30_000);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(m.info('a')?.id).toBe('fake-1');
    await vi.advanceTimersByTimeAsync(28_000);
    expect(m.info('a')).toBeUndefined();
  });

  it('a paused shell resumes when its tab reconnects, so output is not stuck after a reload', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t1 = client();
    const detach = await m.attach('a', t1.c);
    const pty = d.created[0]!.ptys[0]!;
    m.setPaused('a', true);
    expect(pty.paused).toBe(true);
    detach();
    expect(pty.paused).toBe(false);
    m.setPaused('a', true);
    await m.attach('a', client().c);
    expect(pty.paused).toBe(false);
  });

  it('shares one shell between tabs and replays recent output to a new tab', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t1 = client();
    await m.attach('a', t1.c, { cols: 100, rows: 30 });
    const pty = d.created[0]!.ptys[0]!;
    expect(pty.size).toEqual([100, 30]);
    pty.emit('$ ');
    m.input('a', Buffer.from('ls\r'));
    const t2 = client();
    await m.attach('a', t2.c);
    expect(d.created[0]!.ptys).toHaveLength(1);
    expect(t2.got.slice(1).join('')).toBe('$ ls\r');
    m.resize('a', 120, 40);
    expect(pty.size).toEqual([120, 40]);
  });

  it('reports a shell exit and starts a new shell on restart', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    await m.attach('a', t.c);
    d.created[0]!.ptys[0]!.exit(0);
    expect(t.got.at(-1)).toEqual({ type: 'exit', code: 0 });
    m.restartShell('a');
    expect(d.created[0]!.ptys).toHaveLength(2);
  });

  it('reset replaces the sandbox with a fresh one', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    const before = await m.claim('a');
    await m.attach('a', t.c);
    const after = await m.reset('a');
    expect(after.id).not.toBe(before.id);
    expect(d.created[0]!.destroyed).toBe(true);
    expect(t.got).toContainEqual({ type: 'closed', reason: 'reset', text: 'Your sandbox is being reset: fresh servers are starting.' });
  });

  it('tells the learner when a limit was hit, once per event', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    await m.attach('a', t.c);
    const h = d.created[0]!;
    h.countersNow = { oomKills: 1, pidsRefused: 3 };
    h.usageNow = { ...h.usageNow, diskUsedBytes: 99, diskTotalBytes: 100 };
    m.checkNow('a');
    m.checkNow('a');
    const notices = t.got.filter((g) => typeof g === 'object' && g.type === 'notice');
    expect(notices).toEqual([
      {
        type: 'notice',
        level: 'warning',
        text: 'Memory limit reached (512 MB, files in /tmp, /run and /dev/shm count too): the kernel stopped a process in your sandbox that needed more.',
      },
      { type: 'notice', level: 'warning', text: 'Process limit reached (128 processes): new processes could not start in your sandbox.' },
      {
        type: 'notice',
        level: 'warning',
        text: 'Disk limit reached: /var (0 MB, server data and your home) is full. Delete files you no longer need.',
      },
    ]);
  });

  it('says a limit that keeps being hit once per episode, and names /tmp full by files', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    await m.attach('a', t.c);
    const h = d.created[0]!;
    const notices = () => t.got.filter((g) => typeof g === 'object' && g.type === 'notice').map((g) => (g as { text: string }).text);
    for (let i = 1; i <= 3; i++) {
      h.countersNow = { oomKills: i, pidsRefused: 0 };
      m.checkNow('a');
    }
    expect(notices()).toHaveLength(1);
    m.checkNow('a'); // quiet: the episode ends
    h.countersNow = { oomKills: 4, pidsRefused: 0 };
    m.checkNow('a');
    expect(notices()).toHaveLength(2);
    h.otherAreas = [{ path: '/tmp', usedBytes: 10, totalBytes: 64 * 2 ** 20, usedInodes: 16_380, totalInodes: 16_384 }];
    m.checkNow('a');
    m.checkNow('a');
    expect(notices().slice(2)).toEqual(['/tmp has as many files as it may hold: delete files you no longer need there.']);
    h.otherAreas = [{ path: '/run', usedBytes: 64 * 2 ** 20, totalBytes: 64 * 2 ** 20, usedInodes: 3, totalInodes: 16_384 }];
    m.checkNow('a');
    expect(notices().at(-1)).toBe(
      '/run (64 MB) is full: delete files you no longer need there, and keep backups in /var (your home, /srv/backups).',
    );
  });

  it('notices a crashed sandbox and lets the learner start a new one', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    await m.attach('a', t.c);
    d.created[0]!.crash();
    await flush();
    expect(t.got.at(-1)).toMatchObject({ type: 'closed', reason: 'crashed' });
    const again = await m.claim('a');
    expect(again.id).toBe('fake-2');
  });

  it('starts one sandbox for concurrent claims by the same learner', async () => {
    const d = new FakeDriver();
    let open!: () => void;
    d.gate = new Promise((ok) => (open = ok));
    const m = new SandboxManager(d, opts);
    const p = Promise.all([m.claim('a'), m.claim('a')]);
    open();
    const [x, y] = await p;
    expect(x.id).toBe(y.id);
    expect(d.created).toHaveLength(1);
  });

  it('ends a sandbox whose terminal was never opened after the unused grace; a used one stays', async () => {
    vi.useFakeTimers();
    const d = new FakeDriver();
    const m = new SandboxManager(d, { ...opts, unusedGraceMs: 30_000 });
    m.start();
    await m.claim('hoarder');
    await m.claim('reader');
    await m.attach('reader', client().c);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(m.info('hoarder')).toBeUndefined();
    expect(d.created[0]!.destroyed).toBe(true);
    expect(m.info('reader')).toBeDefined();
  });

  it('a lab action counts as use', async () => {
    vi.useFakeTimers();
    const m = new SandboxManager(new FakeDriver(), { ...opts, unusedGraceMs: 30_000 });
    m.start();
    await m.claim('labber');
    m.touch('labber');
    await vi.advanceTimersByTimeAsync(31_000);
    expect(m.info('labber')).toBeDefined();
  });

  it('caps the sandboxes one address holds, workshop seats apart', async () => {
    const m = new SandboxManager(new FakeDriver(), { ...opts, maxSandboxes: 10, maxPerIp: 2 });
    await m.claim('a', { ip: '192.0.2.1' });
    await m.claim('b', { ip: '192.0.2.1' });
    await expect(m.claim('c', { ip: '192.0.2.1' })).rejects.toBeInstanceOf(TooManySandboxesError);
    await m.claim('d', { ip: '192.0.2.1', workshop: 'W1' });
    await m.claim('e', { ip: '198.51.100.7' });
    // Asking again for a sandbox you hold is not a new one.
    await m.claim('a', { ip: '192.0.2.1' });
    await m.end('a', 'stopped');
    await m.claim('c', { ip: '192.0.2.1' });
  });

  it('caps the terminal connections of one sandbox', async () => {
    const m = new SandboxManager(new FakeDriver(), { ...opts, maxViewers: 3 });
    for (let i = 0; i < 3; i++) await m.attach('a', client().c);
    await expect(m.attach('a', client().c)).rejects.toBeInstanceOf(TooManyViewersError);
  });

  it('a learner arriving while the pool starts a sandbox gets that one instead of a new start', async () => {
    const d = new FakeDriver();
    let open!: () => void;
    d.gate = new Promise((ok) => (open = ok));
    const m = new SandboxManager(d, { ...opts, maxSandboxes: 1, poolSize: 1 });
    m.start();
    const claimed = m.claim('a');
    await flush();
    open();
    expect((await claimed).id).toBe('fake-1');
    expect(d.created).toHaveLength(1);
  });

  it('retries in a few seconds when capacity frees because sandboxes are ending now', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, { ...opts, maxSandboxes: 1, unusedGraceMs: 120_000 });
    await m.claim('a');
    const err = (await m.claim('b').catch((e: unknown) => e)) as AtCapacityError;
    // The unused grace of "a" ends first.
    expect(err.retryAfterSeconds).toBe(60);
    let release!: () => void;
    d.created[0]!.destroy = () => new Promise<void>((ok) => (release = ok));
    const ending = m.end('a', 'stopped');
    const soon = (await m.claim('b').catch((e: unknown) => e)) as AtCapacityError;
    expect(soon.retryAfterSeconds).toBe(5);
    release();
    await ending;
  });

  it('tells the learner when their sandbox was stopped by its memory limit', async () => {
    const d = new FakeDriver();
    const m = new SandboxManager(d, opts);
    const t = client();
    await m.attach('a', t.c);
    d.created[0]!.countersNow = { oomKills: 1, pidsRefused: 0 };
    d.created[0]!.crash();
    await flush();
    expect(t.got.at(-1)).toEqual({
      type: 'closed',
      reason: 'crashed',
      text: 'Your sandbox used more than its memory limit (512 MB, files in /tmp, /run and /dev/shm included) and was stopped. Open it again for a fresh one, and keep large files in /var (your home, /srv/backups).',
    });
  });
});
