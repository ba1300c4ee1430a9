/**
 * How lab setup steps and checks run inside a sandbox: pure argv builders and
 * the classification of a probe's outcome. A check is "passed", "not yet"
 * (the state is not right yet: any learner-caused condition, a stopped
 * server or a blocked query included) or "error" (our infrastructure failed:
 * the sandbox was gone or the probe could not start). Errors never count
 * against the learner.
 */
import type { LabCheck, LabSetupStep } from '../blocks/lab/schema.ts';
import { GRADER_BASH, GRADER_CHECK } from './grader.ts';
import { LAB_TEXTS } from '../protocol/texts.ts';

/** Printed by the probe wrapper before the probe itself runs: its absence means we never got inside. */
export const PROBE_STARTED = '__drillbook_probe_started__';

export type CheckStatus = 'passed' | 'not-yet' | 'error';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** What the learner reads: the check's failure text, or why it could not tell. */
  message: string;
  hint?: string | undefined;
  /** Trimmed output of the probe (for the author and the verifier). */
  got?: string | undefined;
  /** The check's probe ran (false: held back by `needs`, or our infrastructure failed before it started). */
  ran: boolean;
  ms: number;
}

export interface ProbeSpec {
  engine?: 'mariadb' | 'postgresql' | undefined;
  database?: string | undefined;
  sql?: string | undefined;
  shell?: string | undefined;
}

export interface ProbeRun {
  argv: string[];
  input?: string;
}

/** Timeouts inside each check query: a blocked query must end, never hang the check. */
export const CHECK_STATEMENT_TIMEOUT_S = 5;
export const CHECK_LOCK_TIMEOUT_S = 3;

function wrap(argv: string[]): string[] {
  return [...GRADER_BASH, '-c', `echo ${PROBE_STARTED}; exec "$@"`, 'probe', ...argv];
}

/**
 * The clients by absolute path, reading no option files (a learner's ~/.my.cnf or ~/.psqlrc
 * must not point a check elsewhere), on the sandbox servers' own socket and host.
 */
const MARIADB = ['/usr/bin/mariadb', '--no-defaults', '--protocol=socket', '--socket=/run/mysqld/mysqld.sock', '--user=root'];

/** psql as the superuser over TCP: unaligned, no headers, quiet, stop at the first error. */
function psql(database: string | undefined, rest: string[]): string[] {
  return [
    '/usr/lib/postgresql/15/bin/psql',
    '-h',
    'localhost',
    '-p',
    '5432',
    '-U',
    'postgres',
    '-d',
    database ?? 'postgres',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    ...rest,
  ];
}

/**
 * A check: SQL with statement and lock timeouts, or a shell snippet under the grader's prelude
 * (src/labs/grader.ts); output only, no headers. `run` is the check run's random token, and
 * `{{run}}` and the recorded facts are substituted into the SQL or shell text.
 */
export function checkRun(c: ProbeSpec, facts: Record<string, string> = {}, run = 'x'): ProbeRun {
  const all = { ...facts, run };
  c = {
    ...c,
    sql: c.sql === undefined ? undefined : substitute(c.sql, all),
    shell: c.shell === undefined ? undefined : substitute(c.shell, all),
  };
  if (c.sql !== undefined && c.engine === 'postgresql') {
    const sql = `SET statement_timeout = '${CHECK_STATEMENT_TIMEOUT_S}s'; SET lock_timeout = '${CHECK_LOCK_TIMEOUT_S}s';\n${c.sql}`;
    return {
      argv: wrap(psql(c.database, ['-c', sql])),
    };
  }
  if (c.sql !== undefined) {
    const sql = `SET SESSION max_statement_time = ${CHECK_STATEMENT_TIMEOUT_S}; SET SESSION lock_wait_timeout = ${CHECK_LOCK_TIMEOUT_S}; SET SESSION innodb_lock_wait_timeout = ${CHECK_LOCK_TIMEOUT_S};\n${c.sql}`;
    return {
      argv: wrap([...MARIADB, '--batch', '--skip-column-names', '--connect-timeout=5', ...(c.database ? [c.database] : []), '-e', sql]),
    };
  }
  return { argv: wrap([...GRADER_BASH, '-c', GRADER_CHECK, 'grader', run, c.shell ?? '']) };
}

/** PostgreSQL's recovery state, asked when a check was blocked: the reason the learner is told. */
export type RecoveryState = 'paused' | 'pause requested' | 'not paused' | 'not in recovery';

/** Asks the server whether it is in recovery and whether replay is paused (a catalogue read: takes no table lock). */
export function recoveryStateRun(): ProbeRun {
  return {
    argv: wrap(
      psql(undefined, [
        '-c',
        "SET statement_timeout = '2s'; SELECT CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE 'not in recovery' END",
      ]),
    ),
  };
}

/** The state named by a recoveryStateRun outcome, or undefined when it could not be read. */
export function parseRecoveryState(outcome: ProbeOutcome | null): RecoveryState | undefined {
  if (!outcome || outcome.code !== 0 || !outcome.stdout.startsWith(PROBE_STARTED)) return undefined;
  const v = outcome.stdout.slice(PROBE_STARTED.length).trim();
  return (['paused', 'pause requested', 'not paused', 'not in recovery'] as const).find((s) => s === v);
}

/** Whether a failed PostgreSQL check was stopped by its own lock or statement timeout (or ran out of time). */
export function blockedOnPostgres(c: ProbeSpec, outcome: ProbeOutcome | null): boolean {
  if (c.engine !== 'postgresql' || !outcome || !outcome.stdout.startsWith(PROBE_STARTED)) return false;
  return outcome.timedOut || (outcome.code !== 0 && /lock timeout|statement timeout/i.test(outcome.stderr));
}

const RESUME = LAB_TEXTS.check.resume;

/** A setup step: whole SQL scripts go through stdin; shell runs as the learner with errors fatal. */
export function setupRun(s: LabSetupStep): ProbeRun {
  if (s.sql !== undefined && s.engine === 'postgresql') {
    return {
      argv: wrap(psql(s.database, ['-f', '-'])),
      input: s.sql,
    };
  }
  if (s.sql !== undefined) {
    return { argv: wrap([...MARIADB, '--batch', '--skip-column-names', ...(s.database ? [s.database] : [])]), input: s.sql };
  }
  return { argv: wrap([...GRADER_BASH, '-e', '-o', 'pipefail', '-c', s.shell ?? '']) };
}

/** {{name}} → the recorded fact ({{run}}: the check run's token). */
export function substitute(text: string, facts: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g, (_, n: string) => facts[n] ?? '');
}

export interface ProbeOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The line of a tool's stderr that says what went wrong (mysql frames errors with dashes). */
const firstLine = (s: string) => {
  const lines = s.trim().split('\n');
  return (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '').trim().slice(0, 300);
};

/** Why a check could not see the state, in the learner's terms, or null when the probe simply answered. */
function blockedReason(c: ProbeSpec, stderr: string, recovery: RecoveryState | undefined): string | null {
  const postgres = c.engine === 'postgresql';
  if (postgres && /lock timeout|statement timeout/i.test(stderr)) {
    if (recovery === 'paused' || recovery === 'pause requested') {
      return LAB_TEXTS.check.pausedLock(RESUME);
    }
    if (recovery === 'not paused') return LAB_TEXTS.check.replaying;
  }
  if (/lock timeout|Lock wait timeout/i.test(stderr)) return LAB_TEXTS.check.lockWait;
  if (/statement timeout|max_statement_time|Query execution was interrupted/i.test(stderr)) {
    return LAB_TEXTS.check.queryTooLong;
  }
  if (/database ".*" does not exist|Unknown database/i.test(stderr)) return null;
  if (postgres && /could not connect|connection to server .* failed|the database system is (starting up|shutting down)/i.test(stderr)) {
    return LAB_TEXTS.check.postgresDown;
  }
  if (c.engine === 'mariadb' && /Can't connect to (local )?(MySQL|MariaDB)? ?server/i.test(stderr)) {
    return LAB_TEXTS.check.mariadbDown;
  }
  return null;
}

/**
 * Classifies one check's probe. `outcome` null means the probe could not be run at all;
 * `recovery` is PostgreSQL's recovery state when the check was blocked (see blockedOnPostgres).
 */
export function classify(
  check: LabCheck,
  facts: Record<string, string>,
  outcome: ProbeOutcome | null,
  ms: number,
  recovery?: RecoveryState,
): CheckResult {
  const base = { id: check.id, title: check.title, ms };
  if (!outcome) {
    return {
      ...base,
      ran: false,
      status: 'error',
      message: LAB_TEXTS.check.unreachable,
    };
  }
  if (!outcome.stdout.startsWith(PROBE_STARTED)) {
    return {
      ...base,
      ran: false,
      status: 'error',
      message: LAB_TEXTS.check.couldNotStart(firstLine(outcome.stderr) || `exit ${outcome.code}`),
    };
  }
  const got = outcome.stdout.slice(PROBE_STARTED.length).trim();
  const ran = { ...base, ran: true };
  if (outcome.timedOut) {
    const paused = recovery === 'paused' || recovery === 'pause requested';
    return {
      ...ran,
      status: 'not-yet',
      message: paused ? LAB_TEXTS.check.pausedTimeout(RESUME) : LAB_TEXTS.check.timeout,
      got,
    };
  }
  const blocked = outcome.code !== 0 ? blockedReason(check, outcome.stderr, recovery) : null;
  if (blocked) return { ...ran, status: 'not-yet', message: blocked, hint: check.hint, got };
  const expected = substitute(check.expect, facts).trim();
  if (outcome.code === 0 && got === expected) return { ...ran, status: 'passed', message: 'Passed.', got };
  const why = outcome.code !== 0 && firstLine(outcome.stderr) ? ` (${firstLine(outcome.stderr)})` : '';
  return { ...ran, status: 'not-yet', message: `${check.fail.trim()}${why}`, hint: check.hint, got };
}
