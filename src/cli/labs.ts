/**
 * `drillbook labs verify [--only ID]`: for every lab of the content, in a
 * fresh sandbox each time: setup → every check "not yet" → the solution →
 * every check passed; then each alternative solution the same way; then, for
 * each recorded mistake, setup → the mistake (which must run to the end) →
 * its `fails` checks (or at least one check) not passed, showing its `says`.
 * Prints a table and ends with `labs: N verified, M failed`.
 */
import { loadCourse } from '../course/load-course.ts';
import { contentDir } from '../course/config.ts';
import { courseLabs, type CourseLab } from '../labs/course-labs.ts';
import { runChecks, runScript, runSetup } from '../labs/runner.ts';
import { createDriver } from '../sandbox/create-driver.ts';
import type { SandboxDriver, SandboxHandle } from '../sandbox/driver.ts';
import { loadServerConfig } from '../server/config.ts';
import type { CheckResult } from '../labs/probe.ts';

const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function summary(rs: CheckResult[]): string {
  return rs.map((r) => `${r.id}=${r.status}`).join(' ');
}

export async function runLabs(args: string[]): Promise<number> {
  if (args[0] !== 'verify') {
    process.stderr.write('usage: drillbook labs verify [--only LAB_ID]\n');
    return 2;
  }
  const i = args.indexOf('--only');
  const only = i >= 0 ? args[i + 1] : undefined;
  const course = loadCourse(contentDir());
  const all = courseLabs(course);
  const labs = [...all.values()].filter((l) => !only || l.id === only);
  if (only && labs.length === 0) {
    process.stderr.write(
      `drillbook labs verify: no valid lab "${only}" in ${contentDir()} (labs: ${[...all.keys()].join(', ') || 'none'}); ./drillbook check shows lab errors.\n`,
    );
    return 1;
  }
  const config = loadServerConfig({ ...process.env, DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1400000' });
  const driver = createDriver({ ...config, startTimeoutMs: 60_000 });
  const pre = await driver.preflight();
  if (!pre.ok) {
    process.stderr.write(`drillbook labs verify: ${pre.message}\n`);
    return 1;
  }
  await driver.prepare((l) => process.stderr.write(`${l}\n`));
  say(
    `${'lab'.padEnd(32)} ${'setup'.padStart(7)} ${'check'.padStart(7)} ${'solve'.padStart(7)} ${'check'.padStart(7)} ${'other'.padStart(6)} mistakes  result`,
  );
  let ok = 0;
  let failed = 0;
  for (const cl of labs) {
    const problems = await verifyOne(driver, cl);
    if (problems.failures.length === 0) ok++;
    else failed++;
    const t = problems.times;
    say(
      `${cl.id.padEnd(32)} ${secs(t.setup).padStart(7)} ${secs(t.check1).padStart(7)} ${secs(t.solve).padStart(7)} ${secs(t.check2).padStart(7)} ${`${problems.alternativesPassed}/${cl.lab.alternatives.length}`.padStart(6)} ${`${problems.mistakesCaught}/${cl.lab.mistakes.length}`.padStart(8)}  ${problems.failures.length ? 'FAILED' : 'ok'}`,
    );
    for (const f of problems.failures) say(`    ${cl.file}:${cl.line}: ${f}`);
  }
  say(`labs: ${ok} verified, ${failed} failed`);
  return failed ? 1 : 0;
}

async function verifyOne(driver: SandboxDriver, cl: CourseLab) {
  const failures: string[] = [];
  const times = { setup: 0, check1: 0, solve: 0, check2: 0 };
  const timed = async <T>(k: keyof typeof times, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      times[k] = performance.now() - t0;
    }
  };
  const sb = await driver.create();
  try {
    const facts = await timed('setup', () => runSetup(sb, cl.lab));
    const before = await timed('check1', () => runChecks(sb, cl.lab, facts));
    const early = before.filter((r) => r.status !== 'not-yet');
    if (early.length) failures.push(`before the solution, these checks were not "not yet": ${summary(early)}`);
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
        failures.push(`${label}: these checks did not pass: ${notPassed.map((x) => `${x.id}: ${x.message}`).join('; ')}`);
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
      const missed = m.fails.length
        ? rs.filter((x) => m.fails.includes(x.id) && x.status === 'passed')
        : rs.every((x) => x.status === 'passed')
          ? rs
          : [];
      if (missed.length) {
        failures.push(
          `${label} passed ${m.fails.length ? `checks that must catch it: ${summary(missed)}` : 'every check'}; the checks must catch it`,
        );
        return false;
      }
      if (m.says && !rs.some((x) => x.status !== 'passed' && x.message.includes(m.says!))) {
        failures.push(`${label}: no check said "${m.says}": ${rs.map((x) => `${x.id}: ${x.message}`).join('; ')}`);
        return false;
      }
      return true;
    });
    if (caught) mistakesCaught++;
  }
  return { failures, times, mistakesCaught, alternativesPassed };
}

const tail = (stderr: string) => stderr.trim().split('\n').slice(-3).join(' | ');
