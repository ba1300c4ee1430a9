/**
 * Which Docker daemon the driver talks to, through the Engine API (dockerode):
 *
 * 1. DOCKER_HOST when set (a unix:// socket: the driver works on the
 *    daemon's machine, see driver.ts);
 * 2. else the default socket, /var/run/docker.sock, when a daemon answers there;
 * 3. else a private daemon of this state dir (STATE_DIR/docker/docker.sock)
 *    that another Drillbook process started and still runs;
 * 4. else it starts one: Debian's docker.io installed when missing, then
 *    host/docker-daemon (no bridge, no iptables, its data in the state dir),
 *    which stops with the process that started it (stop(), or when that
 *    process dies).
 *
 * An existing daemon is only used: its configuration is never changed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { inspect } from 'node:util';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import Docker from 'dockerode';
import { startWatchdog } from '../spawn.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePackages } from './apt.ts';
import { within } from './streams.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DOCKER_DAEMON = resolve(HERE, '../host/docker-daemon');
export const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface Connection {
  docker: Docker;
  socket: string;
  /** Where it came from, for the start-up log. */
  origin: string;
}

/**
 * The HTTP agent of the Docker client, shown by util.inspect as its name only.
 *
 * Why: docker-modem (5.0.7, the latest) formats every request's options with
 * `util.inspect(options, { showHidden: true, depth: null })` for a debug line,
 * whether or not debugging is on, and the options hold the agent, through
 * which every open connection is reachable (each sandbox's stats stream, each
 * running exec's output). With 40 sandboxes open that formatting took seconds
 * of this process's one thread per request and held up every learner's
 * keystrokes (echo p95 2.0 s, p99 3.2 s in `bench sandbox --driver docker`;
 * a CPU profile put 57 % of the server's time in util.inspect under
 * Modem.buildRequest).
 */
export class DockerAgent extends Agent {
  [inspect.custom](): string {
    return 'DockerAgent';
  }
}

/**
 * A client of the daemon at `socket`. No keep-alive: Node's default agent keeps
 * idle connections open for seconds, which would keep a command (labs verify,
 * record) running after its work is done.
 */
export function client(socket: string): Docker {
  return new Docker({ socketPath: socket, timeout: 0, agent: new DockerAgent({ keepAlive: false }) } as Docker.DockerOptions);
}

async function answers(socket: string): Promise<Docker | null> {
  if (!existsSync(socket)) return null;
  const docker = client(socket);
  try {
    return (await within(docker.ping(), 3_000, null)) === null ? null : docker;
  } catch {
    return null;
  }
}

export class DockerDaemon {
  private readonly dir: string;
  private readonly instance: string;
  private helper: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private conn: Connection | undefined;

  constructor(stateDir: string, instance: string) {
    this.dir = join(stateDir, 'docker');
    this.instance = instance;
  }

  /** The private daemon's socket (whether or not it runs). */
  get privateSocket(): string {
    return join(this.dir, 'docker.sock');
  }

  /** Whether this process started the daemon it uses (and stops it in stop()). */
  get owned(): boolean {
    return this.helper !== undefined;
  }

  /** A daemon that answers, without starting one; null with the reason when there is none. */
  async find(): Promise<Connection | { none: string }> {
    if (this.conn) return this.conn;
    const host = process.env['DOCKER_HOST'];
    if (host) {
      if (!host.startsWith('unix://')) {
        return { none: `DOCKER_HOST is ${host}: the Docker driver needs the daemon on this machine, through its unix:// socket` };
      }
      const socket = host.slice('unix://'.length);
      const docker = await answers(socket);
      return docker
        ? (this.conn = { docker, socket, origin: `DOCKER_HOST (${socket})` })
        : { none: `no Docker daemon answers at DOCKER_HOST ${host}` };
    }
    for (const [socket, origin] of [
      [DEFAULT_SOCKET, `the default socket ${DEFAULT_SOCKET}`],
      [this.privateSocket, `a private daemon of this state dir (${this.privateSocket}) started by another Drillbook process`],
    ] as const) {
      const docker = await answers(socket);
      if (docker) return (this.conn = { docker, socket, origin });
    }
    return { none: `no Docker daemon answers at ${DEFAULT_SOCKET} or ${this.privateSocket}` };
  }

  /** A daemon that answers: found, or a private one started now (see the top of this file). */
  async connect(log: (line: string) => void): Promise<Connection> {
    const found = await this.find();
    if ('docker' in found) return found;
    if (process.env['DOCKER_HOST']) throw new Error(found.none);
    if (process.getuid?.() !== 0) {
      throw new Error(`${found.none}; a private one can only be started as root (or set DOCKER_HOST to a daemon's unix:// socket)`);
    }
    if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) await ensurePackages(['docker.io'], log);
    mkdirSync(this.dir, { recursive: true, mode: 0o711 });
    log(
      `${found.none}: starting a private Docker daemon for Drillbook (socket ${this.privateSocket}, data in ${join(this.dir, 'data')}; no bridge or firewall rules), stopped when this process ends`,
    );
    const helper = startWatchdog([
      DOCKER_DAEMON,
      this.dir,
      // Its own containerd namespaces too, should it share a containerd with another daemon.
      '--containerd-namespace',
      `drillbook-${this.instance}`,
      '--containerd-plugins-namespace',
      `drillbook-${this.instance}-plugins`,
    ]);
    this.helper = helper;
    this.exited = new Promise((ok) => helper.on('exit', () => ok()));
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const docker = await answers(this.privateSocket);
      if (docker) return (this.conn = { docker, socket: this.privateSocket, origin: 'a private daemon started for this process' });
      if (helper.exitCode !== null) break;
      await sleep(200);
    }
    await this.stop();
    throw new Error(`the private Docker daemon did not start; see ${join(this.dir, 'dockerd.log')}`);
  }

  /** Stops the private daemon when this process started it (and waits until it is gone). */
  async stop(): Promise<void> {
    const helper = this.helper;
    this.helper = undefined;
    this.conn = undefined;
    if (!helper) return;
    helper.stdin?.end();
    await within(this.exited!, 45_000, undefined);
  }
}
