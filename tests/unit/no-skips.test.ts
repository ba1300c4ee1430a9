/**
 * CI cannot go green by skipping: the Playwright reporter fails the run on a
 * skipped test under ./drillbook test, and scripts/test-all.sh refuses to
 * start when a variable would skip the sandbox browser tests or the shared
 * conformance course is missing.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullResult, TestCase, TestResult } from '@playwright/test/reporter';
import { afterEach, describe, expect, it, vi } from 'vitest';
import NoSkipsReporter from '../e2e/no-skips-reporter.ts';

const testCase = (title: string, skipReason?: string) =>
  ({
    titlePath: () => ['', 'chromium', 'lab.spec.ts', title],
    annotations: skipReason ? [{ type: 'skip', description: skipReason }] : [],
  }) as unknown as TestCase;
const result = (status: TestResult['status']) => ({ status }) as TestResult;
const passed = { status: 'passed' } as FullResult;

describe('the no-skips reporter', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env['DRILLBOOK_REQUIRE_ALL'];
  });

  it('under ./drillbook test, fails a run in which a test was skipped, naming it and why', async () => {
    process.env['DRILLBOOK_REQUIRE_ALL'] = '1';
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    const r = new NoSkipsReporter();
    r.onTestEnd(testCase('the lab in sandbox mode', 'sandbox server not started'), result('skipped'));
    r.onTestEnd(testCase('the lab reads as text'), result('passed'));
    expect(await r.onEnd(passed)).toEqual({ status: 'failed' });
    expect(err).toBe(
      '\n1 Playwright test(s) skipped; ./drillbook test runs every test, so this is a failure:\n  - chromium › lab.spec.ts › the lab in sandbox mode: sandbox server not started\n',
    );
  });

  it('leaves a run without skips alone, and skips alone when run by hand', async () => {
    process.env['DRILLBOOK_REQUIRE_ALL'] = '1';
    const clean = new NoSkipsReporter();
    clean.onTestEnd(testCase('a'), result('passed'));
    expect(await clean.onEnd(passed)).toBeUndefined();
    delete process.env['DRILLBOOK_REQUIRE_ALL'];
    const byHand = new NoSkipsReporter();
    byHand.onTestEnd(testCase('b', 'site not built'), result('skipped'));
    expect(await byHand.onEnd(passed)).toBeUndefined();
  });
});

describe('scripts/test-all.sh refuses to skip', () => {
  const script = fileURLToPath(new URL('../../scripts/test-all.sh', import.meta.url));
  /** A copy of the script in a checkout of its own, with or without ../shared beside it. */
  function checkout(withShared: boolean): string {
    const root = mkdtempSync(join(tmpdir(), 'drillbook-ci-'));
    mkdirSync(join(root, 'repo/scripts'), { recursive: true });
    cpSync(script, join(root, 'repo/scripts/test-all.sh'));
    if (withShared) mkdirSync(join(root, 'shared/conformance/course'), { recursive: true });
    return join(root, 'repo/scripts/test-all.sh');
  }
  const run = (file: string, env: Record<string, string>) =>
    spawnSync('bash', [file], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });

  it('when DRILLBOOK_SKIP_SANDBOX_E2E is set', () => {
    const r = run(checkout(true), { DRILLBOOK_SKIP_SANDBOX_E2E: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'drillbook test: DRILLBOOK_SKIP_SANDBOX_E2E is set, which would skip the browser tests in sandbox mode; ./drillbook test runs every test. Unset it.\n',
    );
    expect(r.stdout).toBe('');
  });

  it('when the shared conformance course is not beside the checkout', () => {
    const r = run(checkout(false), {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^drillbook test: the shared conformance course is missing \(\.\.\/shared\/conformance\/course, relative to .*\/repo\): its unit, build and browser tests need it\. Check out \.\.\/shared beside this clone \(CI does\)\.\n$/,
    );
    expect(r.stdout).toBe('');
  });
});
