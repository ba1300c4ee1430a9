/**
 * Where learners' sandboxes are, when several servers serve one course
 * (docs/deploy.md): this server records each sandbox it hands out in the store
 * (`sandbox_hosts`, cluster.ts), and tells the proxy to keep the learner here
 * with the `drillbook_server` cookie (this server's DRILLBOOK_SERVER_ID). When
 * a learner asks a server that holds no sandbox for them while the store still
 * names one, that sandbox was lost with its server (killed, crashed, cut off):
 * they get a fresh one here, with a notice saying so. Results are never lost
 * that way: they are in the store, committed before they were acknowledged.
 */
import type { SandboxManager } from '../sandbox/manager.ts';
import type { SandboxHosts } from '../store/cluster.ts';

export const SERVER_COOKIE = 'drillbook_server';

export class Placement {
  /** Sandboxes this process ended: their rows are being removed, so they were not lost. */
  private releasedHere = new Set<string>();

  private hosts: SandboxHosts;
  private log: (line: string) => void;
  /** DRILLBOOK_LIFETIME: no sandbox outlives it, so an older row says nothing (a learner back the next day is not told). */
  private lifetimeMs: number;

  constructor(hosts: SandboxHosts, log: (line: string) => void = () => {}, lifetimeMs = Infinity) {
    this.hosts = hosts;
    this.log = log;
    this.lifetimeMs = lifetimeMs;
  }

  /** Removes rows past the sandbox lifetime (at start: a dead server's learners who never came back). */
  async purgeExpired(): Promise<void> {
    if (Number.isFinite(this.lifetimeMs)) await this.hosts.purgeBefore(new Date(Date.now() - this.lifetimeMs).toISOString());
  }

  get server(): string {
    return this.hosts.server;
  }

  /** Writes under way (a stop waits for them before the store closes). */
  private writes = new Set<Promise<void>>();

  private write(p: Promise<void>, what: string): void {
    const w = p.catch((e: unknown) => this.log(`placement: ${what}: ${String(e)}`)).finally(() => this.writes.delete(w));
    this.writes.add(w);
  }

  held(learner: string, sandbox: string): void {
    this.write(this.hosts.held(learner, sandbox), `sandbox ${sandbox} not recorded`);
  }

  released(learner: string, sandbox: string): void {
    if (this.releasedHere.size > 100_000) this.releasedHere.clear();
    this.releasedHere.add(sandbox);
    this.write(this.hosts.released(learner, sandbox), `sandbox ${sandbox} not unrecorded`);
  }

  /** Whether the learner's sandbox was lost with its server: the store names one and none runs here. */
  async lost(learner: string, manager: SandboxManager): Promise<boolean> {
    if (!learner || manager.info(learner)) return false;
    const row = await this.hosts.where(learner);
    if (!row || manager.info(learner)) return false;
    if (Date.now() - Date.parse(row.at) > this.lifetimeMs) return false;
    return !(row.server === this.server && this.releasedHere.has(row.sandbox));
  }

  /** Waits for the writes under way. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** A graceful stop: every sandbox here ended, none was lost. */
  async releaseAll(): Promise<void> {
    await this.flush();
    await this.hosts.releaseAll();
  }
}
