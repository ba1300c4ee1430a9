/**
 * Integration harness: a real Drillbook server (buildApp + SandboxManager +
 * a real driver with PostgreSQL and MariaDB) on a random port, and a
 * terminal client that speaks the WebSocket protocol as the browser does.
 *
 * The driver is DRILLBOOK_TEST_DRIVER's (bwrap, the default, or docker);
 * scripts/test-all.sh runs the whole suite once per driver. It is also set as
 * DRILLBOOK_DRIVER, so the servers and commands the tests start as processes
 * use it too.
 */
import { existsSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { createDriver, type DriverName } from '../../src/sandbox/create-driver.ts';
import type { SandboxDriver } from '../../src/sandbox/driver.ts';
import { detectCgroups, type CgroupBackend, type Limits, type LimitMode } from '../../src/sandbox/limits.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp, LEARNER_COOKIE } from '../../src/server/app.ts';
import { instanceOf, loadServerConfig } from '../../src/server/config.ts';
import type { SandboxInfo, ServerMessage } from '../../src/protocol/sandbox.ts';

/** The driver every test uses (DRILLBOOK_TEST_DRIVER: bwrap or docker). */
export const TEST_DRIVER: DriverName = (() => {
  const d = process.env['DRILLBOOK_TEST_DRIVER'] ?? 'bwrap';
  if (d !== 'bwrap' && d !== 'docker') throw new Error(`DRILLBOOK_TEST_DRIVER="${d}": give bwrap or docker`);
  return d;
})();
process.env['DRILLBOOK_DRIVER'] = TEST_DRIVER;

/** The state dir the server would use here (DRILLBOOK_STATE_DIR honoured, so two checkouts can test at once). */
export const STATE_DIR = loadServerConfig(process.env).stateDir;
/** Its instance name: sandbox cgroups of every test server live below drillbook/<instance>/. */
export const INSTANCE = instanceOf(STATE_DIR).instance;

/**
 * First host uid of the test sandboxes. DRILLBOOK_TEST_UID_BASE moves every
 * range the integration tests use (this harness, and +200000 for the server
 * processes of lifecycle.test.ts), so two checkouts testing at once never
 * share a sandbox uid.
 */
export const TEST_UID_BASE = Number(process.env['DRILLBOOK_TEST_UID_BASE'] ?? 1_100_000);

/** First port of the servers that integration tests start as processes (lifecycle.test.ts uses four). */
export const TEST_PORT_BASE = Number(process.env['DRILLBOOK_TEST_PORT_BASE'] ?? 4731);

/**
 * Why the integration tests cannot run here, or null when they can. With
 * DRILLBOOK_REQUIRE_SANDBOX=1 (set by ./drillbook test, which installs
 * everything they need) a reason is a failure, not a skip.
 */
export async function skipReason(): Promise<string | null> {
  const reason = await findSkipReason();
  if (reason && process.env['DRILLBOOK_REQUIRE_SANDBOX'] === '1') {
    throw new Error(`the sandbox integration tests cannot run: ${reason}`);
  }
  return reason;
}

async function findSkipReason(): Promise<string | null> {
  if (TEST_DRIVER === 'bwrap' && !existsSync('/usr/bin/bwrap')) return 'bubblewrap is not installed (./drillbook test installs it as root)';
  const driver = testDriver();
  const pre = await driver.preflight();
  if (TEST_DRIVER === 'docker') await driver.close();
  return pre.ok ? null : `${TEST_DRIVER}: ${pre.message ?? 'sandbox preflight failed'}`;
}

/** A driver of the tested kind on this state dir, not yet prepared. */
export function testDriver(opts: { limits?: Limits; uidBase?: number; hostEtc?: string } = {}): SandboxDriver {
  return createDriver(
    {
      limits: opts.limits ?? TEST_LIMITS,
      stateDir: STATE_DIR,
      instance: INSTANCE,
      uidBase: opts.uidBase ?? TEST_UID_BASE,
      startTimeoutMs: 30_000,
      hostEtc: opts.hostEtc,
    },
    TEST_DRIVER,
  );
}

/**
 * The limit mechanism a sandbox should get on this host: DRILLBOOK_EXPECT_LIMIT_MODE
 * when set (cgroup-v2, cgroup-v1 or rlimit), else what a root server finds: cgroup v2's
 * controllers file, or v1's memory, pids and cpu hierarchies, or neither. Tests assert it,
 * so a host that quietly falls back to rlimits does not pass the cgroup tests vacuously.
 */
export function expectedLimitMode(): LimitMode {
  const given = process.env['DRILLBOOK_EXPECT_LIMIT_MODE'];
  if (given) {
    if (given === 'cgroup-v2' || given === 'cgroup-v1' || given === 'rlimit') return given;
    throw new Error(`DRILLBOOK_EXPECT_LIMIT_MODE="${given}": give cgroup-v2, cgroup-v1 or rlimit`);
  }
  if (process.getuid?.() !== 0) return 'rlimit';
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'cgroup-v2';
  return ['memory', 'pids', 'cpu'].every((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`)) ? 'cgroup-v1' : 'rlimit';
}

let backend: CgroupBackend | undefined;
/** The cgroup backend the driver uses here (the same detection: src/sandbox/limits.ts), found once. */
export function hostCgroups(): CgroupBackend {
  backend ??= detectCgroups();
  return backend;
}

/** This state dir's sandbox cgroups (every owner's) as that backend sees them, `<instance>/<owner>/sb-N`; none with rlimits. */
export function sandboxCgroups(): string[] {
  const cg = hostCgroups();
  return cg.children(INSTANCE).flatMap((owner) =>
    cg
      .children(`${INSTANCE}/${owner}`)
      .filter((n) => n.startsWith('sb-'))
      .map((n) => `${INSTANCE}/${owner}/${n}`),
  );
}

export const TEST_LIMITS: Limits = { memoryBytes: 768 * 2 ** 20, diskBytes: 256 * 2 ** 20, pids: 256, cpus: 1 };

export interface TestServer {
  url: string;
  app: FastifyInstance;
  manager: SandboxManager;
  driver: SandboxDriver;
  close(): Promise<void>;
}

export async function startServer(
  opts: {
    limits?: Limits;
    poolSize?: number;
    maxSandboxes?: number;
    uidBase?: number;
    maxViewers?: number;
    maxPerIp?: number;
    unusedGraceMs?: number;
    startRatePerLearner?: number;
    startRatePerIp?: number;
  } = {},
): Promise<TestServer> {
  const driver = testDriver(opts);
  await driver.prepare();
  const manager = new SandboxManager(driver, {
    maxSandboxes: opts.maxSandboxes ?? 10,
    maxViewers: opts.maxViewers ?? 8,
    maxPerIp: opts.maxPerIp,
    unusedGraceMs: opts.unusedGraceMs,
    poolSize: opts.poolSize ?? 0,
    idleTimeoutMs: 10 * 60_000,
    lifetimeMs: 60 * 60_000,
    tickMs: 250,
  });
  manager.start();
  const app = await buildApp({
    // One test client starts many sandboxes in a minute: the start limits are off unless a test sets them.
    config: {
      siteDir: resolve('dist'),
      secret: 'integration-test-secret-0123456789',
      allowedOrigins: [],
      startRatePerLearner: opts.startRatePerLearner ?? 1000,
      startRatePerIp: opts.startRatePerIp ?? 1000,
    },
    manager,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    manager,
    driver,
    async close() {
      await app.close();
      await manager.shutdown();
      await driver.close();
    },
  };
}

/** A learner: a cookie jar and the sandbox API. */
export class Learner {
  cookie = '';
  readonly server: TestServer;
  constructor(server: TestServer) {
    this.server = server;
  }

  async api(method: string, path: string): Promise<{ status: number; body: unknown }> {
    const r = await fetch(`${this.server.url}${path}`, { method, headers: this.cookie ? { cookie: this.cookie } : {} });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }

  /** The learner id the server knows this learner by (the signed cookie's value). */
  id(): string {
    return decodeURIComponent(this.cookie.slice(this.cookie.indexOf('=') + 1)).replace(/\.[^.]*$/, '');
  }

  async open(): Promise<SandboxInfo> {
    const r = await this.api('POST', '/api/sandbox');
    if (r.status !== 200) throw new Error(`open sandbox: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as SandboxInfo;
  }

  async terminal(): Promise<Terminal> {
    const t = new Terminal(this.server.url.replace('http', 'ws') + '/api/sandbox/terminal?cols=160&rows=40', this.cookie);
    await t.ready;
    return t;
  }
}

let marker = 0;

/** The browser side of the terminal protocol, with a command runner for tests. */
export class Terminal {
  readonly ws: WebSocket;
  readonly ready: Promise<SandboxInfo>;
  output = '';
  messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];

  /** `origin`: the Origin a browser would send (default: the server's own); null sends none. */
  constructor(url: string, cookie: string, origin: string | null = url.replace(/^ws/, 'http').replace(/(\/\/[^/]+).*$/, '$1')) {
    const headers: Record<string, string> = { cookie };
    if (origin) headers['origin'] = origin;
    this.ws = new WebSocket(url, { headers });
    this.ready = new Promise((ok, fail) => {
      this.ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) this.output += data.toString('utf8');
        else {
          const msg = JSON.parse(data.toString('utf8')) as ServerMessage;
          this.messages.push(msg);
          if (msg.type === 'ready') ok(msg.sandbox);
          if (msg.type === 'error') fail(new Error(`${msg.name}: ${msg.message}`));
        }
        for (const w of this.waiters.splice(0)) w();
      });
      this.ws.on('error', fail);
      this.ws.on('close', () => {
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  control(msg: object): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Waits until `test` holds for the output or messages, or fails after `ms`. */
  async until(test: () => boolean, ms = 30_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output tail:\n${this.output.slice(-1500)}`);
      await new Promise<void>((ok) => {
        this.waiters.push(ok);
        setTimeout(ok, 200);
      });
    }
  }

  /**
   * Types `command` and Enter, as a learner would, and returns what the
   * terminal printed for it and the exit status. The output is what comes
   * between two markers the shell prints around the command; neither marker,
   * as the shell prints it, appears in the echo of the typed line (the echo
   * has `%s` and a space where the printed marker has the exit status or
   * nothing). Cutting after the last echo of the typed line, as this did
   * before, depends on how readline draws that line (it may draw it more than
   * once, with cursor movements that stripping leaves no newline for): it
   * once read an empty output in CI (Docker driver, two servers), not
   * reproduced in about 25 runs here.
   */
  async run(command: string, ms = 60_000): Promise<{ out: string; code: number }> {
    const id = `__done_${process.pid}_${++marker}`;
    const start = this.output.length;
    // Each marker goes on a line of its own even when the output does not end with a newline.
    this.type(`printf '\\n%s%s\\n' ${id} -begin; ${command}; printf '\\n${id}:%s\\n' "$?"\r`);
    const begin = new RegExp(`(?:^|\\n)${id}-begin\\n`);
    const end = new RegExp(`(?:^|\\n)${id}:(\\d+)`);
    const text = () => stripAnsi(this.output.slice(start)).replace(/\r/g, '');
    await this.until(() => end.test(text()), ms, `command: ${command}`);
    const body = text();
    const b = begin.exec(body);
    const m = end.exec(body)!;
    if (!b || b.index > m.index) throw new Error(`no start marker before the end of: ${command}; output tail:\n${body.slice(-1500)}`);
    return { out: body.slice(b.index + b[0].length, m.index), code: Number(m[1]) };
  }

  close(): void {
    this.ws.close();
  }
}

export function stripAnsi(s: string): string {
  return stripVTControlCharacters(s);
}

export { LEARNER_COOKIE };
