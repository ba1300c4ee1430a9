/**
 * `drillbook labs try LAB SCRIPT --json` for real: a fresh sandbox, the lab's
 * setup, the script as the learner, every check; one JSON line on stdout and
 * exit 0 whatever the checks say. Uses the mysqldump lab of our content with
 * its solution and with the fooling script of issue 10 (a schema-only dump
 * file while shop_restored is filled straight from the live shop).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason, TEST_UID_BASE } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping labs try tests: ${reason}`);

const dir = mkdtempSync(join(tmpdir(), 'drillbook-labs-try-'));
function script(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** Runs `drillbook labs try` as a separate process; its own uid range, so it never shares one with the other tests. */
function labsTry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', 'labs', 'try', ...args], {
      env: { ...process.env, DRILLBOOK_SANDBOX_UID_BASE: String(TEST_UID_BASE + 300_000) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LAB = 'mysqldump-full-restore';
const CHECKS = ['dump-exists', 'dump-rows', 'dump-data', 'dump-code', 'restored'];

describe.skipIf(reason)('labs try', () => {
  it('prints one JSON line: the solution passes every check, and every check ran', async () => {
    const solution = script(
      'solution.sh',
      [
        'mysqldump --single-transaction --routines --triggers --events shop > ~/backups/shop.sql',
        "mysql -e 'CREATE DATABASE shop_restored'",
        'mysql shop_restored < ~/backups/shop.sql',
      ].join('\n'),
    );
    const r = await labsTry([LAB, solution, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual({
      lab: LAB,
      script_exit: 0,
      checks: CHECKS.map((id) => ({ id, status: 'passed', ran: true })),
      all_passed: true,
    });
  });

  it("catches issue 10's fooling script on the dump itself, still with exit 0", async () => {
    const fool = script(
      'fool.sh',
      [
        'mysqldump --no-data shop > ~/backups/shop.sql',
        "mysql -e 'CREATE DATABASE shop_restored'",
        'mysqldump --routines --events shop | mysql shop_restored',
      ].join('\n'),
    );
    const r = await labsTry([LAB, fool, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { checks: { id: string; status: string; ran: boolean }[]; all_passed: boolean };
    expect(report.all_passed).toBe(false);
    expect(report.checks).toEqual([
      { id: 'dump-exists', status: 'passed', ran: true },
      { id: 'dump-rows', status: 'not-yet', ran: true },
      { id: 'dump-data', status: 'not-yet', ran: false },
      { id: 'dump-code', status: 'not-yet', ran: false },
      { id: 'restored', status: 'passed', ran: true },
    ]);
  });

  it('reports the script exit status, and without --json prints a table', async () => {
    const r = await labsTry([LAB, script('fails.sh', 'echo "no such tool" >&2\nexit 3\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^lab mysqldump-full-restore: setup \d+\.\ds, script exit 3 in \d+\.\ds, checks \d+\.\ds\n {2}script stderr: no such tool\n/,
    );
    expect(r.stdout).toMatch(/^ {2}not yet {5}dump-exists {2}There is no mysqldump output at ~\/backups\/shop\.sql yet\.$/m);
    expect(r.stdout).toMatch(/^ {2}not yet \(-\) dump-rows {4}Waiting for: A dump is at ~\/backups\/shop\.sql\.$/m);
    expect(r.stdout).toMatch(/\n0 of 5 checks passed; \(-\) did not run\n$/);
  });

  it('exits 1 when the lab does not exist, naming the labs that do', async () => {
    const r = await labsTry(['no-such-lab', script('empty.sh', 'true\n'), '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^drillbook labs try: no valid lab "no-such-lab" in .*\(labs: .*mysqldump-full-restore.*\)/m);
  });
});
