/**
 * The bubblewrap driver: each sandbox is a bwrap process tree with its own
 * user, network, pid, IPC and UTS namespaces, a read-only root, a private
 * /etc, size- and inode-limited writable areas, a seccomp filter and
 * no-new-privileges on every process, started from prepared server data,
 * placed in its own cgroups and (when the server runs as root) owned by its
 * own unprivileged host uid, so sandboxes cannot touch each other's files or
 * processes even outside the namespaces.
 *
 * Everything a driver instance makes on the host is its own: its cgroups
 * live under drillbook/<instance>/<owner>/ (instance: the state dir; owner:
 * this process, recorded in the state dir's `owners/` so a later run can
 * tell a live owner from a dead one), and its uids come from the range of its
 * state dir. Nothing of another server is touched, and no process id or host
 * path shows inside a sandbox.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Preflight, SandboxDriver, SandboxHandle } from '../driver.ts';
import { detectCgroups, type CgroupBackend, type Limits } from '../limits.ts';
import { waitFor } from '../proc.ts';
import { run, startWatchdog } from '../spawn.ts';
import {
  argsFile,
  bwrapArgs,
  dropPrivilegesArgv,
  emptySandboxArgv,
  launchArgv,
  rlimitArgv,
  sandboxEnv,
  type HostIdentity,
  type ProcessLimits,
} from './argv.ts';
import { installCopy, installRootfs, makeReadable, privateEtc, pruneCopies, recordUse, untraversable } from './files.ts';
import { SANDBOX_TEXTS } from '../../protocol/texts.ts';
import { cleanupLeftovers, forgetOwner, recordOwner } from './owners.ts';
import { missingPackages, noRoomForOne, probeFailed } from './requirements.ts';
import { BwrapSandbox, SANDBOX_OOM_SCORE_ADJ } from './sandbox.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const HOST = resolve(HERE, '../host');
const LAUNCH = join(HOST, 'launch');
const TUNE_MOUNTS = join(HOST, 'tune-mounts');
const WATCHDOG = join(HOST, 'watchdog');

export interface BwrapDriverOptions {
  limits: Limits;
  /** Host folder for Drillbook's sandbox state (templates, private /etc, owners). */
  stateDir: string;
  /** Short name of the state dir (config.ts instanceOf): its cgroups live under drillbook/<instance>. */
  instance: string;
  /** First host uid for sandboxes when running as root (one uid per sandbox). */
  uidBase: number;
  /** Time allowed for a sandbox's servers to come up. */
  startTimeoutMs: number;
  /** Memory kept for the host: all sandboxes of this state dir together get RAM minus this (cgroup cap). */
  memoryReserveBytes?: number;
  /** cgroup mount point (tests may point elsewhere). */
  cgroupRoot?: string;
  /** The host's /etc, copied into the sandboxes' private one (tests point at a changed copy). */
  hostEtc?: string;
}

/** Size of each sandbox's /tmp, /run and /dev/shm. */
const TMP_BYTES = 64 * 1024 * 1024;
/** Files each area may hold: plenty for the servers and a course (a few thousand), far from the kernel memory a million empty files take. */
const VAR_INODES = 100_000;
const TMP_INODES = 16_384;

const isRoot = () => process.getuid?.() === 0;
/** statfs f_type of tmpfs. */
const TMPFS_MAGIC = 0x01021994;

export class BwrapDriver implements SandboxDriver {
  readonly name = 'bwrap';
  readonly limits: Limits;
  private cg: CgroupBackend;
  private usedSlots = new Set<number>();
  private templateDir: string | undefined;
  private etcDir: string | undefined;
  /** The installed copy of rootfs/ that sandboxes bind (see installRootfs). */
  private rootfs: string | undefined;
  private seq = 0;
  /** This process's group below the instance: drillbook/<instance>/<owner>. */
  private readonly owner = `o${randomBytes(6).toString('hex')}`;
  private ownerRecorded = false;
  private watchdog: ChildProcess | undefined;
  private opts: BwrapDriverOptions;

  constructor(opts: BwrapDriverOptions) {
    this.opts = opts;
    this.limits = opts.limits;
    this.cg = detectCgroups(opts.cgroupRoot, isRoot(), `${opts.instance}/probe-${randomBytes(4).toString('hex')}`);
  }

  get limitMode() {
    return this.cg.mode;
  }

  /** The cgroup of this process's sandboxes (below drillbook/). */
  private get ownerGroup(): string {
    return `${this.opts.instance}/${this.owner}`;
  }

  /** All sandboxes of this state dir together may use this much memory. */
  get memoryCap(): number {
    return Math.max(0, totalmem() - (this.opts.memoryReserveBytes ?? 2 * 2 ** 30));
  }

  describe(): string {
    const who = isRoot() ? `one host uid per sandbox from ${this.opts.uidBase}` : `host uid ${process.getuid?.()}`;
    const cap = this.cg.mode === 'rlimit' ? '' : `; all sandboxes together at most ${Math.round(this.memoryCap / 2 ** 20)} MB`;
    return `bwrap sandboxes (${who}; read-only root, seccomp, no new privileges); limits by ${this.cg.describe(this.limits)}${cap}`;
  }

  async preflight(): Promise<Preflight> {
    const missing = missingPackages();
    if (missing) return { ok: false, message: missing };
    const probe = await run(
      launchArgv(LAUNCH, { cgroups: [] }, dropPrivilegesArgv(this.identity(this.opts.uidBase - 1), emptySandboxArgv())),
      { timeoutMs: 10_000 },
    );
    if (probe.code !== 0) return { ok: false, message: probeFailed(probe.stderr, probe.code) };
    const noRoom =
      this.cg.mode === 'rlimit' ? undefined : noRoomForOne(this.memoryCap, this.opts.memoryReserveBytes ?? 0, this.limits.memoryBytes);
    return noRoom ? { ok: false, message: noRoom } : { ok: true };
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
  private async templateKey(rootfs: string): Promise<string> {
    const h = createHash('sha256');
    h.update(rootfs);
    for (const argv of [
      ['/usr/lib/postgresql/15/bin/postgres', '--version'],
      ['/usr/sbin/mariadbd', '--version'],
    ]) {
      h.update((await run(argv)).stdout);
    }
    return h.digest('hex').slice(0, 16);
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
    const view = await this.viewDir();
    this.rootfs = installRootfs(view);
    this.etcDir = privateEtc(view, this.opts.hostEtc);
    this.startWatchdog();
    const key = await this.templateKey(this.rootfs);
    const base = join(this.opts.stateDir, 'templates');
    const dir = join(base, key);
    mkdirSync(base, { recursive: true });
    chmodSync(base, 0o711);
    recordUse(base, key);
    if (existsSync(join(dir, 'var', 'lib', 'mysql'))) {
      this.templateDir = this.templatesInView(view, key, dir);
      return;
    }
    log(`preparing server data templates in ${dir} (once per host)…`);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'var'), { recursive: true });
    const id = this.identity(this.opts.uidBase - 1);
    if (id.uid !== null && id.gid !== null) {
      chownSync(tmp, id.uid, id.gid);
      chownSync(join(tmp, 'var'), id.uid, id.gid);
    }
    const r = await this.runBwrap(
      join(tmp, 'bwrap-args'),
      [],
      id,
      bwrapArgs({
        rootfs: this.rootfs,
        etc: this.etcDir,
        varOnHost: join(tmp, 'var'),
        diskBytes: this.limits.diskBytes,
        tmpBytes: TMP_BYTES,
        env: sandboxEnv(),
        command: ['/opt/drillbook/libexec/make-templates'],
      }),
    );
    rmSync(join(tmp, 'bwrap-args'), { force: true });
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`preparing the server templates failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
    }
    makeReadable(tmp);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    // Older templates (other server versions or scripts) go once no live process uses them.
    pruneCopies(base, '', key);
    this.templateDir = this.templatesInView(view, key, dir);
    log('templates ready');
  }

  /**
   * Where sandboxes' read-only files come from. As root: `<stateDir>/view`, a
   * tmpfs of our own (mounted once, kept across restarts), so the mount table a
   * learner can read shows `tmpfs` and a short path there, not the host's disk
   * and the state dir's path. Otherwise the state dir itself.
   */
  private async viewDir(): Promise<string> {
    if (!isRoot()) return this.opts.stateDir;
    const view = join(this.opts.stateDir, 'view');
    mkdirSync(view, { recursive: true });
    if (statfsSync(view).type !== TMPFS_MAGIC) {
      const r = await run(['mount', '-t', 'tmpfs', '-o', 'size=512m,nr_inodes=65536,mode=711', 'drillbook', view], { timeoutMs: 10_000 });
      if (r.code !== 0) throw new Error(`cannot mount a tmpfs at ${view}: ${r.stderr.trim()}`);
    }
    return view;
  }

  /** The templates as sandboxes bind them: the copy in the view (made when missing), or `dir` itself without one. */
  private templatesInView(view: string, key: string, dir: string): string {
    if (view === this.opts.stateDir) return dir;
    return installCopy(view, 'templates-', key, (tmp) =>
      cpSync(dir, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true }),
    );
  }

  /** Runs a one-off bwrap (templates) to completion, its arguments passed through a file. */
  private runBwrap(argsPath: string, cgroups: string[], id: HostIdentity, args: string[]) {
    const { argv, content } = argsFile(args);
    writeFileSync(argsPath, content, { mode: 0o600 });
    return run(launchArgv(LAUNCH, { cgroups, fd3: argsPath }, dropPrivilegesArgv(id, argv)), { timeoutMs: 120_000 });
  }

  /**
   * A process outside every sandbox that outlives this one: when this process
   * ends, even by SIGKILL, it ends every process left in this process's
   * sandbox cgroups and removes them (the sandboxes' own init does the same
   * from inside; this covers an init a learner managed to stop).
   */
  private startWatchdog(): void {
    if (this.watchdog || this.cg.mode === 'rlimit') return;
    this.recordOwner();
    this.cg.cap(this.opts.instance, this.memoryCap);
    this.cg.cap(this.ownerGroup, this.memoryCap);
    this.watchdog = startWatchdog([WATCHDOG, ...this.cg.dirs(this.ownerGroup)]);
  }

  /** owners/<owner> in the state dir holds our pid: a later run removes this group only once we are gone. */
  private recordOwner(): void {
    if (this.ownerRecorded) return;
    recordOwner(this.opts.stateDir, this.owner);
    this.ownerRecorded = true;
  }

  async cleanupLeftovers(): Promise<number> {
    const { stateDir, instance, uidBase } = this.opts;
    return cleanupLeftovers({
      stateDir,
      instance,
      owner: this.owner,
      cg: this.cg,
      uids: isRoot() ? { first: uidBase - 1, last: uidBase + 1000, ours: (uid) => this.ownsUid(uid) } : undefined,
    });
  }

  private ownsUid(uid: number): boolean {
    return this.usedSlots.has(uid - this.opts.uidBase);
  }

  private allocateSlot(): number {
    let slot = 0;
    while (this.usedSlots.has(slot)) slot++;
    this.usedSlots.add(slot);
    return slot;
  }

  async create(): Promise<SandboxHandle> {
    if (!this.templateDir || !this.rootfs || !this.etcDir) await this.prepare();
    this.startWatchdog();
    const slot = this.allocateSlot();
    const n = ++this.seq;
    const group = `${this.ownerGroup}/sb-${n}`;
    const id = `sb-${this.opts.instance}-${n}`;
    try {
      const cgDirs = this.cg.create(group, this.limits);
      const argsPath = join(this.opts.stateDir, 'owners', `${this.owner}-${n}.args`);
      this.recordOwner();
      const { argv, content } = argsFile(
        bwrapArgs({
          rootfs: this.rootfs!,
          etc: this.etcDir!,
          templates: this.templateDir,
          diskBytes: this.limits.diskBytes,
          tmpBytes: TMP_BYTES,
          memoryCgroup: this.cg.memoryView(group),
          env: sandboxEnv(),
          command: ['/opt/drillbook/libexec/init'],
        }),
      );
      writeFileSync(argsPath, content, { mode: 0o600 });
      const launch = launchArgv(
        LAUNCH,
        { cgroups: cgDirs, oomScoreAdj: SANDBOX_OOM_SCORE_ADJ, fd3: argsPath },
        rlimitArgv(this.processLimits(), dropPrivilegesArgv(this.identity(this.opts.uidBase + slot), argv)),
      );
      const sb = new BwrapSandbox(id, {
        group,
        cgDirs,
        cg: this.cg,
        plimits: this.processLimits(),
        launch: LAUNCH,
        tuneMounts: TUNE_MOUNTS,
        mounts: {
          '/var': { bytes: this.limits.diskBytes, inodes: VAR_INODES },
          '/tmp': { bytes: TMP_BYTES, inodes: TMP_INODES },
          '/run': { bytes: TMP_BYTES, inodes: TMP_INODES },
          '/dev/shm': { bytes: TMP_BYTES, inodes: TMP_INODES },
        },
        welcome: SANDBOX_TEXTS.welcome(this.limits),
        release: () => this.usedSlots.delete(slot),
      });
      try {
        await sb.start(launch, this.opts.startTimeoutMs);
      } finally {
        rmSync(argsPath, { force: true });
      }
      return sb;
    } catch (e) {
      this.usedSlots.delete(slot);
      this.cg.remove(group);
      throw e;
    }
  }

  /** An empty bwrap with the same namespaces, around /usr/bin/true. */
  async emptyStart(): Promise<void> {
    await run(emptySandboxArgv());
  }

  /** Stops the watchdog (it then finds nothing left) and forgets this process's cgroup. */
  async close(): Promise<void> {
    this.watchdog?.stdin?.end();
    this.watchdog = undefined;
    await waitFor(() => this.cg.remove(this.ownerGroup), 2_000);
    if (this.ownerRecorded) forgetOwner(this.opts.stateDir, this.owner);
    this.ownerRecorded = false;
  }
}
