/**
 * The sandbox contract. Every driver (bwrap; Docker for hosts without
 * bubblewrap) gives the same thing: an isolated machine with the
 * learner as uid 1000, PostgreSQL 15 on localhost:5432 and MariaDB on
 * localhost:3306, the course's tools on PATH, and limits on memory,
 * processes, CPU and disk.
 */
import type { IPty } from 'node-pty';
import type { LimitCounters, Limits, LimitMode } from './limits.ts';
import type { RunResult } from './spawn.ts';

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface AreaUsage {
  path: string;
  usedBytes: number;
  totalBytes: number;
  usedInodes: number;
  totalInodes: number;
}

export interface SandboxUsage {
  /** Proportional resident memory of every process in the sandbox, in bytes. */
  pssBytes: number;
  /** Memory charged to the sandbox's cgroup (processes, tmpfs data, kernel memory): what its limit counts; 0 without cgroups. */
  cgroupBytes: number;
  /** Bytes of files in its tmpfs areas (/var, /tmp, /run, /dev/shm). */
  tmpfsBytes: number;
  processes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
}

export interface SandboxHandle {
  readonly id: string;
  readonly createdAt: Date;
  /** Resolves when the sandbox has ended, for whatever reason. */
  readonly ended: Promise<{ code: number | null }>;
  /** Runs a command inside, as the learner, to completion. */
  exec(command: string[], opts?: ExecOptions): Promise<RunResult>;
  /** Starts an interactive login shell inside on a new pseudo-terminal. */
  openShell(size: { cols: number; rows: number }): IPty;
  /** Memory and processes (walks every process: for benchmarks and diagnostics, not for polling). */
  usage(): SandboxUsage;
  /** How full the sandbox's /var is (one statfs: cheap enough to poll). */
  disk(): { usedBytes: number; totalBytes: number };
  /** How full each size-limited area (/var, /tmp, /run, /dev/shm) is, in bytes and files (statfs each). */
  areas(): AreaUsage[];
  counters(): LimitCounters;
  /** Ends every process of the sandbox and frees what it held. Idempotent. */
  destroy(): Promise<void>;
}

export interface Preflight {
  ok: boolean;
  /** When not ok: what is missing and how to install it. */
  message?: string;
}

export interface SandboxDriver {
  readonly name: string;
  readonly limits: Limits;
  readonly limitMode: LimitMode;
  /** One line for the start-up log describing isolation and limits. */
  describe(): string;
  preflight(): Promise<Preflight>;
  /** One-time preparation (server data templates); cheap when already done. */
  prepare(log?: (line: string) => void): Promise<void>;
  /** Ends what an earlier run left behind; returns how many sandboxes were cleaned. */
  cleanupLeftovers(): Promise<number>;
  create(): Promise<SandboxHandle>;
  /** The smallest start with the same isolation and no servers: the cold-start baseline of `bench sandbox`. */
  emptyStart(): Promise<void>;
  /** Stops what the driver keeps running beside its sandboxes (after every sandbox has ended). */
  close(): Promise<void>;
}
