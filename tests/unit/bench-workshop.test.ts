/**
 * `drillbook bench workshop`, small (3 learners, 10 s, no lab sandboxes: the
 * server runs without sandbox mode): it kills its server with SIGKILL and
 * restarts it, ends with its JSON line, loses nothing acknowledged, measures
 * the live view, keeps a learner stream open per learner as pages do, and
 * runs on a temporary state dir of its own, never the configured one. The
 * figures themselves are the benchmark's to report (README), not a test's.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdict } from '../../src/cli/bench-workshop.ts';
import { run } from '../../src/sandbox/spawn.ts';

describe('bench workshop', () => {
  it('a short run: a SIGKILL and a restart, nothing lost, the live view and learner streams measured, the operator’s state dir untouched', async () => {
    const operator = mkdtempSync(join(tmpdir(), 'drillbook-operator-state-'));
    // A one-page site: the learners' requests are API calls, and dist/ may not be built yet.
    const site = mkdtempSync(join(tmpdir(), 'drillbook-bench-site-'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>bench</title>');
    const env = { ...process.env, DRILLBOOK_STATE_DIR: operator } as Record<string, string>;
    delete env['DRILLBOOK_DATABASE_URL'];
    const r = await run(
      [
        process.execPath,
        'src/cli/main.ts',
        'bench',
        'workshop',
        '--learners',
        '3',
        '--seconds',
        '10',
        '--lab-learners',
        '0',
        '--site',
        site,
      ],
      { env, timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain('bench workshop: server killed (SIGKILL); starting it again');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!) as Record<string, unknown>;
    const n = expect.any(Number) as unknown;
    expect(j).toMatchObject({
      learners: 3,
      events: n,
      acked: n,
      lost: 0,
      ack_ms: { p50: n, p95: n },
      live_lag_ms: { p50: n, p95: n },
      engine: 'sqlite',
      page_events: { lost: 0, refused: 0 },
      lab_check_results: { requested: 0, acked: 0, lost: 0 },
      learner_streams: { most_open: 3 },
    });
    expect(j['acked'] as number).toBeGreaterThan(0);
    expect(j['live_lag_samples'] as number).toBeGreaterThan(0);
    // Its own state dir, removed at the end; the configured one was never used.
    const own = /temporary state dir (\S+),/.exec(r.stderr)?.[1];
    expect(own).toBeDefined();
    expect(own).not.toBe(operator);
    expect(existsSync(own!)).toBe(false);
    expect(readdirSync(operator)).toEqual([]);
    rmSync(operator, { recursive: true, force: true });
    rmSync(site, { recursive: true, force: true });
  });

  it('fails a run that lost something, had events refused, or measured no live view lag', () => {
    expect(verdict({ lost: 0, lagSamples: 12, refused: 0 })).toEqual([]);
    expect(verdict({ lost: 2, lagSamples: 0, refused: 1 })).toEqual([
      '2 acknowledged results are missing from the store',
      "the server refused 1 of the bench's events",
      'the live view measured nothing: no row message named an acknowledged event (live_lag_ms has no sample)',
    ]);
  });
});
