/**
 * The server process as `./drillbook up` runs it: nothing of a sandbox
 * (postgres, mariadbd, bash, cgroups) outlives a shutdown, and what a killed
 * server left behind is cleaned on the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BwrapDriver } from '../../src/sandbox/bwrap-driver.ts';
import { sandboxCgroups, skipReason, STATE_DIR, TEST_LIMITS, TEST_PORT_BASE, TEST_UID_BASE } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping server lifecycle tests: ${reason}`);

const UID_BASE = TEST_UID_BASE + 200_000;
const isRoot = process.getuid?.() === 0;

/** Processes of sandboxes: owned by a sandbox uid (as root), or any bwrap/postgres/mariadbd under our rootfs. */
function sandboxProcesses(uids: [number, number] = [UID_BASE - 1, UID_BASE + 100]): string[] {
  const out: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const status = readFileSync(`/proc/${e}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
      if (isRoot ? uid >= uids[0] && uid < uids[1] : ['bwrap', 'postgres', 'mariadbd'].includes(name)) {
        if (!/^State:\s+Z/m.test(status)) out.push(`${e} ${name}`);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The server's sandbox cgroups, as the driver's own backend sees them (cgroup v1 or v2; none with rlimits). */
const cgroupsOf = sandboxCgroups;

let server: ChildProcess | undefined;
afterEach(() => {
  server?.kill('SIGKILL');
});

/** A one-page site: the server needs something to serve, and dist/ may not be built yet. */
const site = mkdtempSync(join(tmpdir(), 'drillbook-lifecycle-'));
writeFileSync(join(site, 'index.html'), '<!doctype html><title>lifecycle</title>');

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--dir', site, '--port', String(port)], {
    env: { ...process.env, DRILLBOOK_POOL_SIZE: '1', DRILLBOOK_SANDBOX_UID_BASE: String(UID_BASE) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('Drillbook is up')) ok();
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}): ${log}`)));
  });
  return child;
}

async function openSandboxWithBackgroundWork(port: number): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${port}/api/sandbox`, { method: 'POST' });
  expect(r.status).toBe(200);
}

const settle = async (cond: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((ok) => setTimeout(ok, 100));
};

describe.skipIf(reason)('server lifecycle', () => {
  it('leaves no sandbox process or cgroup behind after SIGTERM', async () => {
    server = await startServer(TEST_PORT_BASE + 0);
    await openSandboxWithBackgroundWork(TEST_PORT_BASE + 0);
    expect(sandboxProcesses().length).toBeGreaterThan(4);
    const pid = server.pid!;
    const exited = new Promise<number | null>((ok) => server!.on('exit', ok));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
    expect(cgroupsOf(pid)).toEqual([]);
  });

  it('a killed server takes its sandboxes with it, and the next start removes its cgroups', async () => {
    server = await startServer(TEST_PORT_BASE + 1);
    await openSandboxWithBackgroundWork(TEST_PORT_BASE + 1);
    const pid = server.pid!;
    server.kill('SIGKILL');
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
    server = await startServer(TEST_PORT_BASE + 2);
    await settle(() => cgroupsOf(pid).length === 0);
    expect(cgroupsOf(pid)).toEqual([]);
    server.kill('SIGTERM');
  });

  it('a server killed while sandboxes are still starting leaves none of them running', async () => {
    server = await startServer(TEST_PORT_BASE + 3);
    const pid = server.pid!;
    const before = cgroupsOf(pid).length;
    // The request starts a sandbox; the kill lands as soon as its cgroup exists, before or while bwrap comes up.
    void fetch(`http://127.0.0.1:${TEST_PORT_BASE + 3}/api/sandbox`, { method: 'POST' }).catch(() => undefined);
    const until = Date.now() + 5_000;
    while (cgroupsOf(pid).length === before && Date.now() < until) await new Promise((ok) => setImmediate(ok));
    server.kill('SIGKILL');
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
  });

  it('a sandbox whose first process is killed from inside ends whole, servers included', async () => {
    const uidBase = UID_BASE + 50;
    const driver = new BwrapDriver({ limits: TEST_LIMITS, stateDir: STATE_DIR, uidBase, startTimeoutMs: 30_000 });
    const sb = await driver.create();
    const ownProcesses = () => sandboxProcesses([uidBase, uidBase + 1]);
    expect(ownProcesses().length).toBeGreaterThan(4);
    // SIGKILL leaves init no chance to clean up: what the servers leave behind is the driver's to end.
    await sb.exec(['/bin/bash', '-c', 'kill -s KILL "$(pgrep -o -x init)"']).catch(() => undefined);
    await sb.ended;
    await settle(() => ownProcesses().length === 0 && cgroupsOf(process.pid).length === 0);
    expect(ownProcesses()).toEqual([]);
    expect(cgroupsOf(process.pid)).toEqual([]);
  });
});
