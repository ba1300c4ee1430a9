/**
 * `drillbook bench sandbox [--runs N] [--concurrent N]`: sandbox start-up,
 * memory, terminal latency and density on this host, with the real driver,
 * manager and server. Human-readable lines first (with baselines run
 * alongside), then one JSON line:
 *   {"cold_ready_ms":{"p50","p95"},"warm_claim_ms":{"p50"},"idle_rss_mb",
 *    "echo_ms":{"p50","p95"},"max_concurrent"}
 * idle_rss_mb is the proportional resident memory (PSS) of all processes of
 * one idle sandbox; its server data lives in its tmpfs /var and is reported
 * separately.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { freemem } from 'node:os';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { emptySandboxArgv } from '../sandbox/bwrap/argv.ts';
import { createDriver } from '../sandbox/create-driver.ts';
import type { SandboxHandle } from '../sandbox/driver.ts';
import { SandboxManager } from '../sandbox/manager.ts';
import { run } from '../sandbox/spawn.ts';
import { buildApp } from '../server/app.ts';
import { loadServerConfig } from '../server/config.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

const ms = (t0: number) => performance.now() - t0;

export async function runBenchSandbox(args: string[]): Promise<number> {
  const runs = option(args, '--runs', 10);
  const target = option(args, '--concurrent', 40);
  const config = loadServerConfig({ ...process.env, DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1500000' });
  const driver = createDriver({ ...config, startTimeoutMs: 60_000 });
  const pre = await driver.preflight();
  if (!pre.ok) {
    say(`drillbook bench sandbox: ${pre.message}`);
    return 1;
  }
  await driver.prepare(say);
  say(driver.describe());

  // Baseline: an empty bwrap with the same namespaces, no servers.
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run(emptySandboxArgv());
    bare.push(ms(t0));
  }

  // Cold start: create → PostgreSQL and MariaDB both accepting connections.
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const sb = await driver.create();
    cold.push(ms(t0));
    await sb.destroy();
  }
  say(
    `cold start to both servers ready: p50 ${pct(cold, 50)} ms, p95 ${pct(cold, 95)} ms over ${runs} runs (empty bwrap baseline p50 ${pct(bare, 50)} ms; ratio ${(pct(cold, 50) / pct(bare, 50)).toFixed(1)}x)`,
  );

  // Warm claim: from a full pool.
  const manager = new SandboxManager(driver, { maxSandboxes: 10, poolSize: 2, idleTimeoutMs: 600_000, lifetimeMs: 3_600_000 });
  manager.start();
  const warm: number[] = [];
  for (let i = 0; i < Math.min(runs, 10); i++) {
    while (manager.stats.pooled < 2) await new Promise((ok) => setTimeout(ok, 50));
    const t0 = performance.now();
    await manager.claim(`bench-${i}`);
    warm.push(ms(t0));
    await manager.end(`bench-${i}`, 'stopped');
  }
  say(`warm-pool claim: p50 ${pct(warm, 50)} ms (cold p50 ${pct(cold, 50)} ms)`);

  // Echo: a keystroke over the WebSocket, through the pty and bash's line editor, and back.
  const app = await buildApp({
    config: { siteDir: resolve('dist'), secret: randomBytes(32).toString('hex'), allowedOrigins: [] },
    manager,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const opened = await fetch(`http://${base}/api/sandbox`, { method: 'POST' });
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
  const ws = new WebSocket(`ws://${base}/api/sandbox/terminal`, { headers: { cookie, origin: `http://${base}` } });
  let out = '';
  let pongAt = 0;
  ws.on('message', (d: Buffer, bin: boolean) => {
    if (bin) out += d.toString();
    else if ((JSON.parse(d.toString()) as { type: string }).type === 'pong') pongAt = performance.now();
  });
  await new Promise((ok) => ws.on('open', ok));
  const waitFor = async (cond: () => boolean) => {
    while (!cond()) await new Promise((ok) => setImmediate(ok));
  };
  await waitFor(() => out.includes('$ '));
  const echo: number[] = [];
  const ping: number[] = [];
  for (let i = 0; i < 100; i++) {
    const before = out.length;
    const t0 = performance.now();
    ws.send(Buffer.from('x'), { binary: true });
    await waitFor(() => out.length > before && out.slice(before).includes('x'));
    echo.push(ms(t0));
    const p0 = performance.now();
    pongAt = 0;
    ws.send(JSON.stringify({ type: 'ping', id: i }));
    await waitFor(() => pongAt > 0);
    ping.push(pongAt - p0);
    if (i % 20 === 19) ws.send(Buffer.from('\u0015'), { binary: true });
  }
  ws.close();
  say(`keystroke echo: p50 ${pct(echo, 50)} ms, p95 ${pct(echo, 95)} ms (WebSocket ping baseline p50 ${pct(ping, 50)} ms)`);
  await app.close();
  await manager.shutdown();

  // Density: idle sandboxes held at once, each still answering.
  const held: SandboxHandle[] = [];
  const reserve = 1024 * 2 ** 20;
  try {
    while (held.length < target && freemem() > reserve + config.limits.memoryBytes / 4) {
      held.push(...(await Promise.all([driver.create(), driver.create()])));
    }
  } catch (e) {
    say(`stopped adding sandboxes at ${held.length}: ${e instanceof Error ? e.message : String(e)}`);
  }
  await new Promise((ok) => setTimeout(ok, 3000));
  let pss = 0;
  let disk = 0;
  for (const h of held) {
    const u = h.usage();
    pss += u.pssBytes;
    disk += u.diskUsedBytes;
  }
  const answers = await Promise.all(
    held.map((h) =>
      h.exec(['bash', '-c', 'pg_isready -q -h localhost && mariadb-admin ping --silent'], { timeoutMs: 30_000 }).then((r) => r.code === 0),
    ),
  );
  const answering = answers.filter(Boolean).length;
  const idleMb = Math.round(pss / held.length / 2 ** 20);
  say(
    `idle sandboxes held: ${held.length}, answering: ${answering}; per sandbox ${idleMb} MB PSS in processes + ${Math.round(disk / held.length / 2 ** 20)} MB server data in tmpfs`,
  );
  await Promise.all(held.map((h) => h.destroy()));

  process.stdout.write(
    JSON.stringify({
      cold_ready_ms: { p50: pct(cold, 50), p95: pct(cold, 95) },
      warm_claim_ms: { p50: pct(warm, 50) },
      idle_rss_mb: idleMb,
      echo_ms: { p50: pct(echo, 50), p95: pct(echo, 95) },
      max_concurrent: answering,
    }) + '\n',
  );
  return 0;
}
