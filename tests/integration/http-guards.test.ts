/**
 * A hostile web page and a greedy client against a real server with real
 * sandboxes (issue 9, items 2, 3 and 10): percent-encoded paths, cross-site
 * WebSocket upgrades, DNS rebinding, start floods and hoarding, and
 * malformed requests. (The same rules are unit-tested in server-guards.)
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Learner, skipReason, startServer, type TestServer } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping HTTP guard tests: ${reason}`);

/** A raw request, so that Host and Origin are exactly what an attacker sends. */
function raw(url: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

function upgrade(url: string, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((ok) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => ok(`http ${res.statusCode}`));
    ws.on('open', () => {
      ok('open');
      ws.close();
    });
    ws.on('error', () => ok('error'));
  });
}

describe.skipIf(reason)('HTTP guards on a real server', () => {
  let server: TestServer;
  const port = () => new URL(server.url).port;

  beforeAll(async () => {
    server = await startServer({ maxPerIp: 2, startRatePerLearner: 3, unusedGraceMs: 3_000 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a page on another port cannot reset a sandbox or open its terminal, whatever the path spelling', async () => {
    const victim = new Learner(server);
    const before = await victim.open();
    const evil = { origin: `http://127.0.0.1:${Number(port()) + 1}`, cookie: victim.cookie };
    for (const path of ['/%61pi/sandbox/reset', '/api/sandbox/%72eset', '/api/sandbox/reset']) {
      const r = await raw(server.url, 'POST', path, evil);
      expect(r.status, path).toBe(403);
      expect(JSON.parse(r.body).error).toBe('OriginRejected');
    }
    expect((await victim.api('GET', '/api/sandbox')).body).toMatchObject({ id: before.id });
    expect(await upgrade(server.url, '/api/sandbox/%74erminal', evil)).toBe('http 403');
    expect(await upgrade(server.url, '/api/sandbox/terminal', { cookie: victim.cookie })).toBe('http 403');
    await victim.api('DELETE', '/api/sandbox');
  });

  it('a rebound DNS name is refused, for pages and the API alike', async () => {
    const host = `attacker.example:${port()}`;
    expect((await raw(server.url, 'GET', '/', { host })).status).toBe(421);
    const r = await raw(server.url, 'POST', '/api/sandbox', { host, origin: `http://${host}` });
    expect(r.status).toBe(421);
    expect(JSON.parse(r.body).error).toBe('HostRejected');
  });

  it('one address holds at most two sandboxes; one learner starts at most three a minute', async () => {
    const a = new Learner(server);
    const b = new Learner(server);
    const c = new Learner(server);
    await a.open();
    await b.open();
    const third = await c.api('POST', '/api/sandbox');
    expect(third.status).toBe(429);
    expect((third.body as { error: string }).error).toBe('TooManySandboxes');
    await b.api('DELETE', '/api/sandbox');
    // a has used one start; two resets are allowed, the third is not.
    expect((await a.api('POST', '/api/sandbox/reset')).status).toBe(200);
    expect((await a.api('POST', '/api/sandbox/reset')).status).toBe(200);
    const flood = await a.api('POST', '/api/sandbox/reset');
    expect(flood.status).toBe(429);
    expect((flood.body as { error: string }).error).toBe('RateLimited');
    await a.api('DELETE', '/api/sandbox');
  });

  it('a sandbox whose terminal is never opened is freed after the grace', async () => {
    const hoarder = new Learner(server);
    await hoarder.open();
    const until = Date.now() + 15_000;
    while (server.manager.info(hoarder.id()) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 250));
    expect(server.manager.info(hoarder.id())).toBeUndefined();
    expect(server.manager.stats.active).toBe(0);
  });

  it('oversized headers and bodies get the error shape', async () => {
    const big = await raw(server.url, 'GET', '/api/health', { cookie: 'x'.repeat(20_000) });
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body).error).toBe('HeadersTooLarge');
  });
});
