/**
 * Per-sandbox resource limits. Which mechanism is in force depends on the host:
 * - cgroup v2 (unified hierarchy with memory, pids and cpu controllers),
 * - cgroup v1 (writable memory, pids and cpu hierarchies, as on these machines),
 * - rlimits as the last resort (RLIMIT_NPROC per sandbox uid, RLIMIT_AS per process).
 * The disk limit is always the size of the sandbox's private /var (tmpfs).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Limits {
  memoryBytes: number;
  pids: number;
  /** CPU share in cores (1 = one full core). */
  cpus: number;
  diskBytes: number;
}

export type LimitMode = 'cgroup-v2' | 'cgroup-v1' | 'rlimit';

/** Counters that grow when a limit is hit. */
export interface LimitCounters {
  oomKills: number;
  pidsRefused: number;
}

/**
 * One cgroup mechanism. Group names are paths below `drillbook/`, e.g.
 * `<instance>/<owner>/sb-3`: a server's state dir has its instance, each
 * process using it an owner group, each sandbox a group of its own.
 */
export interface CgroupBackend {
  mode: LimitMode;
  /** One line for the start-up log: what is enforced and how. */
  describe(limits: Limits): string;
  /** Creates the cgroup(s) of one sandbox with its limits; returns the dirs a process must join. */
  create(name: string, limits: Limits): string[];
  /**
   * Creates a group that holds others (made when missing), caps the memory of all of them
   * together, and gives them together a quarter of the CPU weight of a process outside: under
   * contention the server's event loop (keystroke echo, every learner's terminal) runs first.
   */
  cap(name: string, memoryBytes: number): void;
  counters(name: string): LimitCounters;
  /** Memory the group uses now as its cgroup counts it (processes, tmpfs pages, kernel memory): what the limit enforces. */
  memory(name: string): number;
  /** Pids in the group and every group below it (for clean-up). */
  pids(name: string): number[];
  /** Removes the group (and empty groups below it); false while the kernel still holds one (exiting processes). */
  remove(name: string): boolean;
  /** The names of the groups directly below `name` (none when it does not exist). */
  children(name: string): string[];
  /** The directories of a group, one per hierarchy (for a process outside the server that cleans up). */
  dirs(name: string): string[];
  /** The group's memory cgroup directory and the cgroup version, to show a sandbox its own memory (none in rlimit mode). */
  memoryView(name: string): { dir: string; version: 1 | 2 } | undefined;
}

const GROUP = 'drillbook';
const CFS_PERIOD = 100_000;

function write(path: string, value: string): void {
  writeFileSync(path, value);
}

function readKeyed(path: string): Map<string, number> {
  const m = new Map<string, number>();
  if (!existsSync(path)) return m;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

function readNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Pids of a cgroup directory and every one below it. */
function readPidsDeep(dir: string): number[] {
  const out: number[] = [];
  const f = join(dir, 'cgroup.procs');
  if (existsSync(f)) {
    try {
      out.push(...readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      // Removed meanwhile.
    }
  }
  for (const d of subdirs(dir)) out.push(...readPidsDeep(join(dir, d)));
  return out;
}

/** rmdir of a tree of cgroups, deepest first; "already gone" is done, "busy" (processes still exiting) is not yet. */
function removeTree(dir: string): boolean {
  let all = true;
  for (const d of subdirs(dir)) all = removeTree(join(dir, d)) && all;
  try {
    rmdirSync(dir);
    return all;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' && all;
  }
}

class CgroupV1 implements CgroupBackend {
  mode = 'cgroup-v1' as const;
  private root: string;
  constructor(root: string) {
    this.root = root;
  }
  private dir(ctrl: string, name?: string): string {
    return name ? join(this.root, ctrl, GROUP, name) : join(this.root, ctrl, GROUP);
  }
  describe(l: Limits): string {
    return `cgroup v1: memory ${mb(l.memoryBytes)} MB, ${l.pids} processes, ${l.cpus} CPU; disk ${mb(l.diskBytes)} MB (tmpfs)`;
  }
  create(name: string, l: Limits): string[] {
    const mem = this.dir('memory', name);
    const pids = this.dir('pids', name);
    const cpu = this.dir('cpu', name);
    for (const d of [mem, pids, cpu]) mkdirSync(d, { recursive: true });
    write(join(mem, 'memory.limit_in_bytes'), String(l.memoryBytes));
    // No swap beyond the memory limit where the kernel accounts it.
    if (existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) write(join(mem, 'memory.memsw.limit_in_bytes'), String(l.memoryBytes));
    write(join(pids, 'pids.max'), String(l.pids));
    write(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD));
    write(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(CFS_PERIOD * l.cpus)));
    return [mem, pids, cpu];
  }
  cap(name: string, memoryBytes: number): void {
    for (const c of ['memory', 'pids', 'cpu']) mkdirSync(this.dir(c, name), { recursive: true });
    write(join(this.dir('memory', name), 'memory.limit_in_bytes'), String(memoryBytes));
    write(join(this.dir('cpu', name), 'cpu.shares'), '256');
  }
  counters(name: string): LimitCounters {
    return {
      oomKills: readKeyed(join(this.dir('memory', name), 'memory.oom_control')).get('oom_kill') ?? 0,
      pidsRefused: readKeyed(join(this.dir('pids', name), 'pids.events')).get('max') ?? 0,
    };
  }
  memory(name: string): number {
    return readNumber(join(this.dir('memory', name), 'memory.usage_in_bytes'));
  }
  pids(name: string): number[] {
    return [...new Set(['memory', 'pids', 'cpu'].flatMap((c) => readPidsDeep(this.dir(c, name))))];
  }
  remove(name: string): boolean {
    let all = true;
    for (const c of ['memory', 'pids', 'cpu']) all = removeTree(this.dir(c, name)) && all;
    return all;
  }
  children(name: string): string[] {
    return subdirs(this.dir('pids', name));
  }
  dirs(name: string): string[] {
    return ['memory', 'pids', 'cpu'].map((c) => this.dir(c, name));
  }
  memoryView(name: string) {
    return { dir: this.dir('memory', name), version: 1 as const };
  }
}

class CgroupV2 implements CgroupBackend {
  mode = 'cgroup-v2' as const;
  private root: string;
  constructor(root: string) {
    this.root = root;
  }
  private dir(name?: string): string {
    return name ? join(this.root, GROUP, name) : join(this.root, GROUP);
  }
  describe(l: Limits): string {
    return `cgroup v2: memory ${mb(l.memoryBytes)} MB, ${l.pids} processes, ${l.cpus} CPU; disk ${mb(l.diskBytes)} MB (tmpfs)`;
  }
  /** Makes memory, pids and cpu available to the sandbox groups: enabled in the root's and our group's subtree. */
  enable(): void {
    const parent = this.dir();
    mkdirSync(parent, { recursive: true });
    const rootHas = readFileSync(join(this.root, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    const missing = ['memory', 'pids', 'cpu'].filter((c) => !rootHas.includes(c));
    if (missing.length) write(join(this.root, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    write(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
  }
  /** Makes every group on the way to `name`, each passing the controllers down (they hold no processes themselves). */
  private makePath(name: string): string {
    let d = this.dir();
    const parts = name.split('/');
    parts.forEach((p, i) => {
      d = join(d, p);
      mkdirSync(d, { recursive: true });
      if (i < parts.length - 1) write(join(d, 'cgroup.subtree_control'), '+memory +pids +cpu');
    });
    return d;
  }
  create(name: string, l: Limits): string[] {
    const d = this.makePath(name);
    write(join(d, 'memory.max'), String(l.memoryBytes));
    write(join(d, 'memory.swap.max'), '0');
    write(join(d, 'pids.max'), String(l.pids));
    write(join(d, 'cpu.max'), `${Math.round(CFS_PERIOD * l.cpus)} ${CFS_PERIOD}`);
    return [d];
  }
  cap(name: string, memoryBytes: number): void {
    const d = this.makePath(name);
    write(join(d, 'cgroup.subtree_control'), '+memory +pids +cpu');
    write(join(d, 'memory.max'), String(memoryBytes));
    write(join(d, 'cpu.weight'), '25');
  }
  counters(name: string): LimitCounters {
    return {
      oomKills: readKeyed(join(this.dir(name), 'memory.events')).get('oom_kill') ?? 0,
      pidsRefused: readKeyed(join(this.dir(name), 'pids.events')).get('max') ?? 0,
    };
  }
  memory(name: string): number {
    return readNumber(join(this.dir(name), 'memory.current'));
  }
  pids(name: string): number[] {
    return readPidsDeep(this.dir(name));
  }
  remove(name: string): boolean {
    return removeTree(this.dir(name));
  }
  children(name: string): string[] {
    return subdirs(this.dir(name));
  }
  dirs(name: string): string[] {
    return [this.dir(name)];
  }
  memoryView(name: string) {
    return { dir: this.dir(name), version: 2 as const };
  }
}

class RlimitOnly implements CgroupBackend {
  mode = 'rlimit' as const;
  /** Why no cgroup mechanism could be used (said in the start-up log). */
  private why: string;
  /** RLIMIT_NPROC counts per host uid: it limits a sandbox only when it has a uid of its own (server run as root). */
  private perUid: boolean;
  constructor(why: string, perUid: boolean) {
    this.why = why;
    this.perUid = perUid;
  }
  describe(l: Limits): string {
    const procs = this.perUid ? `${l.pids} processes per sandbox uid` : 'no process limit (run as root for one uid per sandbox)';
    return `rlimits only (${this.why}): ${procs}, ${mb(l.memoryBytes)} MB address space per process; disk ${mb(l.diskBytes)} MB (tmpfs); no CPU limit`;
  }
  create(): string[] {
    return [];
  }
  cap(): void {}
  counters(): LimitCounters {
    return { oomKills: 0, pidsRefused: 0 };
  }
  memory(): number {
    return 0;
  }
  pids(): number[] {
    return [];
  }
  remove(): boolean {
    return true;
  }
  children(): string[] {
    return [];
  }
  dirs(): string[] {
    return [];
  }
  memoryView() {
    return undefined;
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/**
 * Picks the strongest mechanism the host offers, by trying it: a cgroup
 * hierarchy is used only when a probe group can be made, limited and removed
 * here. `root` is the cgroup mount point; a test can point it elsewhere.
 * `probe` names the probe group (below drillbook/, inside the caller's own
 * instance, so that it never touches another server's groups).
 */
export function detectCgroups(
  root = '/sys/fs/cgroup',
  perUidProcesses = process.getuid?.() === 0,
  probe = `probe-${process.pid}`,
): CgroupBackend {
  const reasons: string[] = [];
  const v2controllers = join(root, 'cgroup.controllers');
  if (existsSync(v2controllers)) {
    const have = readFileSync(v2controllers, 'utf8').split(/\s+/);
    const lacking = ['memory', 'pids', 'cpu'].filter((c) => !have.includes(c));
    if (lacking.length) reasons.push(`cgroup v2 lacks ${lacking.join(', ')}`);
    else {
      const v2 = new CgroupV2(root);
      const failed = trial(v2, () => v2.enable(), probe);
      if (!failed) return v2;
      reasons.push(`cgroup v2: ${failed}`);
    }
  } else if (['memory', 'pids', 'cpu'].every((c) => existsSync(join(root, c, 'cgroup.procs')))) {
    const v1 = new CgroupV1(root);
    const failed = trial(v1, () => {}, probe);
    if (!failed) return v1;
    reasons.push(`cgroup v1: ${failed}`);
  } else reasons.push(`no cgroup controllers at ${root}`);
  return new RlimitOnly(reasons.join('; '), perUidProcesses);
}

const PROBE: Limits = { memoryBytes: 64 * 2 ** 20, pids: 64, cpus: 1, diskBytes: 0 };

/** Creates and removes a probe group; the error text when the hierarchy is not usable. */
function trial(b: CgroupBackend, prepare: () => void, name: string): string | null {
  try {
    prepare();
    b.create(name, PROBE);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    try {
      b.remove(name);
    } catch {
      // Nothing was made.
    }
  }
}
