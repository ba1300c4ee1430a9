/**
 * Runs a lab against a sandbox: setup (recording facts), checks (in order,
 * honouring `needs`), the hidden solution and the recorded mistakes. Works on
 * any SandboxHandle; all process work happens through handle.exec.
 */
import type { Lab } from '../blocks/lab/schema.ts';
import type { SandboxHandle } from '../sandbox/driver.ts';
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
      r = await handle.exec(run.argv, { input: run.input, timeoutMs: SETUP_TIMEOUT_MS });
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

/** Runs the checks in order; a check whose `needs` did not pass is "not yet" without running. */
export async function runChecks(handle: SandboxHandle, lab: Lab, facts: Record<string, string>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of lab.checks) {
    const waiting = check.needs.map((n) => results.find((r) => r.id === n)).filter((r) => r && r.status !== 'passed');
    if (waiting.length) {
      const infra = waiting.some((r) => r!.status === 'error');
      results.push({
        id: check.id,
        title: check.title,
        status: infra ? 'error' : 'not-yet',
        message: `Waiting for: ${waiting.map((r) => r!.title).join(', ')}.`,
        hint: undefined,
        ms: 0,
      });
      continue;
    }
    const run = checkRun(check);
    const t0 = performance.now();
    let outcome: ProbeOutcome | null = null;
    try {
      outcome = await handle.exec(run.argv, { timeoutMs: CHECK_TIMEOUT_MS });
    } catch {
      outcome = null;
    }
    const ms = Math.round(performance.now() - t0);
    // A blocked PostgreSQL check: ask the server why, so the learner hears "recovery is still paused" only when it is.
    let recovery: RecoveryState | undefined;
    if (blockedOnPostgres(check, outcome)) {
      recovery = parseRecoveryState(await handle.exec(recoveryStateRun().argv, { timeoutMs: 5_000 }).catch(() => null));
    }
    results.push(classify(check, facts, outcome, ms, recovery));
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
