/**
 * `drillbook record SCRIPT --id ID [--sandbox-setup LAB-ID]`: runs a replay
 * script (replay-script.ts) in a fresh sandbox and prints the `terminal`
 * block with the real outputs, naming its script, on stdout. Progress and
 * warnings (a step that exited non-zero) go to stderr.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCourse } from '../course/load-course.ts';
import { contentDir } from '../course/config.ts';
import { courseLabs } from '../labs/course-labs.ts';
import { terminalBlock } from './replay-block.ts';
import { recordInFreshSandbox, replayDriver } from './replay-sandbox.ts';
import { parseReplayScript, ReplayScriptError } from './replay-script.ts';

const USAGE = 'usage: drillbook record SCRIPT --id ID [--sandbox-setup LAB-ID]';
const err = (s: string) => process.stderr.write(`${s}\n`);

export async function runRecord(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { id: { type: 'string' }, 'sandbox-setup': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    err(`drillbook record: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || !values.id) {
    err(`drillbook record: ${positionals.length !== 1 ? 'give exactly one SCRIPT' : '--id is required'}\n${USAGE}`);
    return 2;
  }
  if (!/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u.test(values.id)) {
    err(`drillbook record: --id "${values.id}" is not a block id (letters, digits, ".", "_" and "-", starting with a letter or digit)`);
    return 2;
  }
  const file = resolve(positionals[0]!);
  const root = contentDir();
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    err(
      `drillbook record: ${positionals[0]} is outside the course folder ${root}; keep replay scripts in it so the block can name its script`,
    );
    return 2;
  }
  let script;
  try {
    script = parseReplayScript(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof ReplayScriptError) err(`${positionals[0]}:${e.message}`);
    else err(`drillbook record: cannot read ${positionals[0]}: ${(e as Error).message}`);
    return 1;
  }
  const setupId = values['sandbox-setup'];
  let lab;
  if (setupId) {
    const labs = courseLabs(loadCourse(root));
    lab = labs.get(setupId)?.lab;
    if (!lab) {
      err(`drillbook record: no lab "${setupId}" in ${root} (labs: ${[...labs.keys()].join(', ') || 'none'})`);
      return 2;
    }
  }
  const driver = await replayDriver();
  if ('error' in driver) {
    err(`drillbook record: ${driver.error}`);
    return 1;
  }
  let results;
  try {
    results = await recordInFreshSandbox(driver, script, lab, (i, r) => {
      err(`step ${i + 1}/${script.steps.length}: exit ${r.exitCode}, ${(r.ms / 1000).toFixed(1)} s`);
      if (r.exitCode !== 0) err(`  warning: step ${i + 1} (${script.steps[i]!.command.split('\n')[0]}) exited with status ${r.exitCode}`);
    });
  } catch (e) {
    err(`drillbook record: ${positionals[0]}: ${(e as Error).message}`);
    return 1;
  }
  process.stdout.write(
    terminalBlock({
      id: values.id,
      title: script.title,
      scenario: script.scenario,
      description: script.description,
      script: rel.split(sep).join('/'),
      setup: setupId,
      steps: script.steps.map((s, i) => ({ command: s.command, narration: s.narration, output: results[i]!.output })),
    }),
  );
  return 0;
}
