/**
 * One running Docker sandbox: a container started until its servers are
 * ready, entered by execs (checks, the shell), watched through the daemon's
 * stats (memory, processes) and events (OOM kills), and removed.
 *
 * The container's stdin is the attach connection this process holds open and
 * never writes (StdinOnce): when this process ends, however, the daemon
 * closes it and the sandbox's init ends the sandbox, as bwrap's init does
 * when its pipe closes.
 */
import { readdirSync, readlinkSync, readFileSync, statfsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { IPty } from 'node-pty';
import type { AreaUsage, ExecOptions, SandboxHandle, SandboxUsage } from '../driver.ts';
import type { LimitCounters } from '../limits.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { kill, readPss } from '../proc.ts';
import { run, type RunResult } from '../spawn.ts';
import { sandboxEnv } from '../bwrap/argv.ts';
import { READY_LINE } from '../bwrap/sandbox.ts';
import { DockerPty } from './pty.ts';
import { containerSpec, EXEC_WORKDIR, execCmd, LEARNER, shellCmd, type SandboxContainerSpec } from './spec.ts';
import { Demuxer, jsonLines, within } from './streams.ts';

/** What a sandbox needs from its driver. */
export interface DockerSandboxParts {
  docker: Docker;
  spec: SandboxContainerSpec;
  /** Host helper that binds the backup roots inside (src/sandbox/host/tune-mounts). */
  tuneMounts: string;
  /** `bind:/var/srv:/srv`… for tune-mounts. */
  binds: string[];
  /** Printed when a terminal opens: what the sandbox is and its limits. */
  welcome: string;
  /** Called with the container's id once it exists (the driver routes the daemon's events by it). */
  register: (containerId: string) => void;
  /** Called once when the container is gone (the driver removes its cgroup parent, frees its name). */
  release: () => void;
}

/** How long an OOM event may trail the container's exit (the event stream and the wait answer race). */
const OOM_SETTLE_MS = 500;
/** Output kept per stream of an exec (as spawn.ts run()). */
const MAX_OUTPUT = 4 * 1024 * 1024;

interface StatsSample {
  memory_stats?: { usage?: number };
  pids_stats?: { current?: number; limit?: number };
}

export class DockerSandbox implements SandboxHandle {
  readonly createdAt = new Date();
  ended!: Promise<{ code: number | null }>;
  readonly id: string;
  private readonly parts: DockerSandboxParts;
  private container: Docker.Container | undefined;
  /** Host pid of the container's init (the daemon runs on this machine: see driver.ts). */
  private hostPid = 0;
  private attachStream: Duplex | undefined;
  private statsStream: NodeJS.ReadableStream | undefined;
  /** A shell opened ahead of the learner (see openShell). */
  private spare: DockerPty | undefined;
  private destroyed = false;
  private gone = false;
  private oomKills = 0;
  private pidsRefused = 0;
  private memoryBytes = 0;
  private processes = 0;
  private oomWaiters: (() => void)[] = [];

  constructor(id: string, parts: DockerSandboxParts) {
    this.id = id;
    this.parts = parts;
  }

  /** The daemon reported an OOM kill in this container (the driver's event stream). */
  noteOom(): void {
    this.oomKills++;
    for (const w of this.oomWaiters.splice(0)) w();
  }

  get containerId(): string | undefined {
    return this.container?.id;
  }

  /**
   * Creates and starts the container, and waits for its ready line. Then the
   * backup roots are bound to their folders in /var (they exist only once init
   * has made them) and the daemon's stats are followed.
   */
  async start(timeoutMs: number): Promise<void> {
    const { docker, spec } = this.parts;
    const container = await docker.createContainer(containerSpec(spec));
    this.container = container;
    this.parts.register(container.id);
    // Answered when the container is gone (AutoRemove), whatever ended it.
    const removed = container.wait({ condition: 'removed' }).then(
      (r: { StatusCode?: number }) => ({ code: r?.StatusCode ?? null }),
      () => ({ code: null as number | null }),
    );
    this.ended = removed.then(async (r) => {
      this.gone = true;
      // Killed by the kernel for memory: let the daemon's OOM event arrive before anyone asks.
      if (!this.destroyed && r.code === 137 && this.oomKills === 0) {
        await within(new Promise<void>((ok) => this.oomWaiters.push(ok)), OOM_SETTLE_MS, undefined);
      }
      this.finish();
      return r;
    });
    let stream: Duplex;
    try {
      stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      this.attachStream = stream;
      stream.on('error', () => {});
      await container.start();
    } catch (e) {
      await this.destroy();
      throw e;
    }
    await new Promise<void>((ok, fail) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        void this.destroy();
        fail(new Error(`the sandbox's servers did not come up within ${timeoutMs} ms. ${err.trim()}`));
      }, timeoutMs);
      const demuxer = new Demuxer(
        (b) => {
          out += b.toString('utf8');
          if (!out.includes(READY_LINE)) return;
          clearTimeout(timer);
          // Done listening: init sends nothing more; whatever reaches the connection is dropped unread.
          stream.off('data', onData);
          stream.on('data', () => {});
          this.afterReady().then(ok, (e: unknown) => {
            void this.destroy();
            fail(e instanceof Error ? e : new Error(String(e)));
          });
        },
        (b) => {
          err = (err + b.toString('utf8')).slice(-4000);
        },
      );
      const onData = (b: Buffer) => demuxer.push(b);
      stream.on('data', onData);
      void this.ended.then(({ code }) => {
        clearTimeout(timer);
        fail(new Error(`the sandbox ended while starting (exit ${code}): ${err.trim().split('\n').slice(-6).join(' | ')}`));
      });
    });
  }

  private async afterReady(): Promise<void> {
    const info = await this.container!.inspect();
    this.hostPid = info.State.Pid;
    // The driver reads areas and binds mounts through this machine's /proc: the daemon must run here.
    if (!this.hostPid || !readCgroup(this.hostPid).includes(info.Id)) {
      throw new Error(
        `the sandbox's first process (pid ${this.hostPid}) is not on this machine: the Docker driver needs the daemon to run here, with the Drillbook server as root`,
      );
    }
    const r = await run([this.parts.tuneMounts, String(this.hostPid), ...this.parts.binds], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`the sandbox's backup folders could not be bound: ${r.stderr.trim() || `exit ${r.code}`}`);
    this.followStats();
    // The learner's first shell is opened now, not when their terminal connects: an exec costs the
    // daemon a runc start (~30-60 ms here), which a pooled sandbox pays before anyone waits.
    this.spare = this.newShell({ cols: 80, rows: 24 });
  }

  /** Memory and processes from the daemon's stats stream (one sample a second); a sample at the process limit counts as a refusal. */
  private followStats(): void {
    this.container!.stats({ stream: true }).then(
      (s) => {
        if (this.gone) {
          (s as unknown as Duplex).destroy?.();
          return;
        }
        this.statsStream = s;
        (s as unknown as Duplex).on?.('error', () => {});
        jsonLines<StatsSample>(s, (sample) => {
          this.memoryBytes = sample.memory_stats?.usage ?? this.memoryBytes;
          const current = sample.pids_stats?.current ?? 0;
          const limit = sample.pids_stats?.limit ?? this.parts.spec.limits.pids;
          this.processes = current;
          if (limit > 0 && current >= limit) this.pidsRefused++;
        });
      },
      () => {},
    );
  }

  private env(extra: Record<string, string> = {}): string[] {
    return Object.entries(sandboxEnv(extra)).map(([k, v]) => `${k}=${v}`);
  }

  exec(command: string[], opts: ExecOptions = {}): Promise<RunResult> {
    if (this.destroyed || !this.container) return Promise.reject(new Error(`sandbox ${this.id} has ended`));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const container = this.container;
    return (async () => {
      const exec = await container.exec({
        Cmd: execCmd(command, timeoutMs),
        Env: this.env(opts.env),
        User: LEARNER,
        WorkingDir: EXEC_WORKDIR,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      const t0 = Date.now();
      const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      const demuxer = new Demuxer(
        (b) => {
          if (outLen < MAX_OUTPUT) out.push(b);
          outLen += b.length;
        },
        (b) => {
          if (errLen < MAX_OUTPUT) err.push(b);
          errLen += b.length;
        },
      );
      stream.on('data', (b: Buffer) => demuxer.push(b));
      stream.on('error', () => {});
      stream.end(opts.input ?? '');
      // The deadline is kept inside (timeout); this is the fallback should the daemon not answer.
      let abandoned = false;
      await new Promise<void>((ok) => {
        const fallback = setTimeout(() => {
          abandoned = true;
          stream.destroy();
          ok();
        }, timeoutMs + 5_000);
        stream.on('close', () => {
          clearTimeout(fallback);
          ok();
        });
      });
      let code: number | null = null;
      for (let i = 0; i < 40 && !abandoned; i++) {
        const info = await exec.inspect().catch(() => null);
        if (!info) break;
        if (!info.Running) {
          code = info.ExitCode ?? null;
          break;
        }
        await sleep(25);
      }
      const timedOut = abandoned || (code === 137 && Date.now() - t0 >= timeoutMs);
      return {
        code: timedOut ? null : code,
        signal: timedOut ? ('SIGKILL' as const) : null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      };
    })();
  }

  /**
   * The learner's shell: the one opened when the sandbox became ready (resized to `size`; what it
   * printed meanwhile goes to its first listener), or a new one for every later call.
   */
  openShell(size: { cols: number; rows: number }): IPty {
    if (this.destroyed || !this.container) throw new Error(`sandbox ${this.id} has ended`);
    const spare = this.spare;
    this.spare = undefined;
    if (spare && !spare.hasExited) {
      spare.resize(size.cols, size.rows);
      return spare;
    }
    spare?.kill();
    return this.newShell(size);
  }

  private newShell(size: { cols: number; rows: number }): DockerPty {
    return new DockerPty(this.container!, {
      cmd: shellCmd(),
      env: this.env({ DRILLBOOK_WELCOME: this.parts.welcome }),
      user: LEARNER,
      workingDir: EXEC_WORKDIR,
      cols: size.cols,
      rows: size.rows,
      kill: (pid) => kill(pid),
    });
  }

  /** Host pids of every process in the sandbox: those in its pid namespace (execs are not init's descendants). */
  private pids(): number[] {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${this.hostPid}/ns/pid`);
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        if (readlinkSync(`/proc/${e}/ns/pid`) === ns) out.push(Number(e));
      } catch {
        // Gone, or not ours to read.
      }
    }
    return out;
  }

  usage(): SandboxUsage {
    const pids = this.pids();
    let pss = 0;
    for (const pid of pids) pss += readPss(pid);
    const d = this.disk();
    return {
      pssBytes: pss,
      cgroupBytes: this.memoryBytes,
      tmpfsBytes: this.areas().reduce((n, a) => n + a.usedBytes, 0),
      processes: this.processes || pids.length,
      diskUsedBytes: d.usedBytes,
      diskTotalBytes: d.totalBytes,
    };
  }

  disk(): { usedBytes: number; totalBytes: number } {
    const v = this.areas().find((a) => a.path === '/var');
    return v ? { usedBytes: v.usedBytes, totalBytes: v.totalBytes } : { usedBytes: 0, totalBytes: 0 };
  }

  areas(): AreaUsage[] {
    const out: AreaUsage[] = [];
    if (!this.hostPid || this.gone) return out;
    for (const path of Object.keys(this.parts.spec.areas)) {
      try {
        const s = statfsSync(`/proc/${this.hostPid}/root${path}`);
        out.push({
          path,
          usedBytes: (s.blocks - s.bfree) * s.bsize,
          totalBytes: s.blocks * s.bsize,
          usedInodes: s.files - s.ffree,
          totalInodes: s.files,
        });
      } catch {
        // Gone or going.
      }
    }
    return out;
  }

  counters(): LimitCounters {
    return { oomKills: this.oomKills, pidsRefused: this.pidsRefused };
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return this.ended.then(() => {});
    this.destroyed = true;
    if (this.container && !this.gone) {
      await this.container.kill({ signal: 'SIGKILL' }).catch(() => {});
      // Created but never started (a failed start): AutoRemove does not apply.
      await this.container.remove({ force: true }).catch(() => {});
    }
    if (!this.container) {
      this.gone = true;
      this.ended = Promise.resolve({ code: null });
      this.finish();
      return;
    }
    await within(this.ended, 15_000, undefined);
    this.finish();
  }

  private finished = false;

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.gone = true;
    this.destroyed = true;
    (this.statsStream as unknown as Duplex | undefined)?.destroy?.();
    this.attachStream?.destroy();
    this.parts.release();
  }
}

function readCgroup(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return '';
  }
}
