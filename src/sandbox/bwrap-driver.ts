/**
 * The bubblewrap driver: each sandbox is a bwrap process tree with its own
 * user, network, pid, IPC and UTS namespaces, started from prepared server
 * data, placed in its own cgroups and (when the server runs as root) owned
 * by its own unprivileged host uid, so sandboxes cannot touch each other's
 * files or processes even outside the namespaces.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IPty } from 'node-pty';
import {
  bwrapArgv,
  cgroupArgv,
  dropPrivilegesArgv,
  emptySandboxArgv,
  enterArgv,
  rlimitArgv,
  sandboxEnv,
  type HostIdentity,
  type ProcessLimits,
} from './bwrap-argv.ts';
import type { ExecOptions, Preflight, SandboxDriver, SandboxHandle, SandboxUsage } from './driver.ts';
import { detectCgroups, type CgroupBackend, type LimitCounters, type Limits } from './limits.ts';
import { run, start, startPty, type RunResult } from './spawn.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const ROOTFS = resolve(HERE, 'rootfs');
const CGROUP_EXEC = resolve(HERE, 'host/cgroup-exec');
const READY_LINE = 'drillbook-sandbox-ready';

export interface BwrapDriverOptions {
  limits: Limits;
  /** Host folder for Drillbook's sandbox state (templates). */
  stateDir: string;
  /** First host uid for sandboxes when running as root (one uid per sandbox). */
  uidBase: number;
  /** Time allowed for a sandbox's servers to come up. */
  startTimeoutMs: number;
  /** cgroup mount point (tests may point elsewhere). */
  cgroupRoot?: string;
}

/** Programs a sandbox needs, with the Debian package that provides each. */
const REQUIRED: [path: string, pkg: string][] = [
  ['/usr/bin/bwrap', 'bubblewrap'],
  ['/usr/bin/nsenter', 'util-linux'],
  ['/usr/bin/setpriv', 'util-linux'],
  ['/usr/bin/prlimit', 'util-linux'],
  ['/usr/lib/postgresql/15/bin/postgres', 'postgresql-15'],
  ['/usr/lib/postgresql/15/bin/initdb', 'postgresql-15'],
  ['/usr/sbin/mariadbd', 'mariadb-server'],
  ['/usr/bin/mariadb-install-db', 'mariadb-server'],
  ['/usr/bin/mariadb', 'mariadb-client'],
  ['/usr/bin/mariabackup', 'mariadb-backup'],
  ['/usr/bin/mydumper', 'mydumper'],
  ['/usr/bin/zstd', 'zstd'],
  ['/usr/bin/ps', 'procps'],
];

/** The Debian packages sandbox mode needs (also installed by `./drillbook up`). */
export const SANDBOX_PACKAGES = [...new Set(REQUIRED.map(([, p]) => p))];

const isRoot = () => process.getuid?.() === 0;

/** Whether a `name.tmp-PID` folder was left by a process that no longer runs. */
export function madeByDeadProcess(name: string): boolean {
  const pid = Number(/\.tmp-(\d+)$/.exec(name)?.[1]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class BwrapDriver implements SandboxDriver {
  readonly name = 'bwrap';
  readonly limits: Limits;
  private cg: CgroupBackend;
  private usedSlots = new Set<number>();
  private templateDir: string | undefined;
  /** The installed copy of rootfs/ that sandboxes bind (see installRootfs). */
  private rootfs = ROOTFS;
  private seq = 0;

  private opts: BwrapDriverOptions;

  constructor(opts: BwrapDriverOptions) {
    this.opts = opts;
    this.limits = opts.limits;
    this.cg = detectCgroups(opts.cgroupRoot);
  }

  get limitMode() {
    return this.cg.mode;
  }

  describe(): string {
    const who = isRoot() ? `one host uid per sandbox from ${this.opts.uidBase}` : `host uid ${process.getuid?.()}`;
    return `bwrap sandboxes (${who}); limits by ${this.cg.describe(this.limits)}`;
  }

  async preflight(): Promise<Preflight> {
    const missing = REQUIRED.filter(([path]) => !existsSync(path));
    if (missing.length) {
      const pkgs = [...new Set(missing.map(([, p]) => p))];
      return {
        ok: false,
        message:
          `sandbox mode needs ${missing.map(([p]) => p).join(', ')} (Debian packages: ${pkgs.join(' ')}). ` +
          `Install them with: sudo apt-get install -y ${SANDBOX_PACKAGES.join(' ')} ` +
          `(./drillbook up does this when run as root), or set DRILLBOOK_SANDBOX=off to serve only the static site.`,
      };
    }
    const probe = await run(dropPrivilegesArgv(this.identity(this.opts.uidBase - 1), emptySandboxArgv()), { timeoutMs: 10_000 });
    if (probe.code !== 0) {
      return {
        ok: false,
        message:
          `bubblewrap cannot create a sandbox on this host: ${probe.stderr.trim() || `exit ${probe.code}`}. ` +
          `Unprivileged user namespaces must be enabled (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0), ` +
          `or set DRILLBOOK_SANDBOX=off to serve only the static site.`,
      };
    }
    return { ok: true };
  }

  private identity(uid: number): HostIdentity {
    return isRoot() ? { uid, gid: uid } : { uid: null, gid: null };
  }

  private processLimits(): ProcessLimits {
    if (this.cg.mode !== 'rlimit') return {};
    // RLIMIT_NPROC counts per host uid, so it only limits a sandbox that has a uid of its own.
    return { nproc: isRoot() ? this.limits.pids : undefined, addressSpaceBytes: this.limits.memoryBytes };
  }

  /** Fingerprint of everything the templates depend on: our scripts and configs and the server versions. */
  private async templateKey(): Promise<string> {
    const h = createHash('sha256');
    h.update(this.rootfs);
    for (const argv of [
      ['/usr/lib/postgresql/15/bin/postgres', '--version'],
      ['/usr/sbin/mariadbd', '--version'],
    ]) {
      h.update((await run(argv)).stdout);
    }
    return h.digest('hex').slice(0, 16);
  }

  /**
   * The sandbox uids must be able to reach what bwrap binds, but a checkout may
   * sit under a private folder (/root, a 0700 temp dir). So the in-sandbox files
   * are copied into the state folder, readable by all, keyed by their content.
   */
  private installRootfs(): string {
    const h = createHash('sha256');
    const files = listFiles(ROOTFS);
    for (const f of files) {
      h.update(f);
      const st = lstatSync(join(ROOTFS, f));
      h.update(st.isSymbolicLink() ? `-> ${readlinkSync(join(ROOTFS, f))}` : readFileSync(join(ROOTFS, f)));
      h.update(String(st.mode & 0o111));
    }
    const key = h.digest('hex').slice(0, 16);
    const dir = join(this.opts.stateDir, `rootfs-${key}`);
    if (!existsSync(join(dir, '.complete'))) {
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      cpSync(ROOTFS, tmp, { recursive: true, verbatimSymlinks: true });
      makeReadable(tmp);
      writeFileSync(join(tmp, '.complete'), '');
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    }
    for (const e of readdirSync(this.opts.stateDir)) {
      // Older copies go; so does a half-made copy whose maker was interrupted (another live process may be making one).
      if (e.startsWith('rootfs-') && e !== `rootfs-${key}` && (!e.includes('.tmp-') || madeByDeadProcess(e)))
        rmSync(join(this.opts.stateDir, e), { recursive: true, force: true });
    }
    return dir;
  }

  async prepare(log: (line: string) => void = () => {}): Promise<void> {
    mkdirSync(this.opts.stateDir, { recursive: true });
    chmodSync(this.opts.stateDir, 0o711);
    const blocked = untraversable(this.opts.stateDir);
    if (blocked) {
      throw new Error(
        `sandboxes cannot reach ${this.opts.stateDir}: ${blocked} is not searchable by other users. Set DRILLBOOK_STATE_DIR to a folder under a public path (the default for root is /var/lib/drillbook).`,
      );
    }
    this.rootfs = this.installRootfs();
    const key = await this.templateKey();
    const base = join(this.opts.stateDir, 'templates');
    const dir = join(base, key);
    if (existsSync(join(dir, 'var', 'lib', 'mysql'))) {
      this.templateDir = dir;
      return;
    }
    log(`preparing server data templates in ${dir} (once per host)…`);
    mkdirSync(base, { recursive: true });
    chmodSync(base, 0o711);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'var'), { recursive: true });
    const id = this.identity(this.opts.uidBase - 1);
    if (id.uid !== null && id.gid !== null) {
      chownSync(tmp, id.uid, id.gid);
      chownSync(join(tmp, 'var'), id.uid, id.gid);
    }
    const argv = dropPrivilegesArgv(
      id,
      bwrapArgv({
        rootfs: this.rootfs,
        varOnHost: join(tmp, 'var'),
        diskBytes: this.limits.diskBytes,
        tmpBytes: 64 * 1024 * 1024,
        env: sandboxEnv(),
        command: ['/opt/drillbook/libexec/make-templates'],
      }),
    );
    const r = await run(argv, { timeoutMs: 120_000 });
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`preparing the server templates failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
    }
    makeReadable(tmp);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    // Older templates (other server versions or scripts) are no longer used.
    for (const e of readdirSync(base)) if (e !== key) rmSync(join(base, e), { recursive: true, force: true });
    this.templateDir = dir;
    log('templates ready');
  }

  async cleanupLeftovers(): Promise<number> {
    let cleaned = 0;
    // bwrap trees of ours whose server is gone (--die-with-parent makes this rare):
    // ending the outer bwrap ends everything inside. Another live server's sandboxes are left alone.
    for (const pid of listPids()) {
      const cmd = cmdline(pid);
      if (cmd[0]?.endsWith('bwrap') && cmd.some((a) => a.startsWith(`${this.opts.stateDir}/rootfs-`)) && parentOf(pid) === 1) {
        kill(pid);
        cleaned++;
      }
    }
    // Cgroups are named after the server pid that made them; those of dead servers go.
    for (const name of this.cg.leftovers()) {
      const owner = Number(/^sb-(\d+)-/.exec(name)?.[1]);
      if (owner && owner !== process.pid && alive(owner)) continue;
      for (const pid of this.cg.pids(name)) kill(pid);
      await waitFor(() => this.cg.pids(name).length === 0, 5_000);
      await waitFor(() => this.cg.remove(name), 5_000);
    }
    return cleaned;
  }

  private allocateSlot(): number {
    let slot = 0;
    while (this.usedSlots.has(slot)) slot++;
    this.usedSlots.add(slot);
    return slot;
  }

  async create(): Promise<SandboxHandle> {
    if (!this.templateDir) await this.prepare();
    const slot = this.allocateSlot();
    const name = `sb-${process.pid}-${++this.seq}`;
    try {
      const cgDirs = this.cg.create(name, this.limits);
      const identity = this.identity(this.opts.uidBase + slot);
      const argv = cgroupArgv(
        CGROUP_EXEC,
        cgDirs,
        rlimitArgv(
          this.processLimits(),
          dropPrivilegesArgv(
            identity,
            bwrapArgv({
              rootfs: this.rootfs,
              templates: this.templateDir,
              diskBytes: this.limits.diskBytes,
              tmpBytes: 64 * 1024 * 1024,
              env: sandboxEnv(),
              command: ['/opt/drillbook/libexec/init'],
            }),
          ),
        ),
      );
      const sb = new BwrapSandbox(name, cgDirs, this.cg, this.processLimits(), () => this.usedSlots.delete(slot));
      await sb.start(argv, this.opts.startTimeoutMs);
      return sb;
    } catch (e) {
      this.usedSlots.delete(slot);
      this.cg.remove(name);
      throw e;
    }
  }
}

class BwrapSandbox implements SandboxHandle {
  readonly createdAt = new Date();
  ended!: Promise<{ code: number | null }>;
  /** Host pid of the outer bwrap process (our child). */
  private outerPid = 0;
  /** Host pid of the sandbox's pid 1, the target for entering it. */
  private innerPid = 0;
  private destroyed = false;
  private hasEnded = false;
  private child: ReturnType<typeof start> | undefined;

  readonly id: string;
  private cgDirs: string[];
  private cg: CgroupBackend;
  private plimits: ProcessLimits;
  private release: () => void;

  constructor(id: string, cgDirs: string[], cg: CgroupBackend, plimits: ProcessLimits, release: () => void) {
    this.id = id;
    this.cgDirs = cgDirs;
    this.cg = cg;
    this.plimits = plimits;
    this.release = release;
  }

  start(argv: string[], timeoutMs: number): Promise<void> {
    const child = start(argv, { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' });
    this.child = child;
    this.outerPid = child.pid ?? 0;
    this.ended = new Promise((ok) =>
      child.on('close', (code) => {
        this.hasEnded = true;
        ok({ code });
      }),
    );
    // The outer bwrap can end while the sandbox's pid 1 lives on with processes it adopted
    // (init killed from inside, say); whatever is left in its cgroups goes too.
    void this.ended.then(() => (this.destroyed ? this.finish() : this.destroy()));
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4000);
    });
    return new Promise((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => {
        void this.destroy();
        fail(new Error(`the sandbox's servers did not come up within ${timeoutMs} ms. ${stderr.trim()}`));
      }, timeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString('utf8');
        if (out.includes(READY_LINE)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          this.innerPid = firstChild(this.outerPid);
          if (!this.innerPid) fail(new Error('the sandbox started but its first process was not found'));
          else ok();
        }
      };
      child.stdout?.on('data', onData);
      void this.ended.then(({ code }) => {
        clearTimeout(timer);
        fail(new Error(`the sandbox ended while starting (exit ${code}): ${stderr.trim().split('\n').slice(-6).join(' | ')}`));
      });
    });
  }

  private enter(command: string[]): string[] {
    return cgroupArgv(CGROUP_EXEC, this.cgDirs, rlimitArgv(this.plimits, enterArgv(this.innerPid, command)));
  }

  exec(command: string[], opts: ExecOptions = {}): Promise<RunResult> {
    if (this.destroyed) return Promise.reject(new Error(`sandbox ${this.id} has ended`));
    return run(this.enter(['/bin/bash', '-c', 'cd ~ && exec "$@"', 'sandbox-exec', ...command]), {
      env: sandboxEnv(opts.env),
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
  }

  openShell(size: { cols: number; rows: number }): IPty {
    if (this.destroyed) throw new Error(`sandbox ${this.id} has ended`);
    // `cd ~` lands in /home/learner by its logical path (the tree lives under /var).
    return startPty(this.enter(['/bin/bash', '-c', 'cd ~ && exec /bin/bash -l']), sandboxEnv(), size);
  }

  usage(): SandboxUsage {
    const pids = descendants(this.outerPid);
    let pss = 0;
    for (const pid of pids) pss += readPss(pid);
    const d = this.disk();
    return { pssBytes: pss, processes: pids.length, diskUsedBytes: d.usedBytes, diskTotalBytes: d.totalBytes };
  }

  disk(): { usedBytes: number; totalBytes: number } {
    try {
      const s = statfsSync(`/proc/${this.innerPid}/root/var`);
      return { usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      // The sandbox is gone or going; report no disk.
      return { usedBytes: 0, totalBytes: 0 };
    }
  }

  counters(): LimitCounters {
    return this.cg.counters(this.id);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return this.ended.then(() => {});
    this.destroyed = true;
    // bwrap's pid 1 takes every process of the pid namespace with it. Once our child (the outer
    // bwrap) has been reaped its pid, and maybe pid 1's, can belong to anyone: only the cgroup
    // listing below is trusted then.
    if (!this.hasEnded) {
      if (this.innerPid) kill(this.innerPid);
      if (this.outerPid) kill(this.outerPid);
    }
    await waitFor(() => this.hasEnded, 5_000);
    // Entered shells are in the pid namespace too and the kernel ends them with it; wait until the cgroups are empty.
    await waitFor(() => {
      for (const pid of this.cg.pids(this.id)) kill(pid);
      return this.cg.pids(this.id).length === 0;
    }, 5_000);
    // The kernel frees a cgroup once its last exited process has been reaped, a moment later.
    await waitFor(() => this.cg.remove(this.id), 5_000);
    this.finish();
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.destroyed = true;
    this.cg.remove(this.id);
    this.release();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function listPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function firstChild(pid: number): number {
  return childrenOf(pid)[0] ?? 0;
}

/** pid and all its descendants (children lists of every thread). */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) queue.push(Number(c));
      } catch {
        // Thread ended meanwhile.
      }
    }
  }
  return out;
}

function readPss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

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

/** The first folder on the way to `path` that other users cannot search, or null. */
function untraversable(path: string): string | null {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (d === '/') return null;
  }
}

/** a+rX over a tree, so any sandbox uid can copy the templates. */
function makeReadable(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, st.mode | 0o555);
    for (const e of readdirSync(path)) makeReadable(join(path, e));
  } else {
    chmodSync(path, st.mode | 0o444);
  }
}
