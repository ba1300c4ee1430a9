/**
 * The sandboxes `record` and `replays verify` run in: the same driver the
 * server and `labs verify` use (create-driver.ts), on its own uid range
 * unless DRILLBOOK_SANDBOX_UID_BASE says otherwise.
 */
import type { Lab } from '../blocks/lab/schema.ts';
import { runSetup } from '../labs/runner.ts';
import { chooseDriver } from '../sandbox/create-driver.ts';
import type { SandboxDriver, SandboxHandle } from '../sandbox/driver.ts';
import { loadServerConfig } from '../server/config.ts';
import { runPreparation, runSteps, type StepResult } from './replay-run.ts';
import type { ReplayScript } from './replay-script.ts';

/** A ready driver, or a message saying what is missing. */
export async function replayDriver(): Promise<SandboxDriver | { error: string }> {
  const config = loadServerConfig({
    ...process.env,
    DRILLBOOK_SANDBOX_UID_BASE: process.env['DRILLBOOK_SANDBOX_UID_BASE'] ?? '1700000',
  });
  const { driver, why } = await chooseDriver({ ...config, startTimeoutMs: 60_000 });
  process.stderr.write(`sandbox driver: ${driver.name} (${why})\n`);
  const pre = await driver.preflight();
  if (!pre.ok) return { error: pre.message ?? 'the sandbox cannot run here' };
  await driver.prepare((l) => process.stderr.write(`${l}\n`));
  return driver;
}

/** A fresh sandbox: the lab's setup (if any), the script's preparation, then its steps. */
export async function recordInFreshSandbox(
  driver: SandboxDriver,
  script: ReplayScript,
  lab: Lab | undefined,
  onStep?: (index: number, result: StepResult) => void,
): Promise<StepResult[]> {
  const sb: SandboxHandle = await driver.create();
  try {
    if (lab) await runSetup(sb, lab);
    await runPreparation(sb, script);
    return await runSteps(sb, script, onStep);
  } finally {
    await sb.destroy();
  }
}
