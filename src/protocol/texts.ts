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
    `sandbox: PostgreSQL 15 and MariaDB 10.11 on localhost, you are "learner" (also postgres and mysql; no passwords). Limits: ${mb(l.memoryBytes)} MB memory, ${mb(l.diskBytes)} MB disk in /var (home, /srv, /backup, /data, /mnt), ${l.pids} processes, ${l.cpus} CPU. free and df -h /var show what is used.`,
  /** Several servers: the one holding the learner's sandbox is gone; this sandbox is a fresh one. */
  serverLost:
    'The server that held your sandbox stopped, and your sandbox went with it: this is a fresh sandbox. Your quiz answers and lab results are saved; files and databases you made in the old sandbox are gone, so start your lab again if you were in one.',
  inputDropped: () => 'Typing was ignored: your shell has not read what was typed before. Wait for the running command, or press Ctrl+C.',
} as const;
