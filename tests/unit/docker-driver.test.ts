/**
 * The Docker driver's pure parts: the container it asks for (every isolation
 * and limit field, as the bwrap argv is pinned flag by flag), the execs that
 * enter it, the Engine API's stream formats, the image's build context and
 * key, and the bounded keystroke writer of its terminals.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ETC_LEFT_OUT } from '../../src/sandbox/bwrap/files.ts';
import { seccompFilterBytes } from '../../src/sandbox/seccomp.ts';
import { baseKey, hashTree, stageContext } from '../../src/sandbox/docker/context.ts';
import { hostMirror, pruneArchives } from '../../src/sandbox/docker/image.ts';
import { inspect } from 'node:util';
import type Docker from 'dockerode';
import { client } from '../../src/sandbox/docker/daemon.ts';
import { DockerPty, StreamInput } from '../../src/sandbox/docker/pty.ts';
import { containerSpec, execCmd, LABEL, MASKED_PATHS, shellCmd, type SandboxContainerSpec } from '../../src/sandbox/docker/spec.ts';
import { Demuxer, jsonLines, within } from '../../src/sandbox/docker/streams.ts';

const SPEC: SandboxContainerSpec = {
  image: 'drillbook-sandbox:0123456789abcdef',
  name: 'drillbook-abcd1234-o1-7',
  instance: 'abcd1234',
  owner: 'o1',
  limits: { memoryBytes: 768 * 2 ** 20, diskBytes: 256 * 2 ** 20, pids: 256, cpus: 1.5 },
  areas: {
    '/var': { bytes: 256 * 2 ** 20, inodes: 100_000 },
    '/tmp': { bytes: 64 * 2 ** 20, inodes: 16_384 },
    '/run': { bytes: 64 * 2 ** 20, inodes: 16_384 },
    '/dev/shm': { bytes: 64 * 2 ** 20, inodes: 16_384 },
  },
  cgroupParent: '/drillbook/abcd1234/o1/sb-7',
  oomScoreAdj: 500,
  env: { PATH: '/usr/bin', HOME: '/home/learner' },
  cmd: ['/usr/bin/perl', '/opt/drillbook/libexec/confine', '/opt/drillbook/libexec/init'],
};

describe('the sandbox container', () => {
  const c = containerSpec(SPEC);
  const h = c.HostConfig!;

  it('runs as the learner, named and labelled as this state dir and process', () => {
    expect(c.User).toBe('1000:1000');
    expect(c.Hostname).toBe('sandbox');
    expect(c.Labels).toEqual({ [LABEL.sandbox]: '1', [LABEL.instance]: 'abcd1234', [LABEL.owner]: 'o1' });
    expect(c.Env).toEqual(['PATH=/usr/bin', 'HOME=/home/learner']);
    expect(c.Cmd).toEqual(SPEC.cmd);
  });

  it('ends with the server: stdin is the attach connection, closed once it goes', () => {
    expect(c).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true, Tty: false });
    expect(h.AutoRemove).toBe(true);
  });

  it('has only loopback, a read-only root, no capabilities and no new privileges, under the default seccomp profile', () => {
    expect(h.NetworkMode).toBe('none');
    // NetworkDisabled would leave /etc/hosts empty, and "localhost" unknown to the servers.
    expect(c).not.toHaveProperty('NetworkDisabled');
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd).toBeUndefined();
    expect(h.Privileged).toBeUndefined();
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.IpcMode).toBe('private');
  });

  it('takes memory (no swap), processes and CPU from the settings, below the state dir cgroup', () => {
    expect(h.Memory).toBe(768 * 2 ** 20);
    expect(h.MemorySwap).toBe(768 * 2 ** 20);
    expect(h.PidsLimit).toBe(256);
    expect(h.NanoCpus).toBe(1_500_000_000);
    expect(h.OomScoreAdj).toBe(500);
    expect(h.CgroupParent).toBe('/drillbook/abcd1234/o1/sb-7');
    expect(containerSpec({ ...SPEC, cgroupParent: undefined }).HostConfig).not.toHaveProperty('CgroupParent');
  });

  it('sizes every writable area and limits its files; /var (the disk) and /run belong to the learner', () => {
    expect(h.Tmpfs).toEqual({
      '/var': 'exec,size=268435456,nr_inodes=100000,mode=755,uid=1000,gid=1000',
      '/tmp': 'exec,size=67108864,nr_inodes=16384,mode=1777',
      '/run': 'exec,size=67108864,nr_inodes=16384,mode=755,uid=1000,gid=1000',
      '/dev/shm': 'exec,size=67108864,nr_inodes=16384,mode=1777',
    });
  });

  it("keeps Docker's masked paths and hides the kernel command line; shows no host resolver; keeps no output", () => {
    expect(h.MaskedPaths).toEqual(MASKED_PATHS);
    expect(MASKED_PATHS).toEqual(expect.arrayContaining(['/proc/kcore', '/proc/keys', '/sys/firmware', '/proc/cmdline']));
    expect(h.Dns).toEqual(['127.0.0.1']);
    expect(h.ExtraHosts).toEqual(['sandbox:127.0.0.1']);
    expect(h.LogConfig).toEqual({ Type: 'none', Config: {} });
  });
});

describe('execs into a sandbox', () => {
  it('checks run confined, in a process group killed at the deadline, without the learner’s bash files', () => {
    expect(execCmd(['psql', '-Atc', 'select 1'], 1_500)).toEqual([
      '/usr/bin/perl',
      '/opt/drillbook/libexec/confine',
      '/usr/bin/timeout',
      '--signal=KILL',
      '1.5s',
      '/bin/bash',
      '--norc',
      '--noprofile',
      '-c',
      'cd ~ && cat | "$@"',
      'sandbox-exec',
      'psql',
      '-Atc',
      'select 1',
    ]);
  });

  it('the shell is a confined login shell in the home directory', () => {
    expect(shellCmd()).toEqual(['/usr/bin/perl', '/opt/drillbook/libexec/confine', '/bin/bash', '-c', 'cd ~ && exec /bin/bash -l']);
  });
});

describe('Engine API streams', () => {
  const frame = (type: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it('splits stdout and stderr frames, across chunk boundaries', () => {
    const out: string[] = [];
    const err: string[] = [];
    const d = new Demuxer(
      (b) => out.push(b.toString()),
      (b) => err.push(b.toString()),
    );
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(out.join('')).toBe('hello world');
    expect(err.join('')).toBe('oops');
  });

  it('reads one JSON object per line, whatever the chunks, skipping what is not JSON', () => {
    const s = new PassThrough();
    const got: unknown[] = [];
    jsonLines(s, (v) => got.push(v));
    s.write('{"Action":"oom","Actor":{"ID":"ab');
    s.write('c"}}\nnot json\n{"a":');
    s.write('1}\n');
    expect(got).toEqual([{ Action: 'oom', Actor: { ID: 'abc' } }, { a: 1 }]);
  });

  it('within: the promise when it is in time, else the fallback', async () => {
    expect(await within(Promise.resolve(1), 1_000, 'late')).toBe(1);
    expect(await within(new Promise(() => {}), 10, 'late')).toBe('late');
  });
});

describe('the image build context', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'drillbook-context-')), 'ctx');
  stageContext(dir);

  it('holds the Dockerfile, both build scripts, the helpers with the seccomp filter, /etc and the layout lists', () => {
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toMatch(/^FROM \$\{BASE\}$/m);
    expect(readFileSync(join(dir, 'finish.sh'), 'utf8')).toContain('make-templates');
    expect(readFileSync(join(dir, 'packages.sh'), 'utf8')).toContain('postgresql-15');
    expect(readFileSync(join(dir, 'opt/drillbook/libexec/seccomp.bpf'))).toEqual(seccompFilterBytes());
    expect(readFileSync(join(dir, 'opt/drillbook/bin/systemctl'), 'utf8')).toContain('systemctl');
    expect(readFileSync(join(dir, 'etc/passwd'), 'utf8')).toContain('learner:x:1000:1000');
    expect(readFileSync(join(dir, 'etc-left-out'), 'utf8').trim().split('\n')).toEqual([...ETC_LEFT_OUT]);
    expect(readFileSync(join(dir, 'backup-roots'), 'utf8')).toBe('/srv\n/backup\n/backups\n/data\n/mnt\n');
  });

  it('is keyed by its contents: the same files give the same key, any change another', () => {
    const again = join(mkdtempSync(join(tmpdir(), 'drillbook-context-')), 'ctx');
    stageContext(again);
    expect(hashTree(again)).toBe(hashTree(dir));
    writeFileSync(join(again, 'opt/drillbook/bin/sudo'), '#!/bin/bash\necho changed\n', { mode: 0o755 });
    expect(hashTree(again)).not.toBe(hashTree(dir));
    expect(baseKey()).toMatch(/^[0-9a-f]{16}$/);
  });

  it("keeps one saved copy per stage: a new image's copy replaces the old one, never the base's", () => {
    const d = mkdtempSync(join(tmpdir(), 'drillbook-archives-'));
    for (const f of [
      'drillbook-sandbox-0000000000000001.tar',
      'drillbook-sandbox-0000000000000002.tar',
      'drillbook-sandbox-base-0000000000000003.tar',
      'notes.txt',
    ])
      writeFileSync(join(d, f), '');
    pruneArchives(d, 'drillbook-sandbox', 'drillbook-sandbox-0000000000000002.tar');
    expect(readdirSync(d).sort()).toEqual([
      'drillbook-sandbox-0000000000000002.tar',
      'drillbook-sandbox-base-0000000000000003.tar',
      'notes.txt',
    ]);
  });

  it('builds from the Debian mirror apt uses here', () => {
    const d = mkdtempSync(join(tmpdir(), 'drillbook-apt-'));
    writeFileSync(join(d, 'a.sources'), 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n');
    writeFileSync(join(d, 'b.list'), 'deb http://security.example/debian-security bookworm-security main\n');
    expect(hostMirror([join(d, 'b.list'), join(d, 'a.sources')])).toBe('http://mirror.example/debian');
    expect(hostMirror([join(d, 'missing.list')])).toBe('http://deb.debian.org/debian');
  });
});

describe("a container terminal's keystrokes", () => {
  it('are written while the connection takes them and counted while it pushes back, with nothing dropped', async () => {
    const sink = new PassThrough({ highWaterMark: 16 });
    const input = new StreamInput();
    input.write('typed before the connection opened');
    expect(input.backlog).toBe(34);
    input.attach(sink);
    for (let i = 0; i < 10; i++) input.write('0123456789');
    expect(input.backlog).toBeGreaterThan(0);
    let drained = false;
    input.onDrained(() => (drained = true));
    expect(drained).toBe(false);
    const received: Buffer[] = [];
    sink.on('data', (b: Buffer) => received.push(b));
    await new Promise((ok) => setTimeout(ok, 20));
    expect(drained).toBe(true);
    expect(input.backlog).toBe(0);
    expect(Buffer.concat(received).toString()).toBe('typed before the connection opened' + '0123456789'.repeat(10));
  });
});

/** A container whose one exec is `conn` (the hijacked connection): the seam DockerPty talks through. */
function fakeContainer(conn: PassThrough, calls: string[]): Docker.Container {
  const exec = {
    start: async () => conn,
    resize: async (size: { h: number; w: number }) => void calls.push(`resize ${size.w}x${size.h}`),
    inspect: async () => ({ Pid: 0, Running: false, ExitCode: 0 }),
  };
  return { exec: async () => exec } as unknown as Docker.Container;
}

describe('a container terminal opened ahead of its learner', () => {
  it('hands what the shell printed before anyone listened to its first listener, then the rest as it comes, and takes the size it is given', async () => {
    const conn = new PassThrough();
    const calls: string[] = [];
    const opts = { cmd: ['bash'], env: [], user: '1000', workingDir: '/', cols: 80, rows: 24, kill: () => {} };
    const pty = new DockerPty(fakeContainer(conn, calls), opts);
    await new Promise((ok) => setTimeout(ok, 10));
    conn.write('welcome\r\n');
    conn.write('learner@sandbox:~$ ');
    await new Promise((ok) => setTimeout(ok, 10));
    pty.resize(120, 30);
    const seen: string[] = [];
    pty.onData((d) => void seen.push(String(d)));
    expect(seen.join('')).toBe('welcome\r\nlearner@sandbox:~$ ');
    conn.write('s');
    await new Promise((ok) => setTimeout(ok, 10));
    expect(seen.join('')).toBe('welcome\r\nlearner@sandbox:~$ s');
    expect(calls).toEqual(['resize 80x24', 'resize 120x30']);
    pty.kill();
  });
});

describe('the Docker client', () => {
  it("shows its connection pool as a name only (docker-modem formats every request's options, pool included)", () => {
    const docker = client('/nonexistent.sock');
    const agent = (docker.modem as unknown as { agent: unknown }).agent;
    expect(inspect(agent, { showHidden: true, depth: null })).toBe('DockerAgent');
  });
});
