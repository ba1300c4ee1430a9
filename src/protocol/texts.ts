/**
 * What the learner reads about their sandbox, in one catalogue: why it
 * ended, which limit was hit, why a request was held back. The server sends
 * these in `closed` and `notice` messages and error bodies; tests assert them
 * verbatim. (Error names and statuses are in errors.ts.)
 */
import type { ServerMessage } from './sandbox.ts';

export type EndReason = Extract<ServerMessage, { type: 'closed' }>['reason'];

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

export const SANDBOX_TEXTS = {
  ended: {
    idle: 'Your sandbox was removed after a period without use. Open it again for a fresh one.',
    unused: 'Your sandbox was removed because its terminal was never opened. Open it again when you need it.',
    lifetime: 'Your sandbox reached its maximum lifetime and was removed. Open it again for a fresh one.',
    reset: 'Your sandbox is being reset: fresh servers are starting.',
    stopped: 'Your sandbox was closed.',
    crashed: 'Your sandbox stopped unexpectedly. Open it again for a fresh one; nothing else on the server was affected.',
    shutdown: 'The Drillbook server is shutting down.',
  } satisfies Record<EndReason, string>,
  /** The sandbox was ended by the kernel for using more memory than its limit allows. */
  killedByMemory: (limitBytes: number) =>
    `Your sandbox used more than its memory limit (${mb(limitBytes)} MB, files in /tmp, /run and /dev/shm included) and was stopped. Open it again for a fresh one, and keep large files in /var (your home, /srv/backups).`,
  memoryLimit: (limitBytes: number) =>
    `Memory limit reached (${mb(limitBytes)} MB, files in /tmp, /run and /dev/shm count too): the kernel stopped a process in your sandbox that needed more.`,
  processLimit: (pids: number) => `Process limit reached (${pids} processes): new processes could not start in your sandbox.`,
  diskFull: (totalBytes: number) =>
    `Disk limit reached: /var (${mb(totalBytes)} MB, server data and your home) is full. Delete files you no longer need.`,
  areaFull: (path: string, totalBytes: number, inodes: boolean) =>
    inodes
      ? `${path} has as many files as it may hold: delete files you no longer need there.`
      : `${path} (${mb(totalBytes)} MB) is full: delete files you no longer need there, and keep backups in /var (your home, /srv/backups).`,
  /** The first line of every terminal: what the sandbox is and its limits. */
  welcome: (l: { memoryBytes: number; diskBytes: number; pids: number; cpus: number }) =>
    `sandbox: PostgreSQL 15 and MariaDB 10.11 on localhost, you are "learner" (also postgres and mysql; no passwords). Limits: ${mb(l.memoryBytes)} MB memory, ${mb(l.diskBytes)} MB disk in /var (home, /srv, /backup, /data, /mnt), ${l.pids} processes, ${l.cpus} CPU. free and df -h show what is used.`,
  /** Several servers: the one holding the learner's sandbox is gone; this sandbox is a fresh one. */
  serverLost:
    'The server that held your sandbox stopped, and your sandbox went with it: this is a fresh sandbox. Your quiz answers and lab results are saved; files and databases you made in the old sandbox are gone, so start your lab again if you were in one.',
  inputDropped: () => 'Typing was ignored: your shell has not read what was typed before. Wait for the running command, or press Ctrl+C.',
} as const;

/**
 * What the learner reads about a lab: its summary line, why a request was
 * refused, and why a check could not say "passed". The lab service, the
 * probe and the runner send these in lab views and error bodies; tests
 * assert them verbatim.
 */
export const LAB_TEXTS = {
  notFound: (id: string) => `There is no lab "${id}" on this site.`,
  settingUp: (step: number, of: number, title: string) => `Setting up, step ${step} of ${of}: ${title}…`,
  ready: 'Your sandbox is ready for this lab.',
  notStartedYet: 'Start the lab to prepare your sandbox.',
  solutionLocked:
    'The solution opens once you have tried: work on the tasks in your sandbox and press "Check my work", or choose "Give up and show me the solution".',
  busy: 'This lab is already being prepared or checked. Wait for it to finish.',
  alreadyRunning: 'This lab is already running in your sandbox. To begin again, reset the lab.',
  sandboxEndedDuringSetup: 'Your sandbox ended while the lab was starting. Start the lab again.',
  setupFailed: (detail: string) => `The lab could not be prepared (${detail}). This is not your fault: reset the lab or try again later.`,
  startedIn: (seconds: number) => `Lab ready in ${seconds.toFixed(1)} s. Open the terminal and work through the tasks.`,
  checkedRecently: (wait: number) => `You checked a moment ago. Check again in ${wait} s.`,
  notRunning:
    'This lab is not running in your sandbox (it was never started, or the sandbox was reset or expired). Press "Start lab" first.',
  allPassed: (passed: number) => `All ${passed} checks passed. Well done.`,
  somePassed: (passed: number, total: number, infra: boolean) =>
    `${passed} of ${total} checks passed.${infra ? ' Some checks could not run because of a server problem; they do not count against you.' : ''}`,
  waitingFor: (titles: string[]) => `Waiting for: ${titles.join(', ')}.`,
  /** Why a check said "not yet" or "error" without judging the learner's work. */
  check: {
    resume: 'Look at the data, then run SELECT pg_wal_replay_resume(); and check again.',
    pausedLock: (resume: string) =>
      `Not yet: recovery is still paused, and the check waited for a lock that the replayed WAL still holds. ${resume}`,
    replaying: 'Not yet: PostgreSQL is still replaying WAL, so the check could not read the data. Check again in a moment.',
    lockWait: 'Not yet: the check waited for a lock held by another session and gave up.',
    queryTooLong: 'Not yet: the check query took too long and was stopped. Is the server still busy?',
    postgresDown:
      'Not yet: PostgreSQL is not accepting connections in your sandbox. Start it (systemctl start postgresql) and check again.',
    mariadbDown: 'Not yet: MariaDB is not running in your sandbox. Start it (systemctl start mysql) and check again.',
    unreachable: 'Drillbook could not reach your sandbox to run this check. This is not your fault: try again in a moment.',
    couldNotStart: (why: string) =>
      `Drillbook could not start this check inside your sandbox (${why}). This is not your fault: try again in a moment.`,
    pausedTimeout: (resume: string) => `Not yet: recovery is still paused, and the check did not finish in time. ${resume}`,
    timeout: 'Not yet: the check did not finish in time. Is a server still busy?',
  },
} as const;
