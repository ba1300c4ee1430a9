/**
 * What sandboxes see from the host's disk, prepared in the state dir:
 * - `rootfs-<key>`: Drillbook's in-sandbox files (src/sandbox/rootfs) plus the
 *   seccomp filter, shown read-only at /opt/drillbook;
 * - `etc-<key>`: a private /etc, copied from the host's at each server start
 *   (world-readable files only, host secrets and identities left out) with the
 *   sandbox's own accounts, name resolution and server configuration on top;
 * - `templates/<key>`: server data made once per host by make-templates.
 * Each is keyed by its content, built beside its final name and renamed into
 * place, so a sandbox never sees a half-made copy. Every process that uses a
 * copy records so (`.in-use/`, by pid and start time) before it looks for it;
 * an older copy goes only once no live process has a record of it, so a
 * second process on the same state dir (labs verify, a second server) after a
 * host package install never empties the /etc that running sandboxes bind.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { madeByDeadProcess, startTime } from '../proc.ts';
import { seccompFilterBytes } from '../seccomp.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const ROOTFS = resolve(HERE, '../rootfs');

/** Paths of every file and symlink under `root`, relative, sorted. */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(relative(root, abs));
    }
  };
  walk(root);
  return out.sort();
}

/** a+rX over a tree, so any sandbox uid can read it. */
export function makeReadable(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, st.mode | 0o555);
    for (const e of readdirSync(path)) makeReadable(join(path, e));
  } else {
    chmodSync(path, st.mode | 0o444);
  }
}

/** The first folder on the way to `path` that other users cannot search, or null. */
export function untraversable(path: string): string | null {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (d === '/') return null;
  }
}

/** Where the records of which process uses which copy are kept, beside the copies. */
const IN_USE = '.in-use';

/** This process in a use record: its pid and start time, so a later process with the same pid is not taken for it. */
function selfTag(): string {
  return `${process.pid}-${startTime(process.pid)}`;
}

/** Records that this process uses `<dir>/<name>` (made or not yet): no other process removes it while this one lives. */
export function recordUse(dir: string, name: string): void {
  mkdirSync(join(dir, IN_USE), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, IN_USE, `${name}@${selfTag()}`), '');
}

/** The records of `dir`, each with whether its process still runs. */
function useRecords(dir: string): { file: string; name: string; live: boolean }[] {
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, IN_USE));
  } catch {
    return [];
  }
  return files.map((file) => {
    const at = file.lastIndexOf('@');
    const [pid, start] = file.slice(at + 1).split('-');
    return { file, name: file.slice(0, at), live: startTime(Number(pid)) === start };
  });
}

/** Whether a live process (this one included) recorded a use of `<dir>/<name>`. */
export function inUse(dir: string, name: string): boolean {
  return useRecords(dir).some((r) => r.name === name && r.live);
}

/**
 * Removes the entries of `dir` whose names start with `prefix`, except `keep`,
 * those a live process uses (inUse) and those a live process is still making
 * (`*.tmp-PID`); forgets the use records of processes that have ended.
 */
export function pruneCopies(dir: string, prefix: string, keep: string): void {
  // Records of processes that have ended go first, so they never pile up.
  for (const r of useRecords(dir)) if (!r.live) rmSync(join(dir, IN_USE, r.file), { force: true });
  for (const e of readdirSync(dir)) {
    if (!e.startsWith(prefix) || e === keep || e === IN_USE) continue;
    if (e.includes('.tmp-') ? !madeByDeadProcess(e) : inUse(dir, e)) continue;
    rmSync(join(dir, e), { recursive: true, force: true });
  }
}

/**
 * Puts a copy made by `build(tmpDir)` at `<stateDir>/<prefix><key>` unless it is
 * there already, records that this process uses it, and removes older copies
 * with the same prefix that no live process uses (see pruneCopies).
 */
export function installCopy(stateDir: string, prefix: string, key: string, build: (tmp: string) => void): string {
  const dir = join(stateDir, `${prefix}${key}`);
  // Recorded before it is looked for, so another process's prune cannot remove it from under us.
  recordUse(stateDir, `${prefix}${key}`);
  if (!existsSync(join(dir, '.complete'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    build(tmp);
    makeReadable(tmp);
    writeFileSync(join(tmp, '.complete'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  pruneCopies(stateDir, prefix, `${prefix}${key}`);
  return dir;
}

/**
 * The sandbox uids must be able to reach what bwrap binds, but a checkout may
 * sit under a private folder (/root, a 0700 temp dir). So the in-sandbox files
 * are copied into the state folder, readable by all, keyed by their content
 * (the seccomp filter included).
 */
export function installRootfs(stateDir: string): string {
  const filter = seccompFilterBytes();
  const h = createHash('sha256');
  for (const f of listFiles(ROOTFS)) {
    h.update(f);
    const st = lstatSync(join(ROOTFS, f));
    h.update(st.isSymbolicLink() ? `-> ${readlinkSync(join(ROOTFS, f))}` : readFileSync(join(ROOTFS, f)));
    h.update(String(st.mode & 0o111));
  }
  h.update(filter);
  return installCopy(stateDir, 'rootfs-', h.digest('hex').slice(0, 16), (tmp) => {
    cpSync(ROOTFS, tmp, { recursive: true, verbatimSymlinks: true });
    // rootfs/etc is merged into the private /etc (privateEtc), not shown at /opt/drillbook/etc.
    rmSync(join(tmp, 'etc'), { recursive: true, force: true });
    writeFileSync(join(tmp, 'libexec', 'seccomp.bpf'), filter);
  });
}

/**
 * Host files left out of the private /etc even when world-readable: backups
 * of the account files and the host's user-namespace ranges (they list host
 * accounts), the machine's identity, its name and resolver (the sandbox has
 * its own), the host's PostgreSQL cluster configuration (the sandbox's lives
 * in its data directory), MariaDB's and the cron tables (the sandbox has its own).
 */
export const ETC_LEFT_OUT = new Set([
  'passwd-',
  'group-',
  'shadow',
  'shadow-',
  'gshadow',
  'gshadow-',
  'subuid',
  'subuid-',
  'subgid',
  'subgid-',
  'machine-id',
  'hostname',
  'resolv.conf',
  'postgresql',
  'mysql',
  '.pwd.lock',
  'docker',
  'ssh',
  'ssl/private',
  'security/opasswd',
  'drillbook',
  // The sandbox's own cron tables (links into /var, rootfs/etc): the host's are not its business.
  'cron.d',
  'crontab',
  'cron.hourly',
  'cron.daily',
  'cron.weekly',
  'cron.monthly',
]);

/** Copies what other users may read of `src` into `dst` (symlinks as they are), minus ETC_LEFT_OUT. */
function copyReadable(src: string, dst: string, rel = ''): void {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (ETC_LEFT_OUT.has(r)) continue;
    const from = join(src, e.name);
    const to = join(dst, e.name);
    let st;
    try {
      st = lstatSync(from);
    } catch {
      continue; // Removed meanwhile (a package being installed).
    }
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isDirectory()) {
      if ((st.mode & 0o005) === 0o005) copyReadable(from, to, r);
    } else if (st.isFile() && st.mode & 0o004) {
      writeFileSync(to, readFileSync(from), { mode: st.mode & 0o755 });
    }
  }
}

/** The private /etc for this server's sandboxes: the host's readable files, then the sandbox's own on top. */
export function privateEtc(stateDir: string, hostEtc = '/etc'): string {
  const built = join(stateDir, `etc-build.tmp-${process.pid}`);
  rmSync(built, { recursive: true, force: true });
  copyReadable(hostEtc, built);
  cpSync(join(ROOTFS, 'etc'), built, { recursive: true, verbatimSymlinks: true, force: true });
  writeFileSync(join(built, 'hostname'), 'sandbox\n');
  const h = createHash('sha256');
  for (const f of listFiles(built)) {
    h.update(f);
    const p = join(built, f);
    const st = lstatSync(p);
    h.update(st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : readFileSync(p));
  }
  const dir = installCopy(stateDir, 'etc-', h.digest('hex').slice(0, 16), (tmp) => renameSync(built, tmp));
  rmSync(built, { recursive: true, force: true });
  return dir;
}
