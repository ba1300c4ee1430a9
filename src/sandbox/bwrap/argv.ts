/**
 * Pure builders of the argv arrays that start and enter a sandbox. Nothing
 * here touches the file system or spawns anything (spawn.ts does); the same
 * spec always gives the same argv, which the unit tests pin flag by flag.
 *
 * Every process of a sandbox is started the same way, from the host inward:
 *   launch (host helper: cgroups, OOM score, descriptors)
 *   → prlimit (rlimit mode only) → setpriv (drop to the sandbox's host uid, as root)
 *   → bwrap (first process) or nsenter (shells, checks)
 *   → confine (inside: no-new-privs, seccomp, descriptors) → the command.
 */

/** Inside every sandbox: the learner's uid/gid and where Drillbook's files appear. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_HOME = '/home/learner';
export const SANDBOX_OPT = '/opt/drillbook';
export const SANDBOX_TEMPLATES = '/opt/templates';
export const SANDBOX_PATH = [
  `${SANDBOX_OPT}/bin`,
  '/usr/local/bin',
  '/usr/lib/postgresql/15/bin',
  '/usr/bin',
  '/usr/sbin',
  '/bin',
  '/sbin',
].join(':');
/** The confining wrapper every command inside runs under (rootfs/libexec/confine). */
export const CONFINE = ['/usr/bin/perl', `${SANDBOX_OPT}/libexec/confine`];

/**
 * Folders courses write backups to outside /var. The root is read-only, so
 * each is an empty mount point here, bound to its folder in /var (the disk
 * limit) once init has made it (tune-mounts): a real folder, so `chown -R`
 * and `mv` on it work as on a server.
 */
export const BACKUP_ROOTS = ['/srv', '/backup', '/backups', '/data', '/mnt'];
/** PostgreSQL versions courses may name, besides the installed 15: their paths lead to 15's. */
export const OTHER_PG_VERSIONS = ['13', '14', '16', '17', '18'];
/** /usr/local's folders: links into /var/local, so a learner's scripts in /usr/local/bin count against the disk limit. */
export const USR_LOCAL_DIRS = ['bin', 'sbin', 'lib', 'share', 'etc'];

export interface SandboxFsSpec {
  /** Host folder with Drillbook's in-sandbox files (src/sandbox/rootfs), shown read-only at /opt/drillbook. */
  rootfs: string;
  /** Host folder shown read-only as /etc: a copy of the host's, prepared at start (files.ts). */
  etc: string;
  /** Host folder of prepared server data, shown read-only at /opt/templates (absent while building it). */
  templates?: string;
  /** Host folder bound read-write at /var, used only while building the templates. */
  varOnHost?: string;
  /** Size of the private /var (server data, home directory): the sandbox's disk limit. */
  diskBytes: number;
  /** Size of the private /tmp, /run and /dev/shm. */
  tmpBytes: number;
  /** The sandbox's own memory cgroup directory, shown read-only so `free` can report the sandbox's memory (none: not shown). */
  memoryCgroup?: { dir: string; version: 1 | 2 } | undefined;
}

export interface BwrapSpec extends SandboxFsSpec {
  /** Command run as the sandbox's first process (after bwrap's own pid 1), under confine. */
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
    EDITOR: 'nano',
    VISUAL: 'nano',
    PGDATA: '/var/lib/postgresql/15/main',
    // Lessons type `psql`, `createdb` and `sudo -u postgres pg_dump` as on a Debian
    // host, where the postgres account is the superuser; the sandbox has one account.
    PGUSER: 'postgres',
    ...extra,
  };
}

/**
 * bwrap arguments for one sandbox (without the leading `bwrap`: they go to
 * bwrap through a descriptor, see argsFile). The host's root file system is
 * never shown: only /usr read-only, a private copy of /etc, and what is
 * listed here.
 */
export function bwrapArgs(spec: BwrapSpec): string[] {
  const a: string[] = [];
  // Namespaces: a user namespace maps the learner's uid 1000 to the (unprivileged)
  // host uid that started bwrap, so nothing inside has privileges on the host.
  a.push('--unshare-user', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_GID));
  // No user namespaces inside: they would give the learner CAP_SYS_ADMIN over new namespaces.
  a.push('--disable-userns');
  // A private network namespace holds only loopback: localhost:5432/3306 are the
  // sandbox's own servers and no other address is reachable.
  a.push('--unshare-net');
  // Its own pid namespace: the learner sees only the sandbox's processes. Our init is its
  // pid 1 (no bwrap reaper inside): every process in the sandbox is confined (seccomp), the
  // learner cannot signal pid 1, and when it ends the kernel ends every process left inside.
  a.push('--unshare-pid', '--as-pid-1');
  // Private System V IPC and hostname.
  a.push('--unshare-ipc', '--unshare-uts', '--hostname', 'sandbox');
  // Gone with its parent: if the Drillbook server dies, no sandbox outlives it.
  a.push('--die-with-parent');
  // A new session: the learner's terminal cannot push input into the server's (TIOCSTI).
  a.push('--new-session');
  // The system, read-only: programs and libraries from /usr.
  a.push('--ro-bind', '/usr', '/usr');
  for (const d of ['bin', 'lib', 'lib64', 'sbin']) a.push('--symlink', `usr/${d}`, `/${d}`);
  // Courses name other PostgreSQL versions' programs (/usr/lib/postgresql/16/bin/pg_ctl): they lead to 15's.
  a.push('--tmpfs', '/usr/lib/postgresql', '--ro-bind', '/usr/lib/postgresql/15', '/usr/lib/postgresql/15');
  for (const v of OTHER_PG_VERSIONS) a.push('--symlink', '15', `/usr/lib/postgresql/${v}`);
  a.push('--remount-ro', '/usr/lib/postgresql');
  // Host-local programs are not the sandbox's business; its own /usr/local lives in /var.
  a.push('--tmpfs', '/usr/local');
  for (const d of USR_LOCAL_DIRS) a.push('--symlink', `/var/local/${d}`, `/usr/local/${d}`);
  a.push('--remount-ro', '/usr/local');
  // A private /etc (who is who, the sandbox's server configuration, no host secrets),
  // prepared once per server start, so a package install on the host changes nothing inside.
  a.push('--ro-bind', spec.etc, '/etc');
  // Fresh /proc for the new pid namespace (the host's kernel command line hidden),
  // a minimal /dev (null, zero, random, tty) with a size-limited /dev/shm.
  a.push('--proc', '/proc', '--ro-bind', '/dev/null', '/proc/cmdline');
  a.push('--dev', '/dev');
  a.push('--size', String(spec.tmpBytes), '--tmpfs', '/dev/shm');
  a.push('--remount-ro', '/dev');
  // Its own memory use and limit, read-only, for `free` (its cgroup; nothing else of /sys).
  if (spec.memoryCgroup) {
    a.push('--dir', '/sys/fs/cgroup');
    a.push('--ro-bind', spec.memoryCgroup.dir, spec.memoryCgroup.version === 1 ? '/sys/fs/cgroup/memory' : '/sys/fs/cgroup');
  }
  // Size-limited private areas. /var holds the server data and the home directory,
  // so its size is the sandbox's disk limit.
  if (spec.varOnHost) {
    a.push('--bind', spec.varOnHost, '/var');
  } else {
    a.push('--size', String(spec.diskBytes), '--tmpfs', '/var');
  }
  a.push('--symlink', '/run', '/var/run');
  a.push('--dir', '/var/home/learner', '--symlink', '/var/home', '/home');
  // Lessons keep their backups in /srv/backups (and courses in /backup, /data, /mnt …):
  // mount points for their folders in /var, so they count against the disk limit.
  for (const d of BACKUP_ROOTS) a.push('--dir', d);
  a.push('--size', String(spec.tmpBytes), '--tmpfs', '/tmp');
  a.push('--size', String(spec.tmpBytes), '--tmpfs', '/run');
  // Drillbook's helpers (systemctl, compatibility commands, init, confine), read-only.
  a.push('--ro-bind', spec.rootfs, SANDBOX_OPT);
  if (spec.templates) a.push('--ro-bind', spec.templates, SANDBOX_TEMPLATES);
  a.push('--chdir', SANDBOX_HOME);
  // Nothing outside the areas above is writable: a learner cannot replace /bin or the grader's tools.
  a.push('--remount-ro', '/');
  // Only the environment given here.
  a.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) a.push('--setenv', k, v);
  a.push('--', ...CONFINE, ...spec.command);
  return a;
}

/**
 * bwrap reads its options from descriptor 3 (NUL-separated), so the
 * sandbox's pid 1 shows only `bwrap --args 3 -- COMMAND` in /proc/1/cmdline:
 * no host paths (the state dir) leak to the learner. The options go into a
 * file that `launch --fd3` opens; the command stays on the command line
 * (bwrap takes it only from there).
 */
export function argsFile(args: string[]): { argv: string[]; content: Buffer } {
  const sep = args.indexOf('--');
  if (sep < 0) throw new Error('bwrap arguments without "--" before the command');
  const options = args.slice(0, sep);
  for (const x of options) if (x.includes('\0')) throw new Error('bwrap argument with a NUL byte');
  return { argv: ['bwrap', '--args', '3', ...args.slice(sep)], content: Buffer.from(options.map((x) => `${x}\0`).join(''), 'utf8') };
}

/**
 * argv that runs `command` inside the running sandbox whose first process
 * (as seen from the host) is `pid`: all of its namespaces, as the learner,
 * confined like the first process.
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
    ...CONFINE,
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

/** How the host helper `launch` prepares a process before it becomes `command`. */
export interface LaunchSpec {
  /** cgroup directories to join first, so everything the process starts is accounted. */
  cgroups: string[];
  /** How readily the OOM killer picks it (sandboxes: before the server). */
  oomScoreAdj?: number;
  /** A file opened as descriptor 3 (bwrap's arguments). */
  fd3?: string;
}

/**
 * The host helper first: it closes every descriptor above 2 (above 3 with
 * fd3), so nothing the server holds (other learners' terminals, sockets, the
 * results database) reaches a sandbox, whatever node-pty or libuv left open.
 */
export function launchArgv(helper: string, spec: LaunchSpec, command: string[]): string[] {
  const a = [helper];
  for (const d of spec.cgroups) a.push('--cgroup', d);
  if (spec.oomScoreAdj !== undefined) a.push('--oom-score-adj', String(spec.oomScoreAdj));
  if (spec.fd3) a.push('--fd3', spec.fd3);
  return [...a, '--', ...command];
}

/**
 * Remounts a running sandbox's tmpfs areas with sizes and inode limits, and
 * binds each backup root to its folder in /var (host helper `tune-mounts`).
 */
export function tuneMountsArgv(helper: string, pid: number, mounts: Record<string, { bytes: number; inodes: number }>): string[] {
  return [
    helper,
    String(pid),
    ...Object.entries(mounts).map(([m, o]) => `${m}=size=${o.bytes},nr_inodes=${o.inodes}`),
    ...BACKUP_ROOTS.map((d) => `bind:/var${d}:${d}`),
  ];
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
    '--disable-userns',
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
