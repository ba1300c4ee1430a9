/**
 * `drillbook labs verify [--only ID]` and `drillbook labs try LAB SCRIPT [--json]`.
 *
 * verify, for every lab of the content, each time in a fresh sandbox:
 * setup → every check run (needs ignored): each guard passes, every other
 * check ran and is "not yet" → the solution → every check ran and passed;
 * then each alternative solution the same way; then, for each recorded
 * mistake, setup → the mistake (which must run to the end) → at least one of
 * its `fails` checks ran and did not pass, and one that did not pass shows
 * its `says`. Prints a table and ends with `labs: N verified, M failed`.
 *
 * try: a fresh sandbox, the lab's setup, the script run as the learner, then
 * every check. Exit 0 whatever the checks say; 1 only when the lab could not
 * run (unknown lab, unreadable script, sandbox or setup failure); 2 on bad
 * usage. With --json, stdout is exactly one JSON line (TryReport).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { courseLabs, type CourseLab } from '../labs/course-labs.ts';
import type { CheckResult } from '../labs/probe.ts';
import { LabSetupError, runChecks, runScript, runSetup } from '../labs/runner.ts';
import { chooseDriver } from '../sandbox/create-driver.ts';
import type { SandboxDriver, SandboxHandle } from '../sandbox/driver.ts';
import { loadServerConfig } from '../server/config.ts';

const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const tail = (stderr: string) => stderr.trim().split('\n').slice(-3).join(' | ');

const USAGE = `usage: drillbook labs verify [--only LAB_ID]
       drillbook labs try LAB_ID SCRIPT_FILE [--json]
`;

/** What `labs try --json` prints, on one line. */
export interface TryReport {
  lab: string;
  script_exit: number;
  checks: { id: string; status: CheckResult['status']; ran: boolean }[];
  all_passed: boolean;
}

export function tryReport(lab: string, scriptExit: number, results: CheckResult[]): TryReport {
  return {
    lab,
    script_exit: scriptExit,
    checks: results.map((r) => ({ id: r.id, status: r.status, ran: r.ran })),
    all_passed: results.length > 0 && results.every((r) => r.status === 'passed'),
  };
}

class UsageError extends Error {}

/** Options of one subcommand, strictly: unknown flags, missing values and stray arguments are usage errors. */
function parse<O extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(
      `expected ${positionals} argument${positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}${parsed.positionals.length ? ` (${parsed.positionals.join(' ')})` : ''}`,
    );
  }
  return parsed;
}

export async function runLabs(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'verify') {
      const { values } = parse(rest, { only: { type: 'string' } }, 0);
      return await verify(values.only);
    }
    if (sub === 'try') {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 2);
      return await tryLab(positionals[0]!, positionals[1]!, values.json === true);
    }
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`drillbook labs: ${e.message}\n${USAGE}`);
    return 2;
  }
}

/** The labs of the content, or an error line naming what exists. */
function findLabs(only: string | undefined, command: string): CourseLab[] | string {
  const all = courseLabs(loadCourse(contentDir()));
  const labs = [...all.values()].filter((l) => !only || l.id === only);
  if (only && labs.length === 0) {
    return `drillbook labs ${command}: no valid lab "${only}" in ${contentDir()} (labs: ${[...all.keys()].join(', ') || 'none'}); ./drillbook check shows lab errors.`;
  }
  return labs;
}

/** The sandbox driver, prepared; null (with the reason on stderr) when sandboxes cannot run here. */
async function openDriver(command: string): Promise<SandboxDriver | null> {
  const config = loadServerConfig({ ...process.env, DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1400000' });
  const { driver, why } = await chooseDriver({ ...config, startTimeoutMs: 60_000 });
  process.stderr.write(`sandbox driver: ${driver.name} (${why})\n`);
  const pre = await driver.preflight();
  if (!pre.ok) {
    process.stderr.write(`drillbook labs ${command}: ${pre.message}\n`);
    return null;
  }
  await driver.prepare((l) => process.stderr.write(`${l}\n`));
  return driver;
}

async function tryLab(id: string, scriptFile: string, json: boolean): Promise<number> {
  const fail = (why: string) => {
    process.stderr.write(`drillbook labs try: ${why}\n`);
    return 1;
  };
  let script: string;
  try {
    script = readFileSync(scriptFile, 'utf8');
  } catch (e) {
    return fail(`cannot read the script ${scriptFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const labs = findLabs(id, 'try');
  if (typeof labs === 'string') return fail(labs.replace(/^drillbook labs try: /, ''));
  const cl = labs[0]!;
  const driver = await openDriver('try');
  if (!driver) return 1;
  let sb: SandboxHandle;
  try {
    sb = await driver.create();
  } catch (e) {
    return fail(`no sandbox could be started: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const t0 = performance.now();
    let facts: Record<string, string>;
    try {
      facts = await runSetup(sb, cl.lab);
    } catch (e) {
      return fail(`${cl.id}: ${e instanceof LabSetupError ? e.message : e instanceof Error ? e.message : String(e)}`);
    }
    const t1 = performance.now();
    const r = await runScript(sb, script);
    const exit = r.code ?? (r.timedOut ? 124 : 128);
    const t2 = performance.now();
    const results = await runChecks(sb, cl.lab, facts);
    const t3 = performance.now();
    if (json) {
      say(JSON.stringify(tryReport(cl.id, exit, results)));
      return 0;
    }
    say(
      `lab ${cl.id}: setup ${secs(t1 - t0)}, script exit ${exit}${r.timedOut ? ' (timed out)' : ''} in ${secs(t2 - t1)}, checks ${secs(t3 - t2)}`,
    );
    if (exit !== 0 && r.stderr.trim()) say(`  script stderr: ${tail(r.stderr)}`);
    const width = Math.max(...results.map((x) => x.id.length));
    for (const x of results) {
      const status = x.status === 'not-yet' ? 'not yet' : x.status;
      say(`  ${status.padEnd(7)} ${x.ran ? '   ' : '(-)'} ${x.id.padEnd(width)}  ${x.status === 'passed' ? x.title : x.message}`);
    }
    const passed = results.filter((x) => x.status === 'passed').length;
    say(`${passed} of ${results.length} checks passed${results.some((x) => !x.ran) ? '; (-) did not run' : ''}`);
    return 0;
  } finally {
    await sb.destroy();
  }
}

async function verify(only: string | undefined): Promise<number> {
  const labs = findLabs(only, 'verify');
  if (typeof labs === 'string') {
    process.stderr.write(`${labs}\n`);
    return 1;
  }
  const driver = await openDriver('verify');
  if (!driver) return 1;
  say(
    `${'lab'.padEnd(28)} ${'setup'.padStart(6)} ${'check'.padStart(6)} ${'solve'.padStart(6)} ${'check'.padStart(6)} ${'guards'.padStart(6)} ${'other'.padStart(5)} mistakes  result`,
  );
  let ok = 0;
  let failed = 0;
  for (const cl of labs) {
    const v = await verifyOne(driver, cl);
    if (v.failures.length === 0) ok++;
    else failed++;
    const t = v.times;
    const guards = cl.lab.checks.filter((c) => c.guard).length;
    say(
      `${cl.id.padEnd(28)} ${secs(t.setup).padStart(6)} ${secs(t.check1).padStart(6)} ${secs(t.solve).padStart(6)} ${secs(t.check2).padStart(6)} ${`${v.guardsHeld}/${guards}`.padStart(6)} ${`${v.alternativesPassed}/${cl.lab.alternatives.length}`.padStart(5)} ${`${v.mistakesCaught}/${cl.lab.mistakes.length}`.padStart(8)}  ${v.failures.length ? 'FAILED' : 'ok'}`,
    );
    for (const f of v.failures) say(`    ${cl.file}:${cl.line}: ${f}`);
  }
  say(`labs: ${ok} verified, ${failed} failed`);
  return failed ? 1 : 0;
}

const summary = (rs: CheckResult[]) => rs.map((r) => `${r.id}=${r.status}${r.ran ? '' : '(did not run)'}`).join(' ');

/**
 * Whether the checks caught a mistake: one of its `fails` checks ran and did not pass, and (with
 * `says`) a check that ran and did not pass said it. Returns the reason it was not caught, or null.
 */
export function missedMistake(m: { fails: string[]; says?: string | undefined }, rs: CheckResult[]): string | null {
  const tripped = rs.filter((x) => m.fails.includes(x.id) && x.ran && x.status === 'not-yet');
  if (tripped.length === 0) {
    const listed = rs.filter((x) => m.fails.includes(x.id));
    return `none of the checks that must catch it ran and did not pass: ${summary(listed)}`;
  }
  if (m.says && !rs.some((x) => x.ran && x.status === 'not-yet' && x.message.includes(m.says!))) {
    return `no check that did not pass said "${m.says}": ${rs.map((x) => `${x.id}: ${x.message}`).join('; ')}`;
  }
  return null;
}

async function verifyOne(driver: SandboxDriver, cl: CourseLab) {
  const failures: string[] = [];
  const times = { setup: 0, check1: 0, solve: 0, check2: 0 };
  let guardsHeld = 0;
  const timed = async <T>(k: keyof typeof times, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      times[k] = performance.now() - t0;
    }
  };
  const guard = new Set(cl.lab.checks.filter((c) => c.guard).map((c) => c.id));
  const sb = await driver.create();
  try {
    const facts = await timed('setup', () => runSetup(sb, cl.lab));
    // Every check by itself on the fresh setup: none may pass unless it is a guard, and every guard must hold.
    const before = await timed('check1', () => runChecks(sb, cl.lab, facts, { ignoreNeeds: true }));
    const early = before.filter((r) => !guard.has(r.id) && (r.status !== 'not-yet' || !r.ran));
    if (early.length) failures.push(`before the solution, these checks were not "not yet": ${summary(early)}`);
    const guards = before.filter((r) => guard.has(r.id));
    guardsHeld = guards.filter((r) => r.status === 'passed').length;
    const broken = guards.filter((r) => r.status !== 'passed');
    if (broken.length) failures.push(`guards that do not hold on a fresh setup: ${broken.map((r) => `${r.id}: ${r.message}`).join('; ')}`);
    const sol = await timed('solve', () => runScript(sb, cl.lab.solution));
    if (sol.code !== 0) failures.push(`the solution failed (exit ${sol.code}): ${tail(sol.stderr)}`);
    const after = await timed('check2', () => runChecks(sb, cl.lab, facts));
    const notPassed = after.filter((r) => r.status !== 'passed');
    if (notPassed.length)
      failures.push(
        `after the solution, these checks did not pass: ${notPassed.map((r) => `${r.id}: ${r.message} [got "${r.got ?? ''}"]`).join('; ')}`,
      );
  } catch (e) {
    failures.push(e instanceof Error ? e.message : String(e));
  } finally {
    await sb.destroy();
  }
  /** Setup in a fresh sandbox, then `work`; what goes wrong becomes a failure line. */
  const fresh = async (label: string, work: (sb: SandboxHandle, facts: Record<string, string>) => Promise<boolean>) => {
    const sb = await driver.create();
    try {
      return await work(sb, await runSetup(sb, cl.lab));
    } catch (e) {
      failures.push(`${label}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      await sb.destroy();
    }
  };
  let alternativesPassed = 0;
  for (const alt of cl.lab.alternatives) {
    const label = `alternative "${alt.title}"`;
    const ok = await fresh(label, async (sb, facts) => {
      const r = await runScript(sb, alt.script);
      if (r.code !== 0) {
        failures.push(`${label} failed (exit ${r.code}): ${tail(r.stderr)}`);
        return false;
      }
      const notPassed = (await runChecks(sb, cl.lab, facts)).filter((x) => x.status !== 'passed');
      if (notPassed.length)
        failures.push(
          `${label}: these checks did not pass: ${notPassed.map((x) => `${x.id}: ${x.message} [got "${x.got ?? ''}"]`).join('; ')}`,
        );
      return notPassed.length === 0;
    });
    if (ok) alternativesPassed++;
  }
  let mistakesCaught = 0;
  for (const m of cl.lab.mistakes) {
    const label = `mistake "${m.title}"`;
    const caught = await fresh(label, async (sb, facts) => {
      // A mistake script that stops early leaves every check "not yet" and would prove nothing.
      const r = await runScript(sb, m.script);
      if (r.code !== 0) {
        failures.push(`${label}: its script stopped (exit ${r.code}) before doing the mistake: ${tail(r.stderr)}`);
        return false;
      }
      const rs = await runChecks(sb, cl.lab, facts);
      if (rs.some((x) => x.status === 'error')) {
        failures.push(`${label}: a check had an infrastructure error: ${summary(rs)}`);
        return false;
      }
      const missed = missedMistake(m, rs);
      if (missed) failures.push(`${label} was not caught: ${missed}`);
      return missed === null;
    });
    if (caught) mistakesCaught++;
  }
  return { failures, times, mistakesCaught, alternativesPassed, guardsHeld };
}
