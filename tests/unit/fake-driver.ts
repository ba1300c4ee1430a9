/**
 * A fake sandbox driver for unit tests of the manager and the HTTP/WS layer
 * (the seam between lifecycle logic and real processes). The real driver is
 * exercised by tests/integration with bwrap, PostgreSQL and MariaDB.
 */
import type { IPty } from 'node-pty';
import type { AreaUsage, SandboxDriver, SandboxHandle, SandboxUsage } from '../../src/sandbox/driver.ts';
import type { LimitCounters, Limits } from '../../src/sandbox/limits.ts';

export class FakePty {
  /** Each write as the manager passed it (a Buffer of typed bytes). */
  written: (string | Buffer)[] = [];
  size: [number, number];
  paused = false;
  killed = false;
  private dataCbs: ((d: Buffer) => void)[] = [];
  private exitCbs: ((e: { exitCode: number }) => void)[] = [];
  constructor(cols: number, rows: number) {
    this.size = [cols, rows];
  }
  onData(cb: (d: Buffer) => void) {
    this.dataCbs.push(cb);
    return { dispose() {} };
  }
  onExit(cb: (e: { exitCode: number }) => void) {
    this.exitCbs.push(cb);
    return { dispose() {} };
  }
  write(s: string | Buffer) {
    this.written.push(s);
    // Echo, like a terminal does.
    this.emit(String(s));
  }
  emit(s: string) {
    for (const cb of this.dataCbs) cb(Buffer.from(s));
  }
  exit(code: number) {
    for (const cb of this.exitCbs) cb({ exitCode: code });
  }
  resize(c: number, r: number) {
    this.size = [c, r];
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  kill() {
    this.killed = true;
  }
}

export class FakeHandle implements SandboxHandle {
  readonly createdAt = new Date();
  readonly ended: Promise<{ code: number | null }>;
  destroyed = false;
  ptys: FakePty[] = [];
  countersNow: LimitCounters = { oomKills: 0, pidsRefused: 0 };
  usageNow: SandboxUsage = { pssBytes: 0, cgroupBytes: 0, tmpfsBytes: 10, processes: 3, diskUsedBytes: 10, diskTotalBytes: 100 };
  private endIt!: (v: { code: number | null }) => void;
  readonly id: string;
  constructor(id: string) {
    this.id = id;
    this.ended = new Promise((ok) => (this.endIt = ok));
  }
  exec(): never {
    throw new Error('the fake driver runs no commands');
  }
  openShell(size: { cols: number; rows: number }): IPty {
    const p = new FakePty(size.cols, size.rows);
    this.ptys.push(p);
    return p as unknown as IPty;
  }
  usage() {
    return this.usageNow;
  }
  disk() {
    return { usedBytes: this.usageNow.diskUsedBytes, totalBytes: this.usageNow.diskTotalBytes };
  }
  /** Areas besides /var (whose numbers come from usageNow). */
  otherAreas: AreaUsage[] = [];
  areas(): AreaUsage[] {
    const u = this.usageNow;
    return [{ path: '/var', usedBytes: u.diskUsedBytes, totalBytes: u.diskTotalBytes, usedInodes: 0, totalInodes: 0 }, ...this.otherAreas];
  }
  counters() {
    return this.countersNow;
  }
  crash() {
    this.endIt({ code: 137 });
  }
  async destroy() {
    this.destroyed = true;
    this.endIt({ code: null });
  }
}

export class FakeDriver implements SandboxDriver {
  readonly name = 'fake';
  readonly limitMode = 'rlimit' as const;
  readonly limits: Limits = { memoryBytes: 512 * 2 ** 20, diskBytes: 256 * 2 ** 20, pids: 128, cpus: 1 };
  created: FakeHandle[] = [];
  /** When set, create() waits for it. */
  gate: Promise<void> | undefined;
  failNext: string | undefined;
  describe() {
    return 'fake';
  }
  async preflight() {
    return { ok: true };
  }
  async prepare() {}
  async emptyStart() {}
  async cleanupLeftovers() {
    return 0;
  }
  closed = false;
  async close() {
    this.closed = true;
  }
  async create(): Promise<FakeHandle> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = undefined;
      throw new Error(m);
    }
    const h = new FakeHandle(`fake-${this.created.length + 1}`);
    this.created.push(h);
    return h;
  }
}
