/**
 * `drillbook bench labs [--runs N] [--only LAB_ID]`: for every lab of the
 * content, N times (default 3), in a fresh sandbox each time: the lab start
 * (its setup, as "Start lab" runs it), then the hidden solution, then a full
 * check run ("Check my work"). Prints one row per lab with the medians
 * (start and check against the 5 s target), which lab is the largest and
 * which the slowest, then one JSON line:
 *   {"labs":[{"id","setup_steps","setup_bytes","checks","start_ms":{"p50","max"},
 *    "check_ms":{"p50","max"},"passed"}],"target_ms":5000}
 * Figures only: nothing here passes or fails (`drillbook labs verify` does).
 * Sandbox creation is timed apart: in the server a warm pool hands out a
 * ready sandbox, so it is not part of what the learner waits for.
 */
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { courseLabs, type CourseLab } from '../labs/course-labs.ts';
import { runChecks, runScript, runSetup } from '../labs/runner.ts';
import { chooseDriver } from '../sandbox/create-driver.ts';
import type { SandboxHandle } from '../sandbox/driver.ts';
import { loadServerConfig } from '../server/config.ts';

/** What a learner should wait at most for "Start lab" and for "Check my work". */
const TARGET_MS = 5_000;
/**
 * Deadlines per phase, a guard beside exec's own timeouts: past one the
 * sandbox is destroyed, which ends everything in it, and the run is
 * reported instead of the benchmark waiting.
 */
const DEADLINE_MS = { setup: 150_000, solve: 330_000, check: 60_000 };

class Deadline extends Error {}

async function within<T>(phase: keyof typeof DEADLINE_MS, sb: SandboxHandle, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      fail(new Deadline(`${phase} did not finish within ${DEADLINE_MS[phase] / 1000} s; the sandbox was destroyed`));
      void sb.destroy();
    }, DEADLINE_MS[phase]);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function p50(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const whole = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '-');

interface LabFigures {
  lab: CourseLab;
  /** Setup size: what the start has to run (SQL and shell text). */
  setupBytes: number;
  create: number[];
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
  const runs = Math.max(1, Number(option(args, '--runs') ?? 3) || 3);
  const only = option(args, '--only');
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
  note(`${labs.length} lab(s), ${runs} run(s) each, a fresh sandbox per run`);

  const all: LabFigures[] = [];
  for (const cl of labs) {
    const f: LabFigures = { lab: cl, setupBytes: setupBytes(cl), create: [], start: [], solve: [], check: [], passed: [], problems: [] };
    let gaveUp = false;
    for (let i = 0; i < runs && !gaveUp; i++) {
      let t0 = performance.now();
      const sb = await driver.create();
      f.create.push(performance.now() - t0);
      try {
        t0 = performance.now();
        const facts = await within('setup', sb, runSetup(sb, cl.lab));
        f.start.push(performance.now() - t0);
        t0 = performance.now();
        const sol = await within('solve', sb, runScript(sb, cl.lab.solution));
        f.solve.push(performance.now() - t0);
        if (sol.code !== 0) f.problems.push(`run ${i + 1}: the solution exited ${sol.code}${sol.timedOut ? ' (timed out)' : ''}`);
        t0 = performance.now();
        const results = await within('check', sb, runChecks(sb, cl.lab, facts));
        f.check.push(performance.now() - t0);
        f.passed.push(`${results.filter((r) => r.status === 'passed').length}/${results.length}`);
      } catch (e) {
        f.problems.push(`run ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
        // A lab that cannot finish once will not finish the next time: on to the next lab.
        if (e instanceof Deadline) gaveUp = true;
      } finally {
        await sb.destroy();
      }
    }
    note(`  ${cl.id}: ${f.problems.length ? `${f.problems.length} problem(s)` : 'done'}`);
    all.push(f);
  }

  const w = Math.max(3, ...all.map((f) => f.lab.id.length));
  const cols = ['steps', 'setup KB', 'checks', 'create p50', 'start p50', 'start max', 'solve p50', 'check p50', 'check max', 'passed'];
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
      whole(p50(f.create)),
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
  say('(milliseconds; create = a fresh sandbox, which the server takes from its warm pool; start = the lab setup; check = every check)');

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
