/**
 * Runs a lab against a sandbox: setup (recording facts), checks (in order,
 * honouring `needs`), the hidden solution and the recorded mistakes. Works on
 * any SandboxHandle; all process work happens through handle.exec.
 */
import { randomBytes } from 'node:crypto';
import type { Lab } from '../blocks/lab/schema.ts';
import type { SandboxHandle } from '../sandbox/driver.ts';
import { GRADER_BASH, GRADER_ENV, GRADER_SWEEP } from './grader.ts';
import {
  blockedOnPostgres,
  checkRun,
  classify,
  parseRecoveryState,
  PROBE_STARTED,
  recoveryStateRun,
  setupRun,
  type CheckResult,
  type ProbeOutcome,
  type RecoveryState,
} from './probe.ts';
import { LAB_TEXTS } from '../protocol/texts.ts';

export class LabSetupError extends Error {
  readonly step: number;
  /** true when our infrastructure failed rather than the lab's own setup. */
  readonly infrastructure: boolean;
  constructor(step: number, message: string, infrastructure: boolean) {
    super(message);
    this.name = 'LabSetupError';
    this.step = step;
    this.infrastructure = infrastructure;
  }
}

const SETUP_TIMEOUT_MS = 120_000;
const CHECK_TIMEOUT_MS = 15_000;

export interface SetupProgress {
  step: number;
  of: number;
  title: string;
}

/** Runs every setup step; returns the recorded facts. */
export async function runSetup(
  handle: SandboxHandle,
  lab: Lab,
  progress: (p: SetupProgress) => void = () => {},
): Promise<Record<string, string>> {
  const facts: Record<string, string> = {};
  for (const [i, step] of lab.setup.entries()) {
    progress({ step: i + 1, of: lab.setup.length, title: step.title ?? `step ${i + 1}` });
    const run = setupRun(step);
    let r;
    try {
      r = await handle.exec(run.argv, { input: run.input, timeoutMs: SETUP_TIMEOUT_MS, env: GRADER_ENV });
    } catch (e) {
      throw new LabSetupError(i, `setup step ${i + 1} could not run: ${e instanceof Error ? e.message : String(e)}`, true);
    }
    if (!r.stdout.startsWith(PROBE_STARTED)) {
      throw new LabSetupError(i, `setup step ${i + 1} could not start in the sandbox: ${r.stderr.trim().split('\n')[0] ?? ''}`, true);
    }
    if (r.code !== 0 || r.timedOut) {
      const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new LabSetupError(
        i,
        `setup step ${i + 1} (${step.title ?? 'untitled'}) failed${r.timedOut ? ' (timed out)' : ''}: ${tail}`,
        false,
      );
    }
    if (step.record) facts[step.record] = r.stdout.slice(PROBE_STARTED.length).trim();
  }
  return facts;
}

/** A fresh token for one run of the checks: scratch names the learner cannot predict or pre-create. */
export function runToken(): string {
  return randomBytes(6).toString('hex');
}

export interface RunChecksOptions {
  /** Run every check even when its `needs` did not pass (labs verify's proof on a fresh setup). */
  ignoreNeeds?: boolean;
}

/** Runs the checks in order; a check whose `needs` did not pass is "not yet" without running. */
export async function runChecks(
  handle: SandboxHandle,
  lab: Lab,
  facts: Record<string, string>,
  opts: RunChecksOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const run = runToken();
  let stopped = false;
  for (const check of lab.checks) {
    const waiting = opts.ignoreNeeds
      ? []
      : check.needs.map((n) => results.find((r) => r.id === n)).filter((r) => r && r.status !== 'passed');
    if (waiting.length) {
      const infra = waiting.some((r) => r!.status === 'error');
      results.push({
        id: check.id,
        title: check.title,
        status: infra ? 'error' : 'not-yet',
        message: LAB_TEXTS.waitingFor(waiting.map((r) => r!.title)),
        hint: undefined,
        ran: false,
        ms: 0,
      });
      continue;
    }
    const probe = checkRun(check, facts, run);
    const t0 = performance.now();
    let outcome: ProbeOutcome | null = null;
    try {
      outcome = await handle.exec(probe.argv, { timeoutMs: CHECK_TIMEOUT_MS, env: GRADER_ENV });
    } catch {
      outcome = null;
    }
    if (!outcome || outcome.timedOut) stopped = true;
    const ms = Math.round(performance.now() - t0);
    // A blocked PostgreSQL check: ask the server why, so the learner hears "recovery is still paused" only when it is.
    let recovery: RecoveryState | undefined;
    if (blockedOnPostgres(check, outcome)) {
      recovery = parseRecoveryState(await handle.exec(recoveryStateRun().argv, { timeoutMs: 5_000, env: GRADER_ENV }).catch(() => null));
    }
    results.push(classify(check, facts, outcome, ms, recovery));
  }
  // A check that was stopped could not clean up after itself: remove what this run's grader left.
  if (stopped) {
    await handle.exec([...GRADER_BASH, '-c', GRADER_SWEEP, 'grader-sweep', run], { timeoutMs: 30_000, env: GRADER_ENV }).catch(() => null);
  }
  return results;
}

/**
 * Runs a script (the solution, or a recorded mistake) as the learner would
 * type it, in bash, stopping at the first failing command (no pipefail: a
 * learner's `mysqlbinlog … | awk '…; exit'` is fine).
 */
export async function runScript(handle: SandboxHandle, script: string, timeoutMs = 300_000) {
  return handle.exec(['/bin/bash', '-e', '-c', script], { timeoutMs });
}
