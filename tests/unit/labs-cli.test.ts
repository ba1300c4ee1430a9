/**
 * `drillbook labs`: argument handling (no sandbox needed: usage errors are
 * found before anything starts), the one-line JSON of `labs try`, and the
 * rule by which `labs verify` counts a mistake as caught. The real runs are
 * in tests/integration/labs-try.test.ts and `./drillbook labs verify`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { missedMistake, runLabs, tryReport } from '../../src/cli/labs.ts';
import type { CheckResult } from '../../src/labs/probe.ts';

const result = (id: string, status: CheckResult['status'], ran: boolean, message = ''): CheckResult => ({
  id,
  title: id,
  status,
  ran,
  message,
  ms: 1,
});

describe('labs usage', () => {
  let err = '';
  afterEach(() => vi.restoreAllMocks());
  const run = async (args: string[]) => {
    err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    return runLabs(args);
  };

  it('rejects unknown flags, flag values and a wrong number of arguments with exit 2 and the usage', async () => {
    expect(await run(['try', 'mysqldump-full-restore', 'x.sh', '--jsn'])).toBe(2);
    expect(err).toMatch(/^drillbook labs: Unknown option '--jsn'/);
    expect(err).toContain('usage: drillbook labs verify [--only LAB_ID]\n       drillbook labs try LAB_ID SCRIPT_FILE [--json]\n');
    expect(await run(['try', 'mysqldump-full-restore', 'x.sh', '--json=yes'])).toBe(2);
    expect(err).toMatch(/--json.* does not take an argument/);
    expect(await run(['try', 'mysqldump-full-restore'])).toBe(2);
    expect(err).toMatch(/^drillbook labs: expected 2 arguments, got 1 \(mysqldump-full-restore\)\n/);
    expect(await run(['verify', 'extra'])).toBe(2);
    expect(err).toMatch(/^drillbook labs: expected 0 arguments, got 1 \(extra\)\n/);
    expect(await run(['verify', '--only'])).toBe(2);
    expect(err).toMatch(/--only <value>' argument missing/);
    expect(await run(['tri'])).toBe(2);
    expect(err).toMatch(/^drillbook labs: unknown subcommand "tri"\n/);
    expect(await run([])).toBe(2);
    expect(err).toMatch(/^drillbook labs: a subcommand is needed\n/);
  });

  it('labs try says when the script cannot be read, with exit 1 (the lab could not run)', async () => {
    expect(await run(['try', 'mysqldump-full-restore', '/nonexistent/fool.sh'])).toBe(1);
    expect(err).toMatch(/^drillbook labs try: cannot read the script \/nonexistent\/fool\.sh: ENOENT/);
  });
});

describe('labs try --json', () => {
  it('is exactly the lab, the script exit, each check with status and ran, and all_passed', () => {
    const rs = [result('dump', 'passed', true), result('rows', 'not-yet', true), result('code', 'not-yet', false)];
    expect(JSON.stringify(tryReport('shop', 0, rs))).toBe(
      '{"lab":"shop","script_exit":0,"checks":[{"id":"dump","status":"passed","ran":true},{"id":"rows","status":"not-yet","ran":true},{"id":"code","status":"not-yet","ran":false}],"all_passed":false}',
    );
    expect(tryReport('shop', 3, [result('dump', 'passed', true)])).toMatchObject({ script_exit: 3, all_passed: true });
  });
});

describe('a mistake is caught', () => {
  const fails = ['rows', 'code'];
  it('only when a listed check ran and did not pass', () => {
    expect(missedMistake({ fails }, [result('rows', 'not-yet', true), result('code', 'passed', true)])).toBeNull();
    // Held back by `needs`: "not yet" without running proves nothing.
    expect(
      missedMistake({ fails }, [result('dump', 'not-yet', true), result('rows', 'not-yet', false), result('code', 'not-yet', false)]),
    ).toBe('none of the checks that must catch it ran and did not pass: rows=not-yet(did not run) code=not-yet(did not run)');
    // A check outside `fails` that did not pass does not count either.
    expect(missedMistake({ fails: ['code'] }, [result('rows', 'not-yet', true), result('code', 'passed', true)])).toBe(
      'none of the checks that must catch it ran and did not pass: code=passed',
    );
  });

  it('with `says`, only when a check that ran and did not pass said it', () => {
    const rs = [result('rows', 'not-yet', true, 'Rows are missing.'), result('code', 'not-yet', false, 'Waiting for: rows.')];
    expect(missedMistake({ fails, says: 'Rows are missing' }, rs)).toBeNull();
    expect(missedMistake({ fails, says: 'Waiting' }, rs)).toBe(
      'no check that did not pass said "Waiting": rows: Rows are missing.; code: Waiting for: rows.',
    );
  });
});
