import { describe, expect, it } from 'vitest';
import { labCheck, type LabCheck } from '../../src/blocks/lab/schema.ts';
import {
  blockedOnPostgres,
  checkRun,
  classify,
  parseRecoveryState,
  PROBE_STARTED,
  recoveryStateRun,
  setupRun,
  substitute,
} from '../../src/labs/probe.ts';
import { GRADER_ENV } from '../../src/labs/grader.ts';

const pgCheck: LabCheck = labCheck.parse({
  id: 'rows',
  title: 'Rows are back',
  engine: 'postgresql',
  database: 'shop',
  sql: 'SELECT count(*) FROM orders',
  expect: '{{orders}}',
  fail: 'The orders table does not have all its rows.',
  hint: 'Restore up to just before the DROP.',
});
const out = (stdout: string, code = 0, stderr = '') => ({ code, stdout: `${PROBE_STARTED}\n${stdout}`, stderr, timedOut: false });

describe('lab probes', () => {
  it('run check SQL with statement and lock timeouts, headers off', () => {
    const pg = checkRun(pgCheck).argv;
    expect(pg.slice(0, 5)).toEqual(['/bin/bash', '--norc', '--noprofile', '-c', `echo ${PROBE_STARTED}; exec "$@"`]);
    expect(pg).toEqual(expect.arrayContaining(['-A', '-t', '-d', 'shop', 'ON_ERROR_STOP=1']));
    expect(pg.at(-1)).toBe("SET statement_timeout = '5s'; SET lock_timeout = '3s';\nSELECT count(*) FROM orders");
    const my = checkRun({ engine: 'mariadb', sql: 'SELECT 1' }).argv;
    expect(my).toContain('--skip-column-names');
    expect(my.at(-1)).toBe(
      'SET SESSION max_statement_time = 5; SET SESSION lock_wait_timeout = 3; SET SESSION innodb_lock_wait_timeout = 3;\nSELECT 1',
    );
  });

  it('feed setup SQL through stdin and stop shell setup at the first error', () => {
    expect(setupRun({ engine: 'mariadb', sql: 'CREATE DATABASE x;' })).toMatchObject({ input: 'CREATE DATABASE x;' });
    expect(setupRun({ shell: 'mkdir a' }).argv.slice(-8)).toEqual([
      '/bin/bash',
      '--norc',
      '--noprofile',
      '-e',
      '-o',
      'pipefail',
      '-c',
      'mkdir a',
    ]);
  });

  it('run every grader command with a PATH the learner cannot write to and without ~/.bashrc', () => {
    expect(GRADER_ENV).toEqual({ SHLVL: '1', PATH: '/opt/drillbook/bin:/usr/lib/postgresql/15/bin:/usr/bin:/usr/sbin:/bin:/sbin' });
  });

  it('substitute recorded facts', () => {
    expect(substitute('{{a}}/{{ b }}', { a: '1', b: '2' })).toBe('1/2');
  });
});

describe('classify', () => {
  const facts = { orders: '6000' };
  it('passes when the trimmed output equals the expected value', () => {
    expect(classify(pgCheck, facts, out('6000\n'), 12)).toMatchObject({ status: 'passed', message: 'Passed.' });
  });

  it('is "not yet" with the author text and the error when the state is wrong', () => {
    expect(classify(pgCheck, facts, out('5999'), 1)).toMatchObject({
      status: 'not-yet',
      message: 'The orders table does not have all its rows.',
      hint: 'Restore up to just before the DROP.',
      got: '5999',
    });
    expect(classify(pgCheck, facts, out('', 1, 'ERROR:  relation "orders" does not exist\nLINE 1: ...'), 1).message).toBe(
      'The orders table does not have all its rows. (ERROR:  relation "orders" does not exist)',
    );
  });

  it('reports a query blocked by paused recovery as "not yet: recovery is still paused", never hanging', () => {
    const locked = out('', 1, 'ERROR:  canceling statement due to lock timeout');
    expect(blockedOnPostgres(pgCheck, locked)).toBe(true);
    const r = classify(pgCheck, facts, locked, 3004, 'paused');
    expect(r.status).toBe('not-yet');
    expect(r.message).toBe(
      'Not yet: recovery is still paused, and the check waited for a lock that the replayed WAL still holds. Look at the data, then run SELECT pg_wal_replay_resume(); and check again.',
    );
    expect(classify(pgCheck, facts, { ...locked, code: null, timedOut: true }, 15_000, 'paused').message).toBe(
      'Not yet: recovery is still paused, and the check did not finish in time. Look at the data, then run SELECT pg_wal_replay_resume(); and check again.',
    );
  });

  it('does not blame paused recovery for a lock held by another session', () => {
    const locked = out('', 1, 'ERROR:  canceling statement due to lock timeout');
    expect(classify(pgCheck, facts, locked, 3004, 'not in recovery').message).toBe(
      'Not yet: the check waited for a lock held by another session and gave up.',
    );
    expect(classify(pgCheck, facts, locked, 3004, 'not paused').message).toBe(
      'Not yet: PostgreSQL is still replaying WAL, so the check could not read the data. Check again in a moment.',
    );
    expect(blockedOnPostgres(pgCheck, out('5999'))).toBe(false);
  });

  it('reads the recovery state only from a probe that answered', () => {
    expect(parseRecoveryState(out('paused\n'))).toBe('paused');
    expect(parseRecoveryState(out('not in recovery'))).toBe('not in recovery');
    expect(parseRecoveryState(out('', 2, 'psql: error'))).toBeUndefined();
    expect(parseRecoveryState(null)).toBeUndefined();
    expect(recoveryStateRun().argv.at(-1)).toContain('pg_get_wal_replay_pause_state()');
  });

  it('says when the learner stopped the server', () => {
    const r = classify(
      pgCheck,
      facts,
      out('', 2, 'psql: error: connection to server at "localhost" (::1), port 5432 failed: Connection refused'),
      1,
    );
    expect(r).toMatchObject({
      status: 'not-yet',
      message: 'Not yet: PostgreSQL is not accepting connections in your sandbox. Start it (systemctl start postgresql) and check again.',
    });
  });

  it('calls it an infrastructure error when the probe never started inside the sandbox', () => {
    expect(
      classify(
        pgCheck,
        facts,
        { code: 1, stdout: '', stderr: 'nsenter: cannot open /proc/77/ns/user: No such file or directory', timedOut: false },
        1,
      ),
    ).toMatchObject({
      status: 'error',
      message:
        'Drillbook could not start this check inside your sandbox (nsenter: cannot open /proc/77/ns/user: No such file or directory). This is not your fault: try again in a moment.',
    });
    expect(classify(pgCheck, facts, null, 1).status).toBe('error');
  });
});
