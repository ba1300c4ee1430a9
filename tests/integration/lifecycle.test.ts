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
import Docker from 'dockerode';
import { LABEL } from '../../src/sandbox/docker/spec.ts';
import { hostCgroups, INSTANCE, sandboxCgroups, skipReason, TEST_DRIVER, TEST_PORT_BASE, TEST_UID_BASE, testDriver } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping server lifecycle tests: ${reason}`);

const UID_BASE = TEST_UID_BASE + 200_000;
const isRoot = process.getuid?.() === 0;

/** Processes of sandboxes: owned by a sandbox uid (bwrap as root), or any bwrap/postgres/mariadbd (bwrap otherwise); in this state dir's cgroups (docker). */
function sandboxProcesses(uids: [number, number] = [UID_BASE - 1, UID_BASE + 100]): string[] {
  if (TEST_DRIVER === 'docker') return containerProcesses(hostCgroups().pids(INSTANCE));
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

/** The live (not zombie) processes among `pids`, as "pid name". */
function containerProcesses(pids: number[]): string[] {
  const out: string[] = [];
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^State:\s+Z/m.test(status)) out.push(`${pid} ${/^Name:\s+(.*)$/m.exec(status)?.[1] ?? ''}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function dockerClient(): Docker {
  const host = process.env['DOCKER_HOST'];
  return new Docker(host?.startsWith('unix://') ? { socketPath: host.slice(7) } : {});
}

/** Containers of this state dir on the daemon (docker); none for bwrap. */
async function containersLeft(): Promise<string[]> {
  if (TEST_DRIVER !== 'docker') return [];
  const list = await dockerClient().listContainers({ all: true, filters: { label: [`${LABEL.instance}=${INSTANCE}`] } });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.State}`);
}

/** A container labelled as a sandbox of `instance` made by `owner`, created and never started (as a killed server can leave one). */
async function labelledContainer(instance: string, owner: string): Promise<string> {
  const docker = dockerClient();
  const [image] = await docker.listImages({ filters: { reference: ['drillbook-sandbox'] } });
  const c = await docker.createContainer({
    Image: image!.Id,
    Cmd: ['/bin/true'],
    Labels: { [LABEL.sandbox]: '1', [LABEL.instance]: instance, [LABEL.owner]: owner },
    HostConfig: { NetworkMode: 'none' },
  });
  return c.id.slice(0, 12);
}

function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

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
    // Memory runs out: the kernel's OOM killer takes sandbox processes, never the server first.
    const oomScore = (pid: number | string) => Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
    // -900 where the server may lower it (CAP_SYS_RESOURCE); this machine's root lacks that capability, so 0 there.
    expect([-900, 0]).toContain(oomScore(server.pid!));
    const scores = sandboxProcesses().flatMap((p) => {
      try {
        return [oomScore(p.split(' ')[0]!)];
      } catch {
        return []; // gone meanwhile
      }
    });
    expect(Math.min(...scores)).toBeGreaterThan(oomScore(server.pid!));
    const exited = new Promise<number | null>((ok) => server!.on('exit', ok));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
    expect(sandboxCgroups()).toEqual([]);
    expect(await containersLeft()).toEqual([]);
  });

  it('a killed server takes its sandboxes and their cgroups with it at once', async () => {
    server = await startServer(TEST_PORT_BASE + 1);
    await openSandboxWithBackgroundWork(TEST_PORT_BASE + 1);
    expect(sandboxCgroups().length).toBeGreaterThan(0);
    server.kill('SIGKILL');
    await settle(() => sandboxProcesses().length === 0 && sandboxCgroups().length === 0);
    expect(sandboxProcesses()).toEqual([]);
    // Removed by the server's watchdog, outside the sandbox, not left for the next start.
    expect(sandboxCgroups()).toEqual([]);
    // Docker: the daemon closed each container's stdin (the server's attach connection) and init ended it.
    // A container the server had created but not yet started (a pool refill) holds no process, memory or
    // file: it stays as the daemon's record until the next start removes it (the test below).
    const running = async () => (await containersLeft()).filter((c) => !c.endsWith(' created'));
    const until = Date.now() + 10_000;
    while ((await running()).length && Date.now() < until) await new Promise((ok) => setTimeout(ok, 200));
    expect(await running()).toEqual([]);
  });

  it('when the watchdog died with the server, the next start removes what was left', async () => {
    server = await startServer(TEST_PORT_BASE + 2);
    await openSandboxWithBackgroundWork(TEST_PORT_BASE + 2);
    // This server's watchdog only (other checkouts may be testing on this host too).
    const serverPid = server.pid!;
    const watchdogs = readdirSync('/proc').filter(
      (e) => /^\d+$/.test(e) && parentOf(Number(e)) === serverPid && cmdlineOf(Number(e)).some((a) => a.endsWith('/host/watchdog')),
    );
    expect(watchdogs.length).toBe(1);
    const left = sandboxCgroups();
    expect(left.length).toBeGreaterThan(0);
    for (const w of watchdogs) process.kill(Number(w), 'SIGKILL');
    server.kill('SIGKILL');
    const leftContainers = (await containersLeft()).map((c) => c.split(' ')[0]);
    // Docker: the daemon also holds one this state dir's dead process left, and one of another state dir's.
    const dead = TEST_DRIVER === 'docker' ? await labelledContainer(INSTANCE, 'o000000000000') : '';
    const foreign = TEST_DRIVER === 'docker' ? await labelledContainer('ffffffff', 'o000000000000') : '';
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
    // Nobody removed them this time…
    expect(sandboxCgroups()).toEqual(expect.arrayContaining(left));
    // …until the next start (whose own warm sandbox has a group of its own).
    server = await startServer(TEST_PORT_BASE + 2);
    await settle(() => sandboxCgroups().every((g) => !left.includes(g)));
    expect(sandboxCgroups().filter((g) => left.includes(g))).toEqual([]);
    // …and, with Docker, whatever containers this state dir's dead processes left, and nobody else's.
    const still = (await containersLeft()).map((c) => c.split(' ')[0]);
    expect([...leftContainers, dead].filter((c) => still.includes(c))).toEqual([]);
    if (foreign) {
      expect((await dockerClient().getContainer(foreign).inspect()).Config.Labels[LABEL.instance]).toBe('ffffffff');
      await dockerClient().getContainer(foreign).remove({ force: true });
    }
    server.kill('SIGTERM');
  });

  it('a server killed while sandboxes are still starting leaves none of them running', async () => {
    server = await startServer(TEST_PORT_BASE + 3);
    const before = sandboxCgroups().length;
    // The request starts a sandbox; the kill lands as soon as its cgroup exists, before or while bwrap comes up.
    void fetch(`http://127.0.0.1:${TEST_PORT_BASE + 3}/api/sandbox`, { method: 'POST' }).catch(() => undefined);
    const until = Date.now() + 5_000;
    while (sandboxCgroups().length === before && Date.now() < until) await new Promise((ok) => setImmediate(ok));
    server.kill('SIGKILL');
    await settle(() => sandboxProcesses().length === 0);
    expect(sandboxProcesses()).toEqual([]);
  });

  it("a sandbox's init cannot be killed from inside; killed from outside (the OOM killer), the sandbox ends whole", async () => {
    const uidBase = UID_BASE + 50;
    const driver = testDriver({ uidBase });
    await driver.prepare();
    const sb = await driver.create();
    // bwrap: its host uid; docker: the processes in its cgroups (it is the only sandbox of this state dir now).
    const own = () => (TEST_DRIVER === 'docker' ? hostCgroups().pids(INSTANCE) : null);
    const ownProcesses = () => {
      const pids = own();
      return pids ? containerProcesses(pids) : sandboxProcesses([uidBase, uidBase + 1]);
    };
    expect(ownProcesses().length).toBeGreaterThan(4);
    const fromInside = await sb.exec(['/bin/bash', '-c', 'kill -s KILL 1; sleep 0.5; mysql -Nse "select 1"']);
    expect(fromInside.stdout.trim()).toBe('1');
    // The sandbox's pid 1, seen from the host: its NSpid ends in 1.
    const candidates = own()?.map(String) ?? readdirSync('/proc').filter((e) => /^\d+$/.test(e));
    const init = candidates.find((e) => {
      try {
        const st = readFileSync(`/proc/${e}/status`, 'utf8');
        const mine = TEST_DRIVER === 'docker' || Number(/^Uid:\s+(\d+)/m.exec(st)?.[1]) === uidBase;
        return mine && /^NSpid:\s+\d+\s+1$/m.test(st);
      } catch {
        return false;
      }
    });
    expect(init).toBeDefined();
    process.kill(Number(init), 'SIGKILL');
    await sb.ended;
    await settle(() => ownProcesses().length === 0 && sandboxCgroups().length === 0);
    expect(ownProcesses()).toEqual([]);
    expect(sandboxCgroups()).toEqual([]);
    await driver.close();
  });
});
