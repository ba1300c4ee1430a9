/**
 * One running bwrap sandbox: start (until its servers are ready), enter it
 * (shells, checks), read its usage and limit counters, and end it.
 */
import { statfsSync } from 'node:fs';
import type { IPty } from 'node-pty';
import type { ExecOptions, SandboxHandle, SandboxUsage } from '../driver.ts';
import type { CgroupBackend, LimitCounters } from '../limits.ts';
import { childrenOf, descendants, kill, readPss, waitFor } from '../proc.ts';
import { run, start, startPty, type RunResult } from '../spawn.ts';
import { enterArgv, launchArgv, rlimitArgv, sandboxEnv, tuneMountsArgv, type ProcessLimits } from './argv.ts';

export const READY_LINE = 'drillbook-sandbox-ready';

/** What a sandbox needs from its driver. */
export interface SandboxParts {
  /** cgroup name of the sandbox (below drillbook/). */
  group: string;
  cgDirs: string[];
  cg: CgroupBackend;
  plimits: ProcessLimits;
  /** Host helpers (src/sandbox/host). */
  launch: string;
  tuneMounts: string;
  /** Remount options for the tmpfs areas once the servers are up. */
  mounts: Record<string, { bytes: number; inodes: number }>;
  /** Printed when a terminal opens: what the sandbox is and its limits. */
  welcome: string;
  /** Called once when the sandbox is gone and its cgroups removed. */
  release: () => void;
}

/** The OOM-killer bias of every sandbox process: picked before the server (which biases itself the other way). */
export const SANDBOX_OOM_SCORE_ADJ = 500;

export class BwrapSandbox implements SandboxHandle {
  readonly createdAt = new Date();
  ended!: Promise<{ code: number | null }>;
  readonly id: string;
  /** Host pid of the outer bwrap process (our child). */
  private outerPid = 0;
  /** Host pid of the sandbox's pid 1, the target for entering it. */
  private innerPid = 0;
  private destroyed = false;
  private hasEnded = false;
  private finished = false;
  /** The limit counters as they were when the sandbox ended (its cgroups are gone after). */
  private lastCounters: LimitCounters | undefined;
  private parts: SandboxParts;

  constructor(id: string, parts: SandboxParts) {
    this.id = id;
    this.parts = parts;
  }

  /**
   * Runs `argv` (the launch-wrapped bwrap) and waits for the ready line. Then
   * the tmpfs areas get their inode limits, and the server stops reading the
   * sandbox's output: nothing a learner writes to it later can load the server.
   */
  start(argv: string[], timeoutMs: number): Promise<void> {
    const child = start(argv, { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' });
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
    const onErr = (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4000);
    };
    child.stderr?.on('data', onErr);
    return new Promise((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => {
        void this.destroy();
        fail(new Error(`the sandbox's servers did not come up within ${timeoutMs} ms. ${stderr.trim()}`));
      }, timeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString('utf8');
        if (!out.includes(READY_LINE)) return;
        clearTimeout(timer);
        // Done listening: init sends nothing more (it points its output at /dev/null), and
        // whatever else reaches these pipes is never read.
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onErr);
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.innerPid = childrenOf(this.outerPid)[0] ?? 0;
        if (!this.innerPid) {
          void this.destroy();
          fail(new Error('the sandbox started but its first process was not found'));
          return;
        }
        run(tuneMountsArgv(this.parts.tuneMounts, this.innerPid, this.parts.mounts), { timeoutMs: 10_000 }).then(
          (r) => {
            if (r.code === 0) return ok();
            void this.destroy();
            fail(new Error(`the sandbox's file areas could not be limited: ${r.stderr.trim() || `exit ${r.code}`}`));
          },
          (e: unknown) => {
            void this.destroy();
            fail(e instanceof Error ? e : new Error(String(e)));
          },
        );
      };
      child.stdout?.on('data', onData);
      void this.ended.then(({ code }) => {
        clearTimeout(timer);
        fail(new Error(`the sandbox ended while starting (exit ${code}): ${stderr.trim().split('\n').slice(-6).join(' | ')}`));
      });
    });
  }

  private enter(command: string[]): string[] {
    return launchArgv(
      this.parts.launch,
      { cgroups: this.parts.cgDirs, oomScoreAdj: SANDBOX_OOM_SCORE_ADJ },
      rlimitArgv(this.parts.plimits, enterArgv(this.innerPid, command)),
    );
  }

  /**
   * Bash reads ~/.bashrc even non-interactive when its stdin is a socket (as
   * Node's pipes are), so a learner's ~/.bashrc would run before every check:
   * this bash is told not to (--norc), and the command gets its input through a
   * real pipe (cat), so no bash it starts sees a socket either.
   */
  exec(command: string[], opts: ExecOptions = {}): Promise<RunResult> {
    if (this.destroyed) return Promise.reject(new Error(`sandbox ${this.id} has ended`));
    return run(this.enter(['/bin/bash', '--norc', '--noprofile', '-c', 'cd ~ && cat | "$@"', 'sandbox-exec', ...command]), {
      env: sandboxEnv(opts.env),
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
  }

  openShell(size: { cols: number; rows: number }): IPty {
    if (this.destroyed) throw new Error(`sandbox ${this.id} has ended`);
    // `cd ~` lands in /home/learner by its logical path (the tree lives under /var).
    return startPty(
      this.enter(['/bin/bash', '-c', 'cd ~ && exec /bin/bash -l']),
      sandboxEnv({ DRILLBOOK_WELCOME: this.parts.welcome }),
      size,
    );
  }

  usage(): SandboxUsage {
    const pids = descendants(this.outerPid);
    let pss = 0;
    for (const pid of pids) pss += readPss(pid);
    const d = this.disk();
    return {
      pssBytes: pss,
      cgroupBytes: this.parts.cg.memory(this.parts.group),
      tmpfsBytes: this.areas().reduce((n, a) => n + a.usedBytes, 0),
      processes: pids.length,
      diskUsedBytes: d.usedBytes,
      diskTotalBytes: d.totalBytes,
    };
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

  /** How full each size-limited area is, by bytes and by files (statfs: cheap enough to poll). */
  areas(): { path: string; usedBytes: number; totalBytes: number; usedInodes: number; totalInodes: number }[] {
    const out = [];
    for (const path of Object.keys(this.parts.mounts)) {
      try {
        const s = statfsSync(`/proc/${this.innerPid}/root${path}`);
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
    return this.lastCounters ?? this.parts.cg.counters(this.parts.group);
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
    const { cg, group } = this.parts;
    // Entered shells are in the pid namespace too and the kernel ends them with it; wait until the cgroups are empty.
    await waitFor(() => {
      for (const pid of cg.pids(group)) kill(pid);
      return cg.pids(group).length === 0;
    }, 5_000);
    this.lastCounters = cg.counters(group);
    // The kernel frees a cgroup once its last exited process has been reaped, a moment later.
    await waitFor(() => cg.remove(group), 5_000);
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.destroyed = true;
    this.lastCounters ??= this.parts.cg.counters(this.parts.group);
    this.parts.cg.remove(this.parts.group);
    this.parts.release();
  }
}
