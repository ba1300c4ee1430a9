/**
 * A Playwright reporter that fails the run when any test was skipped, if
 * DRILLBOOK_REQUIRE_ALL=1 (set by ./drillbook test). A test skips when the
 * site it needs was not built or its server was not started; under
 * `./drillbook test` everything it needs has been built, so a skip means a
 * test did not run what it claims, and CI must not go green on it. Run by
 * hand, skips stay skips (the list reporter shows why).
 */
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class NoSkipsReporter implements Reporter {
  private skipped: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return;
    const why = test.annotations.find((a) => a.type === 'skip' || a.type === 'fixme')?.description ?? 'no reason given';
    this.skipped.push(`${test.titlePath().filter(Boolean).join(' › ')}: ${why}`);
  }

  // async: the Reporter contract takes a changed status only as a promise.
  async onEnd(result: FullResult): Promise<{ status: FullResult['status'] } | undefined> {
    if (process.env['DRILLBOOK_REQUIRE_ALL'] !== '1' || this.skipped.length === 0) return undefined;
    process.stderr.write(
      `\n${this.skipped.length} Playwright test(s) skipped; ./drillbook test runs every test, so this is a failure:\n${this.skipped.map((s) => `  - ${s}`).join('\n')}\n`,
    );
    return { status: result.status === 'interrupted' ? 'interrupted' : 'failed' };
  }
}
