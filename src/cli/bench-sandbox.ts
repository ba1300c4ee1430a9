/**
 * `drillbook bench sandbox [--runs N] [--learners N] [--seconds N] [--floor-mb N] [--density-max N]`:
 * what sandbox mode costs and what a learner waits for, on this host, with the
 * real driver, manager and server. Human-readable lines first (with baselines
 * run alongside), then one JSON line:
 *
 *   {"cold_ready_ms":{"p50","p95"},"prompt_ms":{"p50","p95"},"warm_claim_ms":{"p50"},
 *    "idle_cgroup_mb","idle_pss_mb","tmpfs_mb","echo_ms":{"p50","p95"},
 *    "echo_load_ms":{"learners","p50","p95","p99"},"density":{"held","stop_reason"}}
 *
 * - cold_ready_ms: driver.create() until both servers answer (in this process).
 * - prompt_ms: what a learner waits for with the warm pool empty: POST
 *   /api/sandbox, the terminal WebSocket, until the shell prompt is on screen,
 *   measured by a separate client process over HTTP; warm_claim_ms the same
 *   with the pool full.
 * - idle_cgroup_mb: an idle sandbox's memory cgroup usage (processes, tmpfs
 *   data, kernel memory: what its limit counts and the host pays), averaged
 *   over the density sandboxes; null in rlimit mode, where there is none; idle_pss_mb: the proportional resident memory
 *   of its processes; tmpfs_mb: its files in /var, /tmp, /run and /dev/shm.
 * - echo_ms: one learner alone, a keystroke to its echo; echo_load_ms: the
 *   same while N learners (client processes) type queries, run them (psql and
 *   mysql) and read for about --think-ms (default 5 s) in turn, all at once.
 * - density: sandboxes started (two at a time) until a start fails, the
 *   server's health ping takes over a second, or available memory falls
 *   below the floor; held = how many, each still answering queries at the end.
 * Percentiles: nearest rank (stats.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseDriver } from '../sandbox/create-driver.ts';
import type { SandboxHandle } from '../sandbox/driver.ts';
import { SandboxManager } from '../sandbox/manager.ts';
import { run } from '../sandbox/spawn.ts';
import { buildApp } from '../server/app.ts';
import { loadServerConfig } from '../server/config.ts';
import { percentile, summary } from './stats.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);
const ms = (t0: number) => performance.now() - t0;
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

function availableBytes(): number {
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
}

/** Runs the learners' side in a separate process (bench-client.ts); its JSON answer. */
async function client<T>(mode: string, opts: object, timeoutMs: number): Promise<T> {
  const r = await run([process.execPath, resolve('src/cli/bench-client.ts'), mode, JSON.stringify(opts)], { timeoutMs });
  if (r.code !== 0) throw new Error(`bench client (${mode}) failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return JSON.parse(r.stdout) as T;
}

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      runs: { type: 'string', default: '10' },
      learners: { type: 'string', default: '40' },
      seconds: { type: 'string', default: '30' },
      'think-ms': { type: 'string', default: '5000' },
      'floor-mb': { type: 'string', default: '2048' },
      'density-max': { type: 'string', default: '400' },
    },
  });
  const n = (k: keyof typeof values, min: number) => {
    const v = Number(values[k]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${k} must be a whole number of at least ${min} (got "${values[k]}")`);
    return v;
  };
  return {
    runs: n('runs', 1),
    learners: n('learners', 1),
    seconds: n('seconds', 5),
    thinkMs: n('think-ms', 0),
    floorMb: n('floor-mb', 256),
    densityMax: n('density-max', 1),
  };
}

export async function runBenchSandbox(args: string[]): Promise<number> {
  let o;
  try {
    o = options(args);
  } catch (e) {
    say(`drillbook bench sandbox: ${(e as Error).message}`);
    return 2;
  }
  const config = loadServerConfig({ ...process.env, DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1500000' });
  const { driver, why } = await chooseDriver({ ...config, startTimeoutMs: 60_000 });
  say(`sandbox driver: ${driver.name} (${why})`);
  const pre = await driver.preflight();
  if (!pre.ok) {
    say(`drillbook bench sandbox: ${pre.message}`);
    return 1;
  }
  await driver.prepare(say);
  say(driver.describe());

  // Baseline: the driver's smallest start with the same isolation and no servers (an empty bwrap; a container running /bin/true).
  const bare: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const t0 = performance.now();
    await driver.emptyStart();
    bare.push(ms(t0));
  }

  // Cold start in this process: create → PostgreSQL and MariaDB both accepting connections.
  const cold: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const t0 = performance.now();
    const sb = await driver.create();
    cold.push(ms(t0));
    await sb.destroy();
  }
  say(
    `cold start to both servers ready: p50 ${percentile(cold, 50)} ms, p95 ${percentile(cold, 95)} ms over ${o.runs} runs (empty ${driver.name} baseline p50 ${percentile(bare, 50)} ms)`,
  );

  // What a learner waits for, from another process: pool empty, then full.
  const serve = async (poolSize: number) => {
    const manager = new SandboxManager(driver, {
      maxSandboxes: o.learners + 10,
      poolSize,
      idleTimeoutMs: 600_000,
      lifetimeMs: 3_600_000,
      log: say,
    });
    manager.start();
    const app = await buildApp({
      config: {
        siteDir: resolve('dist'),
        secret: randomBytes(32).toString('hex'),
        allowedOrigins: [],
        startRatePerLearner: 100_000,
        startRatePerIp: 100_000,
      },
      manager,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return {
      manager,
      url,
      async close() {
        await manager.shutdown();
        await app.close();
      },
    };
  };
  say('measuring the wait for a prompt from a separate client, pool empty…');
  const coldServer = await serve(0);
  const coldPrompt = (await client<{ ms: number[] }>('prompt', { url: coldServer.url, count: o.runs }, 600_000)).ms;
  await coldServer.close();
  say('… and pool full');
  const warmServer = await serve(2);
  const warmPrompt: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    while (warmServer.manager.stats.pooled < 2) await sleep(50);
    warmPrompt.push(...(await client<{ ms: number[] }>('prompt', { url: warmServer.url, count: 1 }, 120_000)).ms);
  }
  say(
    `learner's wait for a prompt (separate client, HTTP + WebSocket): pool empty p50 ${percentile(coldPrompt, 50)} ms, p95 ${percentile(coldPrompt, 95)} ms; pool full p50 ${percentile(warmPrompt, 50)} ms`,
  );

  // Keystroke echo: one learner alone, then N learners typing and querying at once.
  say(`keystroke echo, one learner, then ${o.learners} typing and querying (about ${o.thinkMs} ms between queries) for ${o.seconds} s…`);
  const alone = (await client<{ echo: number[] }>('learners', { url: warmServer.url, learners: 1, seconds: 5, thinkMs: 0 }, 120_000)).echo;
  const perClient = 10;
  const clients = Math.ceil(o.learners / perClient);
  const loaded = (
    await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        client<{ echo: number[]; queries: number }>(
          'learners',
          { url: warmServer.url, learners: Math.min(perClient, o.learners - i * perClient), seconds: o.seconds, thinkMs: o.thinkMs },
          (o.seconds + 300) * 1000,
        ),
      ),
    )
  ).reduce((a, r) => ({ echo: [...a.echo, ...r.echo], queries: a.queries + r.queries }), { echo: [] as number[], queries: 0 });
  await warmServer.close();
  say(
    `keystroke echo: alone p50 ${percentile(alone, 50)} ms, p95 ${percentile(alone, 95)} ms; with ${o.learners} learners typing and querying (${loaded.queries} query rounds in ${o.seconds} s): p50 ${percentile(loaded.echo, 50)} ms, p95 ${percentile(loaded.echo, 95)} ms, p99 ${percentile(loaded.echo, 99)} ms`,
  );

  // Density: idle sandboxes held at once until something gives, each still answering.
  say(
    `density: starting sandboxes two at a time until one fails, the health ping slows past 1 s or available memory falls below ${o.floorMb} MB…`,
  );
  const held: SandboxHandle[] = [];
  const healthApp = await serve(0);
  let stopReason = `reached --density-max ${o.densityMax}`;
  while (held.length < o.densityMax) {
    if (availableBytes() < o.floorMb * 2 ** 20) {
      stopReason = `available memory below ${o.floorMb} MB`;
      break;
    }
    const t0 = performance.now();
    const health = await fetch(`${healthApp.url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (!health || ms(t0) > 1000) {
      stopReason = `health ping ${health ? `took ${Math.round(ms(t0))} ms` : 'failed'}`;
      break;
    }
    const started = await Promise.allSettled([driver.create(), driver.create()]);
    for (const s of started) if (s.status === 'fulfilled') held.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      stopReason = `a start failed: ${String((failed as PromiseRejectedResult).reason).split('\n')[0]}`;
      break;
    }
  }
  await healthApp.close();
  await sleep(5000);
  const usages = held.map((h) => h.usage());
  const avg = (f: (u: (typeof usages)[number]) => number) => (usages.length ? usages.reduce((n, u) => n + f(u), 0) / usages.length : 0);
  const answers = await Promise.all(
    held.map((h) =>
      h.exec(['bash', '-c', 'psql -Atc "select 1" && mysql -Nse "select 1"'], { timeoutMs: 60_000 }).then(
        (r) => r.code === 0 && r.stdout === '1\n1\n',
        () => false,
      ),
    ),
  );
  const answering = answers.filter(Boolean).length;
  // Without cgroups (rlimit mode) nothing charges a sandbox's memory as a whole: the figure is unmeasured, not 0.
  const cgroupMb = driver.limitMode === 'rlimit' ? null : mb(avg((u) => u.cgroupBytes));
  say(
    `idle sandboxes held: ${held.length} (${stopReason}), answering queries: ${answering}; per sandbox: ${cgroupMb === null ? 'no memory cgroup (rlimit mode)' : `${cgroupMb} MB in its memory cgroup`} (${mb(avg((u) => u.pssBytes))} MB PSS of processes, ${mb(avg((u) => u.tmpfsBytes))} MB of files in tmpfs)`,
  );
  await Promise.all(held.map((h) => h.destroy()));
  await driver.close();

  process.stdout.write(
    JSON.stringify({
      cold_ready_ms: summary(cold),
      prompt_ms: summary(coldPrompt),
      warm_claim_ms: { p50: percentile(warmPrompt, 50) },
      idle_cgroup_mb: cgroupMb,
      idle_pss_mb: mb(avg((u) => u.pssBytes)),
      tmpfs_mb: mb(avg((u) => u.tmpfsBytes)),
      echo_ms: summary(alone),
      echo_load_ms: { learners: o.learners, ...summary(loaded.echo, [50, 95, 99]) },
      density: { held: answering, stop_reason: stopReason },
    }) + '\n',
  );
  return 0;
}
