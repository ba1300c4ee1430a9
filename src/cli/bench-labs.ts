/**
 * `drillbook bench labs [--runs N] [--only LAB_ID]`: for every lab of the
 * content, N times (default 3), what a learner waits for, through the same
 * LabService and SandboxManager the server uses (a warm pool of two):
 * - start: "Start lab" for a learner who has a sandbox open: the reset (the old
 *   sandbox ends, a ready one is taken from the pool) and the lab's setup;
 * - check: "Check my work" after the hidden solution ran.
 * Prints one row per lab with the medians (start and check against the 5 s
 * target), which lab is the largest and which the slowest, then one JSON line:
 *   {"labs":[{"id","setup_steps","setup_bytes","checks","start_ms":{"p50","max"},
 *    "check_ms":{"p50","max"},"passed"}],"target_ms":5000}
 * Figures only: nothing here passes or fails (`drillbook labs verify` does).
 * Percentiles: nearest rank (stats.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { courseLabs, type CourseLab } from '../labs/course-labs.ts';
import { runScript } from '../labs/runner.ts';
import { LabService } from '../labs/service.ts';
import { openStore } from '../store/index.ts';
import { chooseDriver } from '../sandbox/create-driver.ts';
import { SandboxManager } from '../sandbox/manager.ts';
import { loadServerConfig } from '../server/config.ts';
import { percentile } from './stats.ts';

/** What a learner should wait at most for "Start lab" and for "Check my work". */
const TARGET_MS = 5_000;
/** A phase that takes longer than this is reported as a problem and the run abandoned. */
const DEADLINE_MS = { start: 150_000, solve: 330_000, check: 60_000 };

class Deadline extends Error {}

async function within<T>(phase: keyof typeof DEADLINE_MS, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Deadline(`${phase} did not finish within ${DEADLINE_MS[phase] / 1000} s`)), DEADLINE_MS[phase]);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);
const p50 = (xs: number[]) => percentile(xs, 50);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const whole = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '-');

interface LabFigures {
  lab: CourseLab;
  /** Setup size: what the start has to run (SQL and shell text). */
  setupBytes: number;
  start: number[];
  solve: number[];
  check: number[];
  /** Checks passed after the solution, per run ("4/4"). */
  passed: string[];
  problems: string[];
}

function setupBytes(cl: CourseLab): number {
  return cl.lab.setup.reduce((n, s) => n + Buffer.byteLength(s.sql ?? s.shell ?? ''), 0);
}

export async function runBenchLabs(args: string[]): Promise<number> {
  let runs = 3;
  let only: string | undefined;
  try {
    const { values } = parseArgs({ args, strict: true, options: { runs: { type: 'string', default: '3' }, only: { type: 'string' } } });
    runs = Number(values.runs);
    only = values.only;
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1 (got "${values.runs}")`);
  } catch (e) {
    note(`drillbook bench labs: ${(e as Error).message}. usage: drillbook bench labs [--runs N] [--only LAB_ID]`);
    return 2;
  }
  const labs = [...courseLabs(loadCourse(contentDir())).values()].filter((l) => !only || l.id === only);
  if (labs.length === 0) {
    note(`drillbook bench labs: no lab${only ? ` "${only}"` : ''} in ${contentDir()}`);
    return 1;
  }
  const config = loadServerConfig({ ...process.env, DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1600000' });
  const { driver, why } = await chooseDriver({ ...config, startTimeoutMs: 60_000 });
  note(`sandbox driver: ${driver.name} (${why})`);
  const pre = await driver.preflight();
  if (!pre.ok) {
    note(`drillbook bench labs: ${pre.message}`);
    return 1;
  }
  await driver.prepare(note);
  note(driver.describe());
  note(`${labs.length} lab(s), ${runs} run(s) each, through the lab service with a warm pool of 2`);
  const manager = new SandboxManager(driver, { maxSandboxes: 6, poolSize: 2, idleTimeoutMs: 3_600_000, lifetimeMs: 3_600_000 });
  manager.start();
  const store = await openStore({ sqlitePath: ':memory:' });
  const service = new LabService(new Map(labs.map((l) => [l.id, l])), manager, store.results, { checkIntervalMs: 0 });
  const poolFull = async () => {
    while (manager.stats.pooled < 2) await sleep(50);
  };

  const all: LabFigures[] = [];
  for (const cl of labs) {
    const f: LabFigures = { lab: cl, setupBytes: setupBytes(cl), start: [], solve: [], check: [], passed: [], problems: [] };
    let gaveUp = false;
    for (let i = 0; i < runs && !gaveUp; i++) {
      const learner = `bench-${cl.id}-${i}`;
      try {
        // The learner has the lab page open with a sandbox; the pool is ready, as on a quiet server.
        await manager.claim(learner);
        await poolFull();
        let t0 = performance.now();
        await within('start', service.start(learner, cl.id));
        f.start.push(performance.now() - t0);
        const handle = manager.handle(learner);
        if (!handle) throw new Error('the sandbox ended after the start');
        t0 = performance.now();
        const sol = await within('solve', runScript(handle, cl.lab.solution));
        f.solve.push(performance.now() - t0);
        if (sol.code !== 0) f.problems.push(`run ${i + 1}: the solution exited ${sol.code}${sol.timedOut ? ' (timed out)' : ''}`);
        t0 = performance.now();
        const view = await within('check', service.check(learner, cl.id));
        f.check.push(performance.now() - t0);
        f.passed.push(`${view.checks.filter((c) => c.status === 'passed').length}/${view.checks.length}`);
      } catch (e) {
        f.problems.push(`run ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
        // A lab that cannot finish once will not finish the next time: on to the next lab.
        if (e instanceof Deadline) gaveUp = true;
      } finally {
        await manager.end(learner, 'stopped');
      }
    }
    note(`  ${cl.id}: ${f.problems.length ? `${f.problems.length} problem(s)` : 'done'}`);
    all.push(f);
  }
  await manager.shutdown();
  await driver.close();
  await store.close();

  const w = Math.max(3, ...all.map((f) => f.lab.id.length));
  const cols = ['steps', 'setup KB', 'checks', 'start p50', 'start max', 'solve p50', 'check p50', 'check max', 'passed'];
  say(`${'lab'.padEnd(w)}  ${cols.map((c) => c.padStart(10)).join(' ')}  target ${TARGET_MS} ms`);
  for (const f of all) {
    const s = p50(f.start);
    const c = p50(f.check);
    const over = [
      s > TARGET_MS ? 'start over' : max(f.start) > TARGET_MS ? 'start max over' : '',
      c > TARGET_MS ? 'check over' : max(f.check) > TARGET_MS ? 'check max over' : '',
    ]
      .filter(Boolean)
      .join(', ');
    const cells = [
      String(f.lab.lab.setup.length),
      (f.setupBytes / 1024).toFixed(1),
      String(f.lab.lab.checks.length),
      whole(s),
      whole(max(f.start)),
      whole(p50(f.solve)),
      whole(c),
      whole(max(f.check)),
      [...new Set(f.passed)].join(' ') || '-',
    ];
    say(`${f.lab.id.padEnd(w)}  ${cells.map((x) => x.padStart(10)).join(' ')}  ${over || (Number.isFinite(s + c) ? 'within' : '-')}`);
    for (const p of f.problems) say(`    ${f.lab.file}:${f.lab.line}: ${p}`);
  }
  say('(milliseconds; start = "Start lab": the reset to a sandbox from the warm pool and the setup; check = "Check my work": every check)');

  const largest = [...all].sort((a, b) => b.setupBytes - a.setupBytes || b.lab.lab.setup.length - a.lab.lab.setup.length)[0]!;
  const slowest = [...all].sort((a, b) => p50(b.start) + p50(b.check) - (p50(a.start) + p50(a.check)))[0]!;
  say(
    `largest lab: ${largest.lab.id} (${largest.lab.lab.setup.length} setup steps, ${(largest.setupBytes / 1024).toFixed(1)} KB of setup, ${largest.lab.lab.checks.length} checks): start p50 ${whole(p50(largest.start))} ms, check p50 ${whole(p50(largest.check))} ms`,
  );
  say(`slowest lab: ${slowest.lab.id}: start p50 ${whole(p50(slowest.start))} ms, check p50 ${whole(p50(slowest.check))} ms`);
  const round = (xs: number[]) => ({ p50: Math.round(p50(xs)), max: Math.round(max(xs)) });
  say(
    JSON.stringify({
      labs: all.map((f) => ({
        id: f.lab.id,
        setup_steps: f.lab.lab.setup.length,
        setup_bytes: f.setupBytes,
        checks: f.lab.lab.checks.length,
        start_ms: round(f.start),
        check_ms: round(f.check),
        passed: f.passed,
      })),
      target_ms: TARGET_MS,
    }),
  );
  return 0;
}
