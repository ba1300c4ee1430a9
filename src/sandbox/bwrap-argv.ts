/**
 * Pure builders of the argv arrays that start and enter a sandbox. Nothing
 * here touches the file system or spawns anything (spawn.ts does); the same
 * spec always gives the same argv, which the unit tests pin flag by flag.
 */

/** Inside every sandbox: the learner's uid/gid and where Drillbook's files appear. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_HOME = '/home/learner';
export const SANDBOX_OPT = '/opt/drillbook';
export const SANDBOX_TEMPLATES = '/opt/templates';
export const SANDBOX_PATH = [`${SANDBOX_OPT}/bin`, '/usr/lib/postgresql/15/bin', '/usr/bin', '/usr/sbin', '/bin', '/sbin'].join(':');

export interface SandboxFsSpec {
  /** Host folder with Drillbook's in-sandbox files (src/sandbox/rootfs), shown read-only at /opt/drillbook. */
  rootfs: string;
  /** Host folder of prepared server data, shown read-only at /opt/templates (absent while building it). */
  templates?: string;
  /** Host folder bound read-write at /var, used only while building the templates. */
  varOnHost?: string;
  /** Size of the private /var (server data, home directory): the sandbox's disk limit. */
  diskBytes: number;
  /** Size of the private /tmp and /run. */
  tmpBytes: number;
}

export interface BwrapSpec extends SandboxFsSpec {
  /** Command run as the sandbox's first process (after bwrap's own pid 1). */
  command: string[];
  /** Environment of that command; nothing of the host's environment leaks in. */
  env: Record<string, string>;
}

/** The environment every process in a sandbox starts with. */
export function sandboxEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: SANDBOX_HOME,
    USER: 'learner',
    LOGNAME: 'learner',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    PGDATA: '/var/lib/postgresql/15/main',
    // Lessons type `psql`, `createdb` and `sudo -u postgres pg_dump` as on a Debian
    // host, where the postgres account is the superuser; the sandbox has one account.
    PGUSER: 'postgres',
    ...extra,
  };
}

/**
 * bwrap argv for one sandbox. The host's root file system is never shown:
 * only /usr and /etc, read-only, plus what is listed here.
 */
export function bwrapArgv(spec: BwrapSpec): string[] {
  const a: string[] = ['bwrap'];
  // Namespaces: a user namespace maps the learner's uid 1000 to the (unprivileged)
  // host uid that started bwrap, so nothing inside has privileges on the host.
  a.push('--unshare-user', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_GID));
  // A private network namespace holds only loopback: localhost:5432/3306 are the
  // sandbox's own servers and no other address is reachable.
  a.push('--unshare-net');
  // Its own pid namespace: the learner sees only the sandbox's processes, and when
  // bwrap's pid 1 ends the kernel ends every process left inside.
  a.push('--unshare-pid');
  // Private System V IPC and hostname.
  a.push('--unshare-ipc', '--unshare-uts', '--hostname', 'sandbox');
  // Gone with its parent: if the Drillbook server dies, no sandbox outlives it.
  a.push('--die-with-parent');
  // A new session: the learner's terminal cannot push input into the server's (TIOCSTI).
  a.push('--new-session');
  // The system, read-only: programs and libraries from /usr, configuration from /etc.
  a.push('--ro-bind', '/usr', '/usr');
  for (const d of ['bin', 'lib', 'lib64', 'sbin']) a.push('--symlink', `usr/${d}`, `/${d}`);
  // Host-local programs are not the sandbox's business.
  a.push('--tmpfs', '/usr/local');
  a.push('--ro-bind', '/etc', '/etc');
  // Who is who inside, and the sandbox's own server configuration, over the host's.
  a.push('--ro-bind', `${spec.rootfs}/etc/passwd`, '/etc/passwd');
  a.push('--ro-bind', `${spec.rootfs}/etc/group`, '/etc/group');
  a.push('--ro-bind', `${spec.rootfs}/etc/hosts`, '/etc/hosts');
  // A login shell must keep the sandbox's PATH (the host's /etc/profile would reset it).
  a.push('--ro-bind', `${spec.rootfs}/etc/profile`, '/etc/profile');
  a.push('--ro-bind', `${spec.rootfs}/etc/mysql`, '/etc/mysql');
  // Hide the host's PostgreSQL cluster configuration: the sandbox's lives in its data dir.
  a.push('--tmpfs', '/etc/postgresql');
  // Fresh /proc for the new pid namespace, a minimal /dev (null, zero, random, tty, shm).
  a.push('--proc', '/proc', '--dev', '/dev');
  // Size-limited private areas. /var holds the server data and the home directory,
  // so its size is the sandbox's disk limit.
  if (spec.varOnHost) {
    a.push('--bind', spec.varOnHost, '/var');
  } else {
    a.push('--size', String(spec.diskBytes), '--tmpfs', '/var');
  }
  a.push('--symlink', '/run', '/var/run');
  a.push('--dir', '/var/home/learner', '--symlink', '/var/home', '/home');
  // Lessons keep their backups in /srv/backups; it lives in /var so it counts against the disk limit.
  a.push('--symlink', '/var/srv', '/srv');
  a.push('--size', String(spec.tmpBytes), '--tmpfs', '/tmp');
  a.push('--size', String(spec.tmpBytes), '--tmpfs', '/run');
  // Drillbook's helpers (systemctl, compatibility commands, init), read-only.
  a.push('--ro-bind', spec.rootfs, SANDBOX_OPT);
  if (spec.templates) a.push('--ro-bind', spec.templates, SANDBOX_TEMPLATES);
  a.push('--chdir', SANDBOX_HOME);
  // Only the environment given here.
  a.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) a.push('--setenv', k, v);
  a.push('--', ...spec.command);
  return a;
}

/**
 * argv that runs `command` inside the running sandbox whose first process
 * (as seen from the host) is `pid`: all of its namespaces, as the learner.
 */
export function enterArgv(pid: number, command: string[]): string[] {
  return [
    'nsenter',
    `--target=${pid}`,
    // Every namespace of the sandbox; the user namespace first, so the rest are entered with its rights.
    '--user',
    '--mount',
    '--net',
    '--pid',
    '--ipc',
    '--uts',
    // The learner, not root-in-namespace (which is unmapped there).
    `--setuid=${SANDBOX_UID}`,
    `--setgid=${SANDBOX_GID}`,
    // The sandbox's root and working directory (taken from its first process, which starts in the home).
    '--root',
    '--wd',
    ...command,
  ];
}

export interface HostIdentity {
  /** Host uid/gid that owns this sandbox's processes; null to keep the server's own. */
  uid: number | null;
  gid: number | null;
}

/** Drops from root to the sandbox's own host uid before anything else runs. */
export function dropPrivilegesArgv(id: HostIdentity, command: string[]): string[] {
  if (id.uid === null || id.gid === null) return command;
  return ['setpriv', `--reuid=${id.uid}`, `--regid=${id.gid}`, '--clear-groups', ...command];
}

export interface ProcessLimits {
  /** RLIMIT_NPROC, counted per host uid: only meaningful when each sandbox has its own uid. */
  nproc?: number;
  /** RLIMIT_AS per process, the memory limit of last resort when no cgroup controller is usable. */
  addressSpaceBytes?: number;
}

/** Wraps `command` with prlimit for the rlimits that are in force (none: unchanged). */
export function rlimitArgv(limits: ProcessLimits, command: string[]): string[] {
  const flags: string[] = [];
  if (limits.nproc) flags.push(`--nproc=${limits.nproc}:${limits.nproc}`);
  if (limits.addressSpaceBytes) flags.push(`--as=${limits.addressSpaceBytes}:${limits.addressSpaceBytes}`);
  return flags.length ? ['prlimit', ...flags, '--', ...command] : command;
}

/**
 * Places the process in the given cgroups before it execs `command`, so that
 * everything it starts is accounted from the first instruction.
 */
export function cgroupArgv(cgroupExec: string, cgroupDirs: string[], command: string[]): string[] {
  if (cgroupDirs.length === 0) return command;
  return [cgroupExec, ...cgroupDirs, '--', ...command];
}

/**
 * The smallest sandbox: the same namespaces as a real one around /usr/bin/true.
 * Preflight runs it to see that bubblewrap works here; bench sandbox times it
 * as the baseline for a cold start.
 */
export function emptySandboxArgv(): string[] {
  return [
    'bwrap',
    '--unshare-user',
    '--unshare-net',
    '--unshare-pid',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/lib',
    '/lib',
    '--',
    '/usr/bin/true',
  ];
}
