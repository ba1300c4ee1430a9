/**
 * Pure builders of what the Docker driver asks the Engine API for: the
 * container of one sandbox and the execs that enter it. Nothing here talks
 * to the daemon; the same input always gives the same request, which the
 * unit tests pin field by field. The choices mirror the bwrap driver's
 * (bwrap/argv.ts), flag for flag where Docker has one:
 */
import type { ContainerCreateOptions } from 'dockerode';
import { CONFINE, SANDBOX_GID, SANDBOX_HOME, SANDBOX_UID } from '../bwrap/argv.ts';
import type { Limits } from '../limits.ts';

/** Labels on every sandbox container: whose it is, so a restarted server removes its own leftovers and no one else's. */
export const LABEL = {
  sandbox: 'drillbook.sandbox',
  /** The state dir's instance (server/config.ts instanceOf). */
  instance: 'drillbook.instance',
  /** The process that made it (recorded in STATE_DIR/owners/, as for bwrap's cgroups). */
  owner: 'drillbook.owner',
} as const;

/** The learner, as Docker's User field names them. */
export const LEARNER = `${SANDBOX_UID}:${SANDBOX_GID}`;

/** Docker's own masked /proc and /sys paths (its defaults, which a list given here replaces), and the kernel command line. */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/proc/cmdline',
];

export interface AreaSize {
  bytes: number;
  inodes: number;
}

export interface SandboxContainerSpec {
  image: string;
  /** Container name: unique on the daemon. */
  name: string;
  instance: string;
  owner: string;
  limits: Limits;
  /** The tmpfs areas and their sizes (the disk limit is /var's). */
  areas: { '/var': AreaSize; '/tmp': AreaSize; '/run': AreaSize; '/dev/shm': AreaSize };
  /** cgroup of the container's parent (cgroupfs driver), below which the daemon makes the container's own. */
  cgroupParent?: string | undefined;
  /** How readily the OOM killer picks the sandbox's processes (before the server). */
  oomScoreAdj: number;
  env: Record<string, string>;
  cmd: string[];
}

const tmpfs = (a: AreaSize, owner: 'learner' | 'sticky') =>
  // exec: scripts in /tmp and /usr/local/bin (in /var) run, as on bwrap's tmpfs; nosuid and nodev stay Docker's.
  `exec,size=${a.bytes},nr_inodes=${a.inodes},` + (owner === 'learner' ? `mode=755,uid=${SANDBOX_UID},gid=${SANDBOX_GID}` : 'mode=1777');

export function containerSpec(s: SandboxContainerSpec): ContainerCreateOptions {
  return {
    name: s.name,
    Image: s.image,
    // The learner from the first process on; everything inside runs as uid 1000.
    User: LEARNER,
    Hostname: 'sandbox',
    WorkingDir: '/',
    Env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
    Cmd: s.cmd,
    Labels: { [LABEL.sandbox]: '1', [LABEL.instance]: s.instance, [LABEL.owner]: s.owner },
    // Stdin is a pipe only the server holds (the attach connection): when the server is gone,
    // however it ended, the daemon closes it and init ends the sandbox (StdinOnce).
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      // Only loopback: localhost:5432/3306 are the sandbox's own servers, nothing else is reachable.
      NetworkMode: 'none',
      // Nothing outside the tmpfs areas is writable: a learner cannot replace /bin or a tool the grader runs.
      ReadonlyRootfs: true,
      // No capabilities, no way to gain any (setuid bits ignored), Docker's default seccomp profile;
      // confine adds Drillbook's own filter inside, on every process, as with bwrap.
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      // Limits from the same settings as bwrap's cgroups: memory (no swap beyond it), processes, CPU.
      Memory: s.limits.memoryBytes,
      MemorySwap: s.limits.memoryBytes,
      PidsLimit: s.limits.pids,
      NanoCpus: Math.round(s.limits.cpus * 1e9),
      OomScoreAdj: s.oomScoreAdj,
      ...(s.cgroupParent ? { CgroupParent: s.cgroupParent } : {}),
      // Size- and inode-limited writable areas; /var is the disk limit.
      Tmpfs: {
        '/var': tmpfs(s.areas['/var'], 'learner'),
        '/tmp': tmpfs(s.areas['/tmp'], 'sticky'),
        '/run': tmpfs(s.areas['/run'], 'learner'),
        '/dev/shm': tmpfs(s.areas['/dev/shm'], 'sticky'),
      },
      IpcMode: 'private',
      MaskedPaths: MASKED_PATHS,
      // Names resolve from files only (nsswitch.conf); the resolver named here answers nothing,
      // so no address of the host's network shows in /etc/resolv.conf.
      Dns: ['127.0.0.1'],
      ExtraHosts: ['sandbox:127.0.0.1'],
      // Output after "ready" goes nowhere: nothing a learner prints is stored by the daemon.
      LogConfig: { Type: 'none', Config: {} },
      // Gone from the daemon as soon as it stops.
      AutoRemove: true,
    },
  };
}

/** The exec of a command the server runs inside (checks, setup, scripts), as the learner, confined. */
export function execCmd(command: string[], timeoutMs: number): string[] {
  // timeout runs the command in a process group of its own and kills the whole group at the deadline
  // (the exec API cannot signal a process). bash: --norc, and input through a real pipe (cat), so
  // no bash the command starts reads the learner's ~/.bashrc (see bwrap/sandbox.ts exec).
  const seconds = Math.max(0.1, timeoutMs / 1000).toFixed(1);
  return [
    ...CONFINE,
    '/usr/bin/timeout',
    '--signal=KILL',
    `${seconds}s`,
    '/bin/bash',
    '--norc',
    '--noprofile',
    '-c',
    'cd ~ && cat | "$@"',
    'sandbox-exec',
    ...command,
  ];
}

/** The exec of the learner's login shell, confined; `cd ~` lands in /home/learner by its logical path. */
export function shellCmd(): string[] {
  return [...CONFINE, '/bin/bash', '-c', 'cd ~ && exec /bin/bash -l'];
}

export const EXEC_WORKDIR = SANDBOX_HOME;
