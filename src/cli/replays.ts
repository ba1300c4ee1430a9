/**
 * `drillbook replays verify [--only ID] [--jobs N]`: every terminal replay of
 * the course is re-run from the script it was recorded from, in a fresh
 * sandbox (after its lab's setup, when it names one), and each step's output
 * is compared with the recorded one, both masked (replay-masks.ts: the
 * built-in masks and the script's own). A replay fails when an output
 * differs (shown as a diff), when the block no longer matches its script
 * (commands, narration, headings: re-record it), or when it has no `record:`
 * at all, since then nothing proves its outputs are real. Ends with
 * `replays: N verified, M failed`.
 *
 * Replays run `--jobs` at a time (default 2, one per core of the CI machine);
 * each gets its own sandbox, so no replay can depend on another's leftovers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Lab } from '../blocks/lab/schema.ts';
import type { Terminal } from '../blocks/terminal/schema.ts';
import { loadCourse } from '../course/load-course.ts';
import { contentDir } from '../course/config.ts';
import { courseLabs } from '../labs/course-labs.ts';
import type { SandboxDriver } from '../sandbox/driver.ts';
import { authorMask, BUILT_IN_MASKS, lineDiff, maskOutput } from './replay-masks.ts';
import { recordInFreshSandbox, replayDriver } from './replay-sandbox.ts';
import { parseReplayScript, type ReplayScript } from './replay-script.ts';

const USAGE = 'usage: drillbook replays verify [--only BLOCK-ID] [--jobs N]';
const say = (s: string) => process.stdout.write(`${s}\n`);

export interface CourseReplay {
  id: string;
  file: string;
  line: number;
  block: Terminal;
}

/** Every valid terminal block of the course, in page order. */
export function courseReplays(dir: string): CourseReplay[] {
  const out: CourseReplay[] = [];
  for (const lesson of loadCourse(dir).lessons)
    for (const node of lesson.nodes)
      if (node.kind === 'block' && node.ok && node.block.type === 'terminal')
        out.push({ id: node.id, file: lesson.file, line: node.line, block: node.block.data });
  return out;
}

const clip = (s: string) => {
  const first = s.split('\n')[0]!;
  return first.length > 60 || s.includes('\n') ? `${first.slice(0, 57)}...` : first;
};

/** Where a block and the script it names disagree (they must not: the block is the script's recording). */
export function scriptMismatches(block: Terminal, script: ReplayScript): string[] {
  const out: string[] = [];
  for (const k of ['title', 'scenario', 'description'] as const)
    if ((block[k] ?? '').trim() !== (script[k] ?? '').trim()) out.push(`its ${k} differs from the script's`);
  if (block.steps.length !== script.steps.length) out.push(`it has ${block.steps.length} steps, the script ${script.steps.length}`);
  block.steps.forEach((s, i) => {
    const t = script.steps[i];
    if (!t) return;
    if (s.command !== t.command.trimEnd()) out.push(`step ${i + 1}: the command differs from the script's (\`${clip(t.command)}\`)`);
    if ((s.narration ?? '').trim() !== t.narration.trim()) out.push(`step ${i + 1}: the narration differs from the script's`);
  });
  return out;
}

/** The per-step differences between a recorded replay and a fresh run, masked; empty when none. */
export function outputDiffs(block: Terminal, script: ReplayScript, now: string[]): string[] {
  const masks = [...BUILT_IN_MASKS, ...script.masks.map((m) => authorMask(m.source))];
  const out: string[] = [];
  block.steps.forEach((s, i) => {
    const d = lineDiff(maskOutput(s.output, masks), maskOutput(now[i] ?? '', masks));
    if (d)
      out.push(`step ${i + 1} (\`${clip(s.command)}\`) printed something else (- recorded, + now, masked):\n${d.replace(/^/gm, '      ')}`);
  });
  return out;
}

interface Outcome {
  replay: CourseReplay;
  failures: string[];
  ms: number;
}

async function verifyOne(driver: SandboxDriver, dir: string, r: CourseReplay, labs: Map<string, { lab: Lab }>): Promise<Outcome> {
  const t0 = performance.now();
  const failures: string[] = [];
  const done = () => ({ replay: r, failures, ms: performance.now() - t0 });
  const rec = r.block.record;
  if (!rec) {
    failures.push(
      'not recorded: it has no `record:` naming the script it came from, so nothing proves its outputs are real (write a script and run ./drillbook record)',
    );
    return done();
  }
  let script: ReplayScript;
  try {
    script = parseReplayScript(readFileSync(join(dir, rec.script), 'utf8'));
  } catch (e) {
    failures.push(`its script ${rec.script}: ${(e as Error).message}`);
    return done();
  }
  const mismatch = scriptMismatches(r.block, script);
  if (mismatch.length) {
    failures.push(
      ...mismatch.map(
        (m) =>
          `${m}; re-record it: ./drillbook record ${join(dir, rec.script)} --id ${r.id}${rec.setup ? ` --sandbox-setup ${rec.setup}` : ''}`,
      ),
    );
    return done();
  }
  let lab: Lab | undefined;
  if (rec.setup) {
    lab = labs.get(rec.setup)?.lab;
    if (!lab) {
      failures.push(`record.setup names lab "${rec.setup}", which the course does not have`);
      return done();
    }
  }
  try {
    const results = await recordInFreshSandbox(driver, script, lab);
    failures.push(
      ...outputDiffs(
        r.block,
        script,
        results.map((x) => x.output),
      ),
    );
  } catch (e) {
    failures.push((e as Error).message);
  }
  return done();
}

export async function runReplays(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { only: { type: 'string' }, jobs: { type: 'string' } },
    });
  } catch (e) {
    process.stderr.write(`drillbook replays: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'verify') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const jobs = values.jobs === undefined ? 2 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) {
    process.stderr.write(`drillbook replays verify: --jobs must be a whole number from 1 to 16, not "${values.jobs}"\n`);
    return 2;
  }
  const dir = contentDir();
  const all = courseReplays(dir);
  const replays = all.filter((r) => !values.only || r.id === values.only);
  if (values.only && replays.length === 0) {
    process.stderr.write(
      `drillbook replays verify: no terminal block "${values.only}" in ${dir} (replays: ${all.map((r) => r.id).join(', ') || 'none'})\n`,
    );
    return 1;
  }
  const driver = await replayDriver();
  if ('error' in driver) {
    process.stderr.write(`drillbook replays verify: ${driver.error}\n`);
    return 1;
  }
  const labs = courseLabs(loadCourse(dir));
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < replays.length) {
      const r = replays[next++]!;
      const o = await verifyOne(driver, dir, r, labs);
      outcomes.push(o);
      say(
        `${o.failures.length ? 'FAILED' : 'ok    '} ${r.id} (${r.file}:${r.line}, ${r.block.steps.length} steps, ${(o.ms / 1000).toFixed(1)} s)`,
      );
      for (const f of o.failures) say(`    ${r.file}:${r.line}: ${f}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, replays.length) }, worker));
  const failed = outcomes.filter((o) => o.failures.length).length;
  say(`${outcomes.length} replays re-run in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${jobs} at a time`);
  say(`replays: ${outcomes.length - failed} verified, ${failed} failed`);
  return failed ? 1 : 0;
}
