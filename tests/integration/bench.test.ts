/**
 * `drillbook bench sandbox` on the tested driver, small: it ends with the
 * same JSON line for every driver (issue 15), every figure measured. The
 * figures themselves are the benchmark's to report (README), not a test's.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/sandbox/spawn.ts';
import { skipReason, TEST_DRIVER, TEST_UID_BASE } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping bench sandbox test: ${reason}`);

describe.skipIf(reason)(`bench sandbox (${TEST_DRIVER})`, () => {
  it('prints one JSON line with every figure, for this driver as for the other', async () => {
    const r = await run(
      [process.execPath, 'src/cli/main.ts', 'bench', 'sandbox', '--runs', '2', '--learners', '2', '--seconds', '5', '--density-max', '2'],
      {
        env: { ...process.env, DRILLBOOK_SANDBOX_UID_BASE: String(TEST_UID_BASE + 400_000) } as Record<string, string>,
        timeoutMs: 300_000,
      },
    );
    expect(r.stderr, r.stderr.slice(-2000)).toContain(`sandbox driver: ${TEST_DRIVER} (DRILLBOOK_DRIVER=${TEST_DRIVER})`);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!) as Record<string, unknown>;
    const positive = expect.any(Number) as unknown;
    expect(j).toEqual({
      cold_ready_ms: { p50: positive, p95: positive },
      prompt_ms: { p50: positive, p95: positive },
      warm_claim_ms: { p50: positive },
      idle_cgroup_mb: positive,
      idle_pss_mb: positive,
      tmpfs_mb: positive,
      echo_ms: { p50: positive, p95: positive },
      echo_load_ms: { learners: 2, p50: positive, p95: positive, p99: positive },
      density: { held: 2, stop_reason: 'reached --density-max 2' },
    });
    for (const v of [j['idle_cgroup_mb'], j['idle_pss_mb'], j['tmpfs_mb'], (j['prompt_ms'] as { p50: number }).p50]) {
      expect(v as number).toBeGreaterThan(0);
    }
  });
});
