/**
 * Runs a replay script in a sandbox the way a learner would: the preparation
 * first (bash -e, not shown), then each step in ONE interactive login shell on
 * a pseudo-terminal, so a step sees the shell state earlier steps left
 * (directory, variables) and its programs see a terminal (tables from
 * `mariadb -e`, columns from `ls`, progress meters). What the terminal showed
 * for the step, stdout and stderr interleaved as they were written, becomes
 * its output (replay-screen.ts turns the bytes into lines).
 *
 * The shell is quietened before the first step: no echo of typed input, no
 * line editing, empty prompts, and a prompt command that prints an unusual
 * marker with the exit status, so the end of each step is known exactly.
 * Each step's command is written to a file in the sandbox and sourced (`.`)
 * rather than typed, so a multi-line command runs as one unit and nothing
 * typed ahead can be read by the step's programs.
 */
import type { SandboxHandle } from '../sandbox/driver.ts';
import { screenText } from './replay-screen.ts';
import type { ReplayScript } from './replay-script.ts';

export interface StepResult {
  output: string;
  exitCode: number;
  ms: number;
}

export class ReplayRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayRunError';
  }
}

/** Terminal size the steps run in: 80 columns (what `ls` and progress meters fit to), rows enough that nothing pages. */
export const REPLAY_COLS = 80;
const REPLAY_ROWS = 200;
const MARK = '\x1e';
const MARKER = /\x1e(\d+)\x1e/;
const STEP_DIR = '/tmp/.drillbook-replay';

const QUIET = `stty -echo; set +o emacs; set +o vi; export PAGER=cat; PS1=''; PS2=''; ` + `PROMPT_COMMAND='printf "\\036%s\\036" "$?"'\n`;

/** Runs the script's preparation; throws with its output when it fails. */
export async function runPreparation(handle: SandboxHandle, script: ReplayScript): Promise<void> {
  if (!script.prepare) return;
  const r = await handle.exec(['/bin/bash', '-e', '-c', script.prepare], { timeoutMs: script.timeoutSeconds * 1000 });
  if (r.code !== 0 || r.timedOut) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join('\n    ');
    throw new ReplayRunError(
      `the preparation (the lines before the first "#>") failed${r.timedOut ? ' (timed out)' : ` with exit ${r.code}`}:\n    ${tail}`,
    );
  }
}

/** Runs every step in one terminal session; `onStep` hears each as it ends. */
export async function runSteps(
  handle: SandboxHandle,
  script: ReplayScript,
  onStep: (index: number, result: StepResult) => void = () => {},
): Promise<StepResult[]> {
  for (const [i, step] of script.steps.entries()) {
    const w = await handle.exec(['/bin/bash', '-c', `mkdir -p ${STEP_DIR} && cat > ${STEP_DIR}/${i + 1}`], {
      input: `${step.command}\n`,
      timeoutMs: 10_000,
    });
    if (w.code !== 0) throw new ReplayRunError(`could not write step ${i + 1} into the sandbox: ${w.stderr.trim()}`);
  }
  const pty = handle.openShell({ cols: REPLAY_COLS, rows: REPLAY_ROWS });
  const decoder = new TextDecoder();
  let buf = '';
  let exited = false;
  let wake: (() => void) | undefined;
  const dataSub = pty.onData((d: string | Buffer) => {
    buf += typeof d === 'string' ? d : decoder.decode(d, { stream: true });
    wake?.();
  });
  const exitSub = pty.onExit(() => {
    exited = true;
    wake?.();
  });
  /** Waits for the next marker; returns what came before it and the status. */
  const untilMarker = (timeoutMs: number, what: string) =>
    new Promise<{ text: string; code: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = undefined;
        reject(new ReplayRunError(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s (is it waiting for input?)`));
      }, timeoutMs);
      const check = () => {
        const m = MARKER.exec(buf);
        if (m) {
          clearTimeout(timer);
          wake = undefined;
          const text = buf.slice(0, m.index);
          buf = buf.slice(m.index + m[0].length);
          resolve({ text, code: Number(m[1]) });
        } else if (exited) {
          clearTimeout(timer);
          wake = undefined;
          reject(
            new ReplayRunError(`the shell ended during ${what}; what it showed last: ${screenText(buf).split('\n').slice(-3).join(' | ')}`),
          );
        }
      };
      wake = check;
      check();
    });
  try {
    pty.write(QUIET);
    await untilMarker(30_000, 'starting the shell');
    const results: StepResult[] = [];
    for (const [i] of script.steps.entries()) {
      const t0 = performance.now();
      pty.write(`. ${STEP_DIR}/${i + 1}\n`);
      const { text, code } = await untilMarker(script.timeoutSeconds * 1000, `step ${i + 1}`);
      if (text.includes(MARK)) throw new ReplayRunError(`step ${i + 1} printed the recorder's marker byte (0x1e)`);
      const result = { output: screenText(text), exitCode: code, ms: Math.round(performance.now() - t0) };
      results.push(result);
      onStep(i, result);
    }
    return results;
  } finally {
    dataSub.dispose();
    exitSub.dispose();
    try {
      pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
