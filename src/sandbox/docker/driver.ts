/**
 * The Docker driver: each sandbox is a container of `drillbook-sandbox:<key>`
 * (image.ts) with no network but loopback, a read-only root, size- and
 * inode-limited tmpfs areas, uid 1000, no capabilities, no new privileges,
 * Docker's default seccomp profile and, inside, Drillbook's own filter on
 * every process (confine, as with bwrap), and memory, process and CPU limits
 * from the same settings as bwrap's. The same init, helpers and templates as
 * bwrap sandboxes run inside, so the learner sees the same machine.
 *
 * It talks to the daemon through the Engine API (dockerode), and needs that
 * daemon on this machine and the server running as root: it binds the backup
 * roots inside a running container (host/tune-mounts, as for bwrap), reads
 * the areas' fill through /proc, and places containers below the state dir's
 * cgroups (drillbook/<instance>/<owner>/sb-N) when the daemon uses the
 * cgroupfs driver, so that all sandboxes of a state dir share one memory cap
 * and a watchdog removes a dead server's groups at once.
 *
 * Limit notices come from the daemon: OOM kills from its events, processes
 * from its stats (a sample at the limit), disk and files from statfs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Preflight, SandboxDriver, SandboxHandle } from '../driver.ts';
import { detectCgroups, type CgroupBackend, type LimitMode, type Limits } from '../limits.ts';
import { alive, kill, waitFor } from '../proc.ts';
import { startWatchdog } from '../spawn.ts';
import { BACKUP_ROOTS, sandboxEnv } from '../bwrap/argv.ts';
import { SANDBOX_OOM_SCORE_ADJ } from '../bwrap/sandbox.ts';
import { SANDBOX_TEXTS } from '../../protocol/texts.ts';
import { DockerDaemon, type Connection } from './daemon.ts';
import { ensureImage, INIT_CMD, type ImageRef } from './image.ts';
import { DockerSandbox } from './sandbox.ts';
import { LABEL, type SandboxContainerSpec } from './spec.ts';
import { jsonLines } from './streams.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TUNE_MOUNTS = resolve(HERE, '../host/tune-mounts');
const WATCHDOG = resolve(HERE, '../host/watchdog');

export interface DockerDriverOptions {
  limits: Limits;
  /** Host folder for Drillbook's state: the image archives, owners, a private daemon's data. */
  stateDir: string;
  /** Short name of the state dir (config.ts instanceOf): its containers' label and cgroups drillbook/<instance>. */
  instance: string;
  /** Time allowed for a sandbox's servers to come up. */
  startTimeoutMs: number;
  /** Memory kept for the host: all sandboxes of this state dir together get RAM minus this (cgroup cap). */
  memoryReserveBytes?: number;
  /** cgroup mount point (tests may point elsewhere). */
  cgroupRoot?: string;
}

/** Size of each sandbox's /tmp, /run and /dev/shm, and the files each area may hold: as bwrap's (bwrap/driver.ts). */
const TMP_BYTES = 64 * 1024 * 1024;
const VAR_INODES = 100_000;
const TMP_INODES = 16_384;

const isRoot = () => process.getuid?.() === 0;

export class DockerDriver implements SandboxDriver {
  readonly name = 'docker';
  readonly limits: Limits;
  private readonly opts: DockerDriverOptions;
  private readonly daemon: DockerDaemon;
  private conn: Connection | undefined;
  private image: ImageRef | undefined;
  private info: { cgroupDriver: string; cgroupVersion: string; seccomp: boolean } | undefined;
  private readonly cg: CgroupBackend;
  /** Containers go below drillbook/<instance>/<owner>/sb-N (cgroupfs driver, local cgroups writable). */
  private cgroupParents = false;
  private readonly owner = `o${randomBytes(6).toString('hex')}`;
  private ownerRecorded = false;
  private watchdog: ChildProcess | undefined;
  private events: Duplex | undefined;
  private readonly sandboxes = new Map<string, DockerSandbox>();
  private seq = 0;
  /** Lines said before prepare() was given the log (preflight has none): said there, in order. */
  private pending: string[] = [];
  private log: (line: string) => void = (line) => this.pending.push(line);

  constructor(opts: DockerDriverOptions) {
    this.opts = opts;
    this.limits = opts.limits;
    this.daemon = new DockerDaemon(opts.stateDir, opts.instance);
    this.cg = detectCgroups(opts.cgroupRoot, isRoot(), `${opts.instance}/probe-${randomBytes(4).toString('hex')}`);
  }

  get limitMode(): LimitMode {
    if (this.info) return this.info.cgroupVersion === '2' ? 'cgroup-v2' : 'cgroup-v1';
    return this.cg.mode;
  }

  private get ownerGroup(): string {
    return `${this.opts.instance}/${this.owner}`;
  }

  get memoryCap(): number {
    return Math.max(0, totalmem() - (this.opts.memoryReserveBytes ?? 2 * 2 ** 30));
  }

  /** The daemon API, once connected (tests and the benchmark's baseline use it). */
  get docker(): Docker | undefined {
    return this.conn?.docker;
  }

  describe(): string {
    const l = this.limits;
    const mb = (b: number) => Math.round(b / 2 ** 20);
    const cap = this.cgroupParents
      ? `; all sandboxes together at most ${mb(this.memoryCap)} MB`
      : `; no shared memory cap (the daemon's cgroup driver is ${this.info?.cgroupDriver ?? 'unknown'}, not cgroupfs)`;
    return (
      `docker sandboxes (image ${this.image?.ref ?? 'not built yet'}, daemon: ${this.conn?.origin ?? 'not connected'}; uid 1000, no capabilities, ` +
      `read-only root, network none, Docker's ${this.info?.seccomp === false ? '(disabled!)' : 'default'} seccomp profile plus Drillbook's, no new privileges); ` +
      `limits by the daemon's cgroup v${this.info?.cgroupVersion ?? '?'}: memory ${mb(l.memoryBytes)} MB, ${l.pids} processes, ${l.cpus} CPU; disk ${mb(l.diskBytes)} MB (tmpfs)${cap}`
    );
  }

  async preflight(): Promise<Preflight> {
    if (!isRoot()) {
      return {
        ok: false,
        message:
          'the Docker driver needs the Drillbook server to run as root on the Docker host (it binds folders inside containers and reads their areas through /proc), or set DRILLBOOK_SANDBOX=off to serve only the static site.',
      };
    }
    try {
      this.conn = await this.daemon.connect((line) => this.log(line));
    } catch (e) {
      return { ok: false, message: `no Docker daemon to run sandboxes in: ${(e as Error).message}` };
    }
    const info = (await this.conn.docker.info()) as {
      OSType?: string;
      CgroupDriver?: string;
      CgroupVersion?: string;
      MemoryLimit?: boolean;
      PidsLimit?: boolean;
      SecurityOptions?: string[];
      Name?: string;
    };
    this.info = {
      cgroupDriver: info.CgroupDriver ?? 'cgroupfs',
      cgroupVersion: info.CgroupVersion ?? '1',
      seccomp: (info.SecurityOptions ?? []).some((o) => o.includes('name=seccomp')),
    };
    if (info.OSType !== 'linux') return { ok: false, message: `the Docker daemon runs ${info.OSType} containers; sandboxes need linux` };
    if (info.MemoryLimit === false || info.PidsLimit === false) {
      return { ok: false, message: 'the Docker daemon cannot limit memory or processes here (cgroup controllers missing)' };
    }
    if (!this.info.seccomp) return { ok: false, message: 'the Docker daemon runs without seccomp; sandboxes need it' };
    if (info.Name && info.Name !== hostname()) {
      return {
        ok: false,
        message: `the Docker daemon runs on ${info.Name}, not on this machine (${hostname()}): the Docker driver needs the daemon here`,
      };
    }
    if (this.memoryCap < this.limits.memoryBytes) {
      return {
        ok: false,
        message: `this host has ${Math.round(totalmem() / 2 ** 20)} MB of memory: after the ${Math.round((this.opts.memoryReserveBytes ?? 0) / 2 ** 20)} MB kept for the host (DRILLBOOK_MEMORY_RESERVE) there is no room for one sandbox of ${Math.round(this.limits.memoryBytes / 2 ** 20)} MB (DRILLBOOK_SANDBOX_MEMORY).`,
      };
    }
    return { ok: true };
  }

  async prepare(log: (line: string) => void = () => {}): Promise<void> {
    this.log = log;
    for (const line of this.pending.splice(0)) log(line);
    if (!this.conn) {
      const pre = await this.preflight();
      if (!pre.ok) throw new Error(pre.message);
    }
    mkdirSync(this.opts.stateDir, { recursive: true });
    if (!this.image) this.image = await ensureImage(this.conn!.docker, this.opts.stateDir, log);
    this.setUpCgroups();
    if (!this.events) await this.followEvents();
  }

  /** drillbook/<instance>/<owner> with the memory cap, and the watchdog, when containers can go below them. */
  private setUpCgroups(): void {
    if (this.watchdog || this.cg.mode === 'rlimit') return;
    const driverMatches = this.info?.cgroupDriver === 'cgroupfs' && this.limitMode === this.cg.mode;
    if (!driverMatches) return;
    this.recordOwner();
    this.cg.cap(this.opts.instance, this.memoryCap);
    this.cg.cap(this.ownerGroup, this.memoryCap);
    this.cgroupParents = true;
    this.watchdog = startWatchdog([WATCHDOG, ...this.hierarchyDirs(this.ownerGroup)]);
  }

  /** A group's directory in every cgroup hierarchy: the daemon makes the containers' in all of them, not only memory, pids and cpu. */
  private hierarchyDirs(name: string): string[] {
    const root = this.opts.cgroupRoot ?? '/sys/fs/cgroup';
    if (this.cg.mode === 'cgroup-v2') return [join(root, 'drillbook', name)];
    let hierarchies: string[] = [];
    try {
      hierarchies = readdirSync(root).filter((h) => existsSync(join(root, h, 'cgroup.procs')));
    } catch {
      // No cgroups here.
    }
    return hierarchies.map((h) => join(root, h, 'drillbook', name));
  }

  /** Removes a group in every hierarchy (deepest first); false while one is still busy. */
  private removeGroup(name: string): boolean {
    let all = true;
    const rm = (dir: string): boolean => {
      let ok = true;
      let entries: string[] = [];
      try {
        entries = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        return true;
      }
      for (const e of entries) ok = rm(join(dir, e)) && ok;
      try {
        rmdirSync(dir);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT' && ok;
      }
      return ok;
    };
    for (const d of this.hierarchyDirs(name)) all = rm(d) && all;
    return all;
  }

  private groupPids(name: string): number[] {
    const out = new Set<number>();
    const walk = (dir: string) => {
      try {
        for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) out.add(Number(p));
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
      } catch {
        // Gone.
      }
    };
    for (const d of this.hierarchyDirs(name)) walk(d);
    return [...out];
  }

  private recordOwner(): void {
    if (this.ownerRecorded) return;
    const dir = join(this.opts.stateDir, 'owners');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, this.owner), `${process.pid}\n`, { mode: 0o600 });
    this.ownerRecorded = true;
  }

  /** OOM kills, from the daemon's events, for this state dir's containers. */
  private async followEvents(): Promise<void> {
    const stream = (await this.conn!.docker.getEvents({
      filters: { type: ['container'], event: ['oom'], label: [`${LABEL.instance}=${this.opts.instance}`] },
    })) as unknown as Duplex;
    this.events = stream;
    stream.on('error', () => {});
    // It runs as long as the driver, but does not keep the process alive by itself (as bwrap's watchdog pipe does not).
    (stream as unknown as { socket?: { unref(): void } }).socket?.unref();
    jsonLines<{ Action?: string; id?: string; Actor?: { ID?: string } }>(stream, (e) => {
      const id = e.Actor?.ID ?? e.id;
      if (e.Action === 'oom' && id) this.sandboxes.get(id)?.noteOom();
    });
  }

  /** Owners whose process is gone (or unrecorded): their containers and groups are leftovers. */
  private ownerAlive(owner: string): boolean {
    if (owner === this.owner) return true;
    try {
      const pid = Number(readFileSync(join(this.opts.stateDir, 'owners', owner), 'utf8').trim());
      return pid > 0 && alive(pid);
    } catch {
      return false;
    }
  }

  async cleanupLeftovers(): Promise<number> {
    if (!this.conn) {
      const found = await this.daemon.find();
      if (!('docker' in found)) return 0;
      this.conn = found;
    }
    let cleaned = 0;
    const left = await this.conn.docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${this.opts.instance}`] } });
    for (const c of left) {
      if (this.ownerAlive(c.Labels[LABEL.owner] ?? '')) continue;
      await this.conn.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
      cleaned++;
    }
    // cgroups of dead owners (this driver's or bwrap's): emptied and removed in every hierarchy.
    if (this.cg.mode !== 'rlimit') {
      for (const owner of this.cg.children(this.opts.instance)) {
        if (owner.startsWith('probe-') || this.ownerAlive(owner)) continue;
        const group = `${this.opts.instance}/${owner}`;
        await waitFor(() => {
          for (const p of this.groupPids(group)) kill(p);
          return this.groupPids(group).length === 0;
        }, 5_000);
        await waitFor(() => this.removeGroup(group), 5_000);
        rmSync(join(this.opts.stateDir, 'owners', owner), { force: true });
      }
    }
    return cleaned;
  }

  async create(): Promise<SandboxHandle> {
    if (!this.image || !this.conn) await this.prepare(this.log);
    const n = ++this.seq;
    const group = `${this.ownerGroup}/sb-${n}`;
    const spec: SandboxContainerSpec = {
      image: this.image!.ref,
      name: `drillbook-${this.opts.instance}-${this.owner}-${n}`,
      instance: this.opts.instance,
      owner: this.owner,
      limits: this.limits,
      areas: {
        '/var': { bytes: this.limits.diskBytes, inodes: VAR_INODES },
        '/tmp': { bytes: TMP_BYTES, inodes: TMP_INODES },
        '/run': { bytes: TMP_BYTES, inodes: TMP_INODES },
        '/dev/shm': { bytes: TMP_BYTES, inodes: TMP_INODES },
      },
      cgroupParent: this.cgroupParents ? `/drillbook/${group}` : undefined,
      oomScoreAdj: SANDBOX_OOM_SCORE_ADJ,
      env: sandboxEnv(),
      cmd: INIT_CMD,
    };
    this.recordOwner();
    const sb: DockerSandbox = new DockerSandbox(`sb-${this.opts.instance}-${n}`, {
      docker: this.conn!.docker,
      spec,
      tuneMounts: TUNE_MOUNTS,
      binds: BACKUP_ROOTS.map((d) => `bind:/var${d}:${d}`),
      welcome: SANDBOX_TEXTS.welcome(this.limits),
      register: (id) => this.sandboxes.set(id, sb),
      release: () => {
        if (sb.containerId) this.sandboxes.delete(sb.containerId);
        if (this.cgroupParents) void waitFor(() => this.removeGroup(group), 5_000);
      },
    });
    try {
      await sb.start(this.opts.startTimeoutMs);
    } catch (e) {
      await sb.destroy();
      throw e;
    }
    return sb;
  }

  /** The smallest start with the same isolation: a container of the image running /bin/true (bench sandbox's baseline). */
  async emptyStart(): Promise<void> {
    if (!this.image || !this.conn) await this.prepare(this.log);
    const c = await this.conn!.docker.createContainer({
      Image: this.image!.ref,
      User: '1000:1000',
      Cmd: ['/bin/true'],
      Labels: { [LABEL.instance]: this.opts.instance, [LABEL.owner]: this.owner },
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        AutoRemove: true,
      },
    });
    const done = c.wait({ condition: 'removed' }).catch(() => {});
    await c.start();
    await done;
  }

  async close(): Promise<void> {
    this.events?.destroy();
    this.events = undefined;
    this.watchdog?.stdin?.end();
    this.watchdog = undefined;
    if (this.cgroupParents) await waitFor(() => this.removeGroup(this.ownerGroup), 2_000);
    this.cgroupParents = false;
    if (this.ownerRecorded) rmSync(join(this.opts.stateDir, 'owners', this.owner), { force: true });
    this.ownerRecorded = false;
    if (this.daemon.owned) this.log('stopping the private Docker daemon this process started');
    await this.daemon.stop();
    this.conn = undefined;
    this.image = undefined;
  }
}
