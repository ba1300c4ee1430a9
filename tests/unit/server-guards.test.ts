/**
 * What a hostile web page or a greedy client meets at the HTTP layer:
 * encoded paths, DNS rebinding, missing Origins on upgrades, start floods
 * from one learner or one address, malformed requests, and the headers that
 * make pages safe to render. (Fake driver: the seam under the HTTP layer.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp, type AppConfig } from '../../src/server/app.ts';
import { contentSecurityPolicy, inlineScriptHashes } from '../../src/server/plugins/headers.ts';
import { hostAllowed, originAllowed } from '../../src/server/plugins/guards.ts';
import { FakeDriver } from './fake-driver.ts';

const THEME_SCRIPT = "document.documentElement.dataset.theme = localStorage.getItem('theme') ?? 'auto';";

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-site-'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><script>${THEME_SCRIPT}</script><script type="application/json" class="db-data">{"a":1}</script><script type="module" src="/_astro/x.js"></script><h1>Home</h1>`,
  );
  return dir;
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function server(config: Partial<AppConfig> = {}, manager = { maxSandboxes: 20, maxPerIp: 4 }) {
  const driver = new FakeDriver();
  const m = new SandboxManager(driver, { ...manager, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
  const app = await buildApp({
    config: { siteDir: site(), secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [], ...config },
    manager: m,
  });
  closers.push(() => app.close());
  return { app, driver, manager: m };
}

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;
const evil = { origin: 'http://localhost:9999', host: 'localhost:4321' };

describe('the Origin check looks at the route the router matched', () => {
  it('refuses a foreign origin on percent-encoded paths to state-changing routes', async () => {
    const { app, driver } = await server();
    const mine = await app.inject({ method: 'POST', url: '/api/sandbox', headers: { host: 'localhost:4321' } });
    const cookie = cookieOf(mine);
    const reachedRoutes: string[] = [];
    for (const url of ['/%61pi/sandbox/reset', '/api/sandbox/%72eset', '/api/%73andbox', '/api//sandbox/reset']) {
      const r = await app.inject({ method: 'POST', url, headers: { ...evil, cookie } });
      if (r.statusCode === 404) continue; // not a route at all: nothing happens
      reachedRoutes.push(url);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error).toBe('OriginRejected');
    }
    // The router decodes these to real routes (the bypass the old URL-prefix check had).
    expect(reachedRoutes).toEqual(expect.arrayContaining(['/%61pi/sandbox/reset', '/api/sandbox/%72eset', '/api/%73andbox']));
    const del = await app.inject({ method: 'DELETE', url: '/%61pi/sandbox', headers: { ...evil, cookie } });
    expect(del.statusCode).toBe(403);
    expect(driver.created).toHaveLength(1);
    expect(driver.created[0]!.destroyed).toBe(false);
  });

  it('refuses WebSocket upgrades from a foreign origin, on encoded paths too, and upgrades without an Origin', async () => {
    const { app } = await server();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const cookie = cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' }));
    const attempt = (path: string, origin: string | null) =>
      new Promise<string>((ok) => {
        const ws = new WebSocket(`ws://${base}${path}`, { headers: { cookie, ...(origin ? { origin } : {}) } });
        ws.on('unexpected-response', (_req, res) => ok(`http ${res.statusCode}`));
        ws.on('open', () => {
          ok('open');
          ws.close();
        });
        ws.on('error', () => ok('error'));
      });
    expect(await attempt('/api/sandbox/%74erminal', 'http://localhost:9999')).toBe('http 403');
    expect(await attempt('/api/sandbox/terminal', 'http://localhost:9999')).toBe('http 403');
    expect(await attempt('/api/sandbox/terminal', null)).toBe('http 403');
    expect(await attempt('/api/sandbox/terminal', `http://${base}`)).toBe('open');
  });
});

describe('DNS rebinding', () => {
  it('answers only for names it is known by; IP addresses are always fine', () => {
    const names = ['localhost', 'drill.example.edu', 'lab.example.edu:8443'];
    expect(hostAllowed('localhost:4321', names)).toBe(true);
    expect(hostAllowed('127.0.0.1:4321', names)).toBe(true);
    expect(hostAllowed('[::1]:4321', names)).toBe(true);
    expect(hostAllowed('10.1.2.3', names)).toBe(true);
    expect(hostAllowed('DRILL.example.edu', names)).toBe(true);
    expect(hostAllowed('lab.example.edu:8443', names)).toBe(true);
    expect(hostAllowed('lab.example.edu:80', names)).toBe(false);
    expect(hostAllowed('evil.example:4321', names)).toBe(false);
    expect(hostAllowed('localhost.evil.example', names)).toBe(false);
    expect(hostAllowed(undefined, names)).toBe(false);
    expect(originAllowed('http://localhost:4321', 'http://localhost:4321', [])).toBe(true);
    expect(originAllowed('http://localhost', 'http://localhost:80', [])).toBe(true);
    expect(originAllowed('https://partner.example/', 'http://localhost:4321', ['https://partner.example'])).toBe(true);
    expect(originAllowed('null', 'http://localhost:4321', [])).toBe(false);
  });

  it('refuses a rebound name even when its Origin matches its Host', async () => {
    const { app, driver } = await server();
    const r = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { host: 'rebind.evil.example:4321', origin: 'http://rebind.evil.example:4321' },
    });
    expect(r.statusCode).toBe(421);
    expect(r.json()).toEqual({
      error: 'HostRejected',
      message:
        'This server does not answer for the host "rebind.evil.example". Open it at its own address, or the operator can add the name to DRILLBOOK_ALLOWED_HOSTS (or set DRILLBOOK_PUBLIC_URL).',
    });
    expect((await app.inject({ url: '/', headers: { host: 'rebind.evil.example:4321' } })).statusCode).toBe(421);
    expect(driver.created).toHaveLength(0);
    const named = await server({ allowedHosts: ['drill.example.edu'] });
    expect((await named.app.inject({ url: '/', headers: { host: 'drill.example.edu' } })).statusCode).toBe(200);
  });
});

describe('sandbox starts are limited', () => {
  it('per learner: the seventh start within a minute waits, with Retry-After', async () => {
    const { app } = await server({ startRatePerLearner: 6 });
    const cookie = cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' }));
    for (let i = 0; i < 5; i++)
      expect((await app.inject({ method: 'POST', url: '/api/sandbox/reset', headers: { cookie } })).statusCode).toBe(200);
    // Asking again for the sandbox you have is not a start.
    expect((await app.inject({ method: 'POST', url: '/api/sandbox', headers: { cookie } })).statusCode).toBe(200);
    const r = await app.inject({ method: 'POST', url: '/api/sandbox/reset', headers: { cookie } });
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(50);
    expect(r.json()).toEqual({
      error: 'RateLimited',
      message: `Too many sandbox starts in the last minute. Wait ${r.headers['retry-after']} s, then try again.`,
      retryAfterSeconds: Number(r.headers['retry-after']),
    });
  });

  it('per address: fresh cookies do not get around it', async () => {
    const { app } = await server({ startRatePerIp: 3 }, { maxSandboxes: 20, maxPerIp: 100 });
    const codes = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await app.inject({ method: 'POST', url: '/api/sandbox' });
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(last!.json().message).toBe(
      `Too many sandbox starts from your address in the last minute. Wait ${last!.headers['retry-after']} s, then try again.`,
    );
  });

  it('IPv6 addresses count per /64: new addresses of one network do not get around the limits, another network is another client', async () => {
    const { app } = await server({ startRatePerIp: 3 }, { maxSandboxes: 20, maxPerIp: 2 });
    const start = (remoteAddress: string) => app.inject({ method: 'POST', url: '/api/sandbox', remoteAddress });
    const held = [];
    for (const a of ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6:aaaa::3']) held.push((await start(a)).json().error ?? 'ok');
    expect(held).toEqual(['ok', 'ok', 'TooManySandboxes']);
    expect((await start('2001:db8:5:6:bbbb::4')).json().error).toBe('RateLimited');
    expect((await start('2001:db8:5:7::1')).statusCode).toBe(200);
  });

  it('one address holds at most DRILLBOOK_MAX_SANDBOXES_PER_IP sandboxes at once', async () => {
    const { app, driver } = await server({}, { maxSandboxes: 20, maxPerIp: 4 });
    const cookies: string[] = [];
    for (let i = 0; i < 4; i++) cookies.push(cookieOf(await app.inject({ method: 'POST', url: '/api/sandbox' })));
    const fifth = await app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json()).toEqual({
      error: 'TooManySandboxes',
      message:
        'Your network address already holds 4 sandboxes on this server, the most one address may hold. Close a sandbox you no longer use (or join your workshop) and try again.',
    });
    expect(driver.created).toHaveLength(4);
    // A reset of one you hold is fine; closing one frees a place.
    expect((await app.inject({ method: 'POST', url: '/api/sandbox/reset', headers: { cookie: cookies[0]! } })).statusCode).toBe(200);
    await app.inject({ method: 'DELETE', url: '/api/sandbox', headers: { cookie: cookies[1]! } });
    expect((await app.inject({ method: 'POST', url: '/api/sandbox' })).statusCode).toBe(200);
  });
});

describe('malformed requests get the error shape', () => {
  it('a body too large, of the wrong type, or not JSON; a bad lab id', async () => {
    const { app } = await server();
    const big = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { 'content-type': 'application/json' },
      payload: `"${'x'.repeat(70_000)}"`,
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: 'PayloadTooLarge', message: 'The request body is larger than this server accepts (65536 bytes).' });
    const type = await app.inject({ method: 'POST', url: '/api/sandbox', headers: { 'content-type': 'application/x-evil' }, payload: 'x' });
    expect(type.statusCode).toBe(415);
    expect(type.json().error).toBe('UnsupportedMediaType');
    const json = await app.inject({
      method: 'POST',
      url: '/api/sandbox',
      headers: { 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toBe('BadRequest');
    const lab = await app.inject({ method: 'GET', url: '/api/labs/..%2F..%2Fetc' });
    expect(lab.statusCode).toBe(400);
    expect(lab.json()).toEqual({
      error: 'BadRequest',
      message: expect.stringMatching(/^The request was not understood: params\.id: /),
    });
  });

  it('headers too large: 431 in the error shape', async () => {
    const { app } = await server();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const answer = await new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/health', headers: { cookie: 'x'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', fail);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'HeadersTooLarge',
      message: 'The request headers are larger than this server accepts (often too many or too large cookies).',
    });
  });
});

describe('headers', () => {
  it('pages carry a CSP that allows exactly the inline scripts the site has; the API is never cached', async () => {
    const dir = site();
    const hashes = inlineScriptHashes(dir);
    expect(hashes).toHaveLength(1);
    const { app } = await server({ siteDir: dir });
    const page = await app.inject('/');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy(hashes));
    expect(page.headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    const api = await app.inject('/api/health');
    expect(api.headers['cache-control']).toBe('no-store');
    expect(api.headers['content-security-policy']).toBeUndefined();
  });

  it('the learner cookie is Secure behind a trusted TLS proxy', async () => {
    const { app } = await server({ trustProxy: true });
    const r = await app.inject({ method: 'POST', url: '/api/sandbox', headers: { 'x-forwarded-proto': 'https' } });
    expect(String(r.headers['set-cookie'])).toMatch(/; Secure/);
    const untrusted = await server();
    const r2 = await untrusted.app.inject({ method: 'POST', url: '/api/sandbox', headers: { 'x-forwarded-proto': 'https' } });
    expect(String(r2.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});
