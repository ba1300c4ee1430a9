import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { precompress, windowBits } from '../../src/cli/compress.ts';
import WebSocket from 'ws';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp } from '../../src/server/app.ts';
import type { ServerMessage } from '../../src/protocol/sandbox.ts';
import { FakeDriver } from './fake-driver.ts';

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-site-'));
  writeFileSync(join(dir, 'index.html'), '<h1>Home</h1>');
  writeFileSync(join(dir, '404.html'), '<h1>Lost</h1>');
  mkdirSync(join(dir, 'lesson'));
  writeFileSync(join(dir, 'lesson', 'index.html'), '<h1>Lesson</h1>');
  return dir;
}

const config = { siteDir: site(), secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: ['https://partner.example'] };
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function withSandbox(maxSandboxes = 2) {
  const driver = new FakeDriver();
  const manager = new SandboxManager(driver, { maxSandboxes, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
  const app = await buildApp({ config, manager });
  closers.push(() => app.close());
  return { app, driver, manager };
}

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

describe('static site', () => {
  it('serves pages and the site 404 page', async () => {
    const app = await buildApp({ config, manager: null });
    expect((await app.inject('/lesson/')).body).toBe('<h1>Lesson</h1>');
    const missing = await app.inject('/nope/');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('<h1>Lost</h1>');
  });

  it("sends the build's pre-compressed copy a browser accepts, the file itself to a client that accepts none", async () => {
    const dir = site();
    const page = `<h1>Long lesson</h1>${'<p>Backups are only as good as the last restore.</p>'.repeat(100)}`;
    writeFileSync(join(dir, 'lesson', 'index.html'), page);
    expect(await precompress(dir)).toBe(1); // the short home and 404 pages are left alone
    const app = await buildApp({ config: { ...config, siteDir: dir }, manager: null });
    closers.push(() => app.close());
    const br = await app.inject({ url: '/lesson/', headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^text\/html/);
    expect(br.rawPayload.length).toBeLessThan(page.length / 10);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(page);
    const gz = await app.inject({ url: '/lesson/', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(page);
    const plain = await app.inject({ url: '/lesson/', headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(page);
  });

  it("sizes brotli's window to the file, within brotli's limits, and a copy as big as its window still round-trips", async () => {
    expect([1, 1024, 1025, 300_000, 2 ** 22, 50 * 2 ** 20].map(windowBits)).toEqual([10, 10, 11, 19, 22, 22]);
    const dir = site();
    const page = Array.from({ length: 30_000 }, (_, i) => `<p>row ${i} ${(i * 7919) % 1000}</p>`).join('');
    writeFileSync(join(dir, 'lesson', 'index.html'), page);
    expect(await precompress(dir)).toBe(1);
    expect(brotliDecompressSync(readFileSync(join(dir, 'lesson', 'index.html.br'))).toString()).toBe(page);
  });
});

describe('sandbox API', () => {
  it('says when sandbox mode is off, and why', async () => {
    const app = await buildApp({ config, manager: null, disabledReason: 'bubblewrap is not installed.' });
    expect((await app.inject('/api/health')).json()).toEqual({
      ok: true,
      results: false,
      sandbox: { enabled: false, reason: 'bubblewrap is not installed.' },
    });
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({
      error: 'SandboxDisabled',
      message:
        "Sandbox mode is not available on this server: bubblewrap is not installed. The lessons work without it; the site's operator can enable it.",
    });
  });

  it('opens a sandbox for a new learner and sets a signed HttpOnly cookie', async () => {
    const { app } = await withSandbox();
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: 'fake-1', engines: ['postgresql', 'mariadb'], limits: { memoryMb: 512, diskMb: 256, pids: 128 } });
    expect(String(r.headers['set-cookie'])).toMatch(
      /^drillbook_learner=[0-9a-f]{32}\.[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const again = await app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie: cookieOf(r) } });
    expect(again.json().id).toBe('fake-1');
  });

  it('treats a forged cookie as a new learner', async () => {
    const { app } = await withSandbox();
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    const forged = cookieOf(r).replace(/=([0-9a-f]{32})/, '=ffffffffffffffffffffffffffffffff');
    const other = await app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie: forged } });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({
      error: 'NoSandbox',
      message: 'You have no sandbox yet. Open one with the "Open sandbox" button (POST /api/sandbox).',
    });
  });

  it('refuses requests from another site', async () => {
    const { app, driver } = await withSandbox();
    const r = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { origin: 'https://evil.example', host: 'localhost:4321' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toEqual({
      error: 'OriginRejected',
      message:
        "Requests from https://evil.example may not use this server's sandboxes. Open the site at its own address, or add the origin to DRILLBOOK_ALLOWED_ORIGINS.",
    });
    expect(driver.created).toHaveLength(0);
    const own = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { origin: 'http://localhost:4321', host: 'localhost:4321' },
    });
    expect(own.statusCode).toBe(200);
    const partner = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { origin: 'https://partner.example', host: 'localhost:4321' },
    });
    expect(partner.statusCode).toBe(200);
  });

  it('answers "at capacity" with Retry-After', async () => {
    const { app } = await withSandbox(1);
    await app.inject({ method: 'POST', url: '/api/sandbox' });
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('60');
    expect(r.json()).toEqual({
      error: 'AtCapacity',
      message: 'All sandboxes on this server are in use. Try again in 60 s.',
      retryAfterSeconds: 60,
    });
  });

  it('reports a sandbox that failed to start as a server problem', async () => {
    const { app, driver } = await withSandbox();
    driver.failNext = "the sandbox's servers did not come up within 30000 ms.";
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(r.statusCode).toBe(500);
    expect(r.json().message).toBe(
      "Your sandbox could not start (the sandbox's servers did not come up within 30000 ms.). This is a server problem, not something you did: try again, and tell the site's operator if it persists.",
    );
  });

  it('reset gives a new sandbox; delete ends it', async () => {
    const { app, driver } = await withSandbox();
    const r = await app.inject({ method: 'POST', url: '/api/sandbox' });
    const cookie = cookieOf(r);
    const reset = await app.inject({ method: 'POST', url: '/api/sandbox/reset', headers: { cookie } });
    expect(reset.json().id).toBe('fake-2');
    expect(driver.created[0]!.destroyed).toBe(true);
    expect((await app.inject({ method: 'DELETE', url: '/api/sandbox', headers: { cookie } })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie } })).statusCode).toBe(404);
  });

  it('names unknown API paths', async () => {
    const { app } = await withSandbox();
    const r = await app.inject('/api/sandboxes?x=1');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'NotFound', message: 'There is no API at /api/sandboxes.' });
  });
});

describe('terminal WebSocket', () => {
  async function listening() {
    const s = await withSandbox();
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    return { ...s, base };
  }

  /** A browser's connection: it always sends its page's Origin (null: a script that sends none). */
  function connect(base: string, cookie: string, origin: string | null = `http://${base}`) {
    const ws = new WebSocket(`ws://${base}/api/sandbox/terminal?cols=90&rows=20`, { headers: { cookie, ...(origin ? { origin } : {}) } });
    const msgs: ServerMessage[] = [];
    let out = '';
    ws.on('message', (d: Buffer, bin: boolean) => (bin ? (out += d.toString()) : msgs.push(JSON.parse(d.toString()))));
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    const opened = new Promise<void>((ok, fail) => {
      ws.on('open', () => ok());
      ws.on('error', fail);
    });
    return { ws, msgs, out: () => out, closed, opened };
  }

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((ok) => setTimeout(ok, 10));
    expect(cond()).toBe(true);
  };

  it('carries keystrokes and output as binary frames and control messages as JSON', async () => {
    const { app, base, driver } = await listening();
    const cookie = cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' }));
    const t = connect(base, cookie);
    await until(() => t.msgs.some((m) => m.type === 'ready'));
    const pty = driver.created[0]!.ptys[0]!;
    expect(pty.size).toEqual([90, 20]);
    t.ws.send(Buffer.from('echo hi\r'), { binary: true });
    await until(() => t.out() === 'echo hi\r');
    expect(pty.written.map(String)).toEqual(['echo hi\r']);
    t.ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    t.ws.send(JSON.stringify({ type: 'ping', id: 5 }));
    await until(() => t.msgs.some((m) => m.type === 'pong'));
    expect(pty.size).toEqual([120, 40]);
    t.ws.send(JSON.stringify({ type: 'resize', cols: 0, rows: 40 }));
    t.ws.send('not json');
    await until(() => t.msgs.filter((m) => m.type === 'error').length === 2);
    expect(t.msgs.filter((m) => m.type === 'error').map((m) => (m as { message: string }).message)).toEqual([
      'Message ignored: cols: Too small: expected number to be >=2. Control messages are JSON text frames of type resize, pause, resume, restart or ping; keystrokes are binary frames.',
      'Message ignored: a text frame that is not JSON. Control messages are JSON text frames of type resize, pause, resume, restart or ping; keystrokes are binary frames.',
    ]);
    t.ws.close();
  });

  it('refuses a learner without a sandbox, and a foreign origin', async () => {
    const { base } = await listening();
    const t = connect(base, 'drillbook_learner=forged');
    expect(await t.closed).toBe(1008);
    expect(t.msgs).toEqual([
      {
        type: 'error',
        name: 'NoSandbox',
        message: 'You have no sandbox yet. Open one with the "Open sandbox" button (POST /api/sandbox).',
      },
    ]);
    const evil = connect(base, '', 'https://evil.example');
    await expect(evil.opened).rejects.toThrow(/403/);
  });

  it('attaches each learner only to their own sandbox', async () => {
    const { app, base, driver } = await listening();
    const alice = cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' }));
    const bob = cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' }));
    const a = connect(base, alice);
    const b = connect(base, bob);
    await until(() => a.msgs.some((m) => m.type === 'ready') && b.msgs.some((m) => m.type === 'ready'));
    const ids = [a, b].map((t) => (t.msgs.find((m) => m.type === 'ready') as { sandbox: { id: string } }).sandbox.id);
    expect(new Set(ids).size).toBe(2);
    b.ws.send(Buffer.from('whoami\r'), { binary: true });
    await until(() => b.out().includes('whoami'));
    expect(a.out()).toBe('');
    expect(driver.created.map((h) => h.ptys[0]!.written.map(String))).toEqual([[], ['whoami\r']]);
    a.ws.close();
    b.ws.close();
  });
});
