/**
 * The private Docker daemon the Docker driver starts when none answers
 * (src/sandbox/docker/daemon.ts: what `./drillbook up --driver docker` does
 * on a host without a Docker daemon; CI otherwise always points DOCKER_HOST
 * at a daemon of its own). Started by a real process of its own, as a server
 * would: it answers on the state dir's socket with no network of its own,
 * and when that process is killed (SIGKILL: no clean-up code runs) the
 * daemon stops too. Runs in the Docker driver's integration run, where
 * docker.io is installed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { client, DEFAULT_SOCKET } from '../../src/sandbox/docker/daemon.ts';
import { alive } from '../../src/sandbox/proc.ts';
import { TEST_DRIVER } from './harness.ts';

const DAEMON_MODULE = resolve('src/sandbox/docker/daemon.ts');

/** The starter: connects (starting the private daemon), prints what it got as one JSON line, then waits to be killed. */
const STARTER = `
import { DockerDaemon } from ${JSON.stringify(DAEMON_MODULE)};
const d = new DockerDaemon(process.argv[1], 'dtest' + process.pid);
const c = await d.connect((line) => process.stderr.write(line + '\\n'));
const networks = (await c.docker.listNetworks()).map((n) => n.Name).sort();
process.stdout.write(JSON.stringify({ socket: c.socket, origin: c.origin, networks }) + '\\n');
setInterval(() => {}, 60_000);
`;

async function answers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  return client(socket)
    .ping()
    .then(
      () => true,
      () => false,
    );
}

describe.runIf(TEST_DRIVER === 'docker')('the private Docker daemon', () => {
  const state = mkdtempSync(join(tmpdir(), 'drillbook-dockerd-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('starts when no daemon answers, has no network of its own, and stops when its starter is killed', async () => {
    // What this test is about: the path where nothing answers (a host with a system daemon takes the other path).
    expect(await answers(DEFAULT_SOCKET), `a Docker daemon answers at ${DEFAULT_SOCKET}: the driver would use it`).toBe(false);
    const env = { ...process.env };
    delete env['DOCKER_HOST'];
    const starter = spawn(process.execPath, ['--input-type=module', '-e', STARTER, state], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    starter.stderr.on('data', (b: Buffer) => (log += b.toString('utf8')));
    const line = await new Promise<string>((ok, fail) => {
      createInterface({ input: starter.stdout }).once('line', ok);
      starter.once('exit', (code) => fail(new Error(`the starter exited (${code}) before connecting:\n${log}`)));
    });
    const got = JSON.parse(line) as { socket: string; origin: string; networks: string[] };
    const socket = join(state, 'docker', 'docker.sock');
    expect(got).toEqual({ socket, origin: 'a private daemon started for this process', networks: ['host', 'none'] });
    expect(log).toContain(`starting a private Docker daemon for Drillbook (socket ${socket}`);
    expect(await answers(socket)).toBe(true);
    const dockerd = Number(readFileSync(join(state, 'docker', 'dockerd.pid'), 'utf8'));
    expect(alive(dockerd)).toBe(true);

    // Killed outright: the daemon notices its starter is gone and stops, with nothing left answering.
    starter.kill('SIGKILL');
    const until = Date.now() + 45_000;
    while (alive(dockerd) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 200));
    expect(alive(dockerd), `dockerd (pid ${dockerd}) still runs 45 s after its starter was killed`).toBe(false);
    expect(await answers(socket)).toBe(false);
  }, 120_000);
});
