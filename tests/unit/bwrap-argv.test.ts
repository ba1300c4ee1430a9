import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bwrapArgv,
  cgroupArgv,
  dropPrivilegesArgv,
  enterArgv,
  rlimitArgv,
  sandboxEnv,
  type BwrapSpec,
} from '../../src/sandbox/bwrap-argv.ts';
import { madeByDeadProcess, SANDBOX_PACKAGES } from '../../src/sandbox/bwrap-driver.ts';

const spec: BwrapSpec = {
  rootfs: '/srv/drillbook/rootfs',
  templates: '/var/lib/drillbook/templates/abc',
  diskBytes: 512 * 2 ** 20,
  tmpBytes: 64 * 2 ** 20,
  env: { PATH: '/usr/bin', HOME: '/home/learner' },
  command: ['/opt/drillbook/libexec/init'],
};

/** The values following each occurrence of `flag`. */
function after(argv: string[], flag: string, n = 1): string[][] {
  const out: string[][] = [];
  argv.forEach((a, i) => {
    if (a === flag) out.push(argv.slice(i + 1, i + 1 + n));
  });
  return out;
}

describe('bwrapArgv', () => {
  const argv = bwrapArgv(spec);

  it('unshares user, network, pid, ipc and uts namespaces and maps the learner to uid 1000', () => {
    for (const f of [
      '--unshare-user',
      '--unshare-net',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--die-with-parent',
      '--new-session',
    ]) {
      expect(argv).toContain(f);
    }
    expect(after(argv, '--uid')).toEqual([['1000']]);
    expect(after(argv, '--gid')).toEqual([['1000']]);
    expect(argv).not.toContain('--share-net');
  });

  it('shows the system read-only and never the host root', () => {
    const binds = after(argv, '--bind', 2);
    expect(binds).toEqual([]);
    const ro = after(argv, '--ro-bind', 2);
    expect(ro).toContainEqual(['/usr', '/usr']);
    expect(ro).toContainEqual(['/etc', '/etc']);
    expect(ro).toContainEqual(['/srv/drillbook/rootfs', '/opt/drillbook']);
    expect(ro).toContainEqual(['/var/lib/drillbook/templates/abc', '/opt/templates']);
    expect(ro.map(([src]) => src)).not.toContain('/');
    expect(after(argv, '--tmpfs')).toContainEqual(['/usr/local']);
  });

  it('gives /var (server data and home) a size: the disk limit', () => {
    const i = argv.indexOf('/var', argv.indexOf('--tmpfs') - 1);
    expect(argv.slice(i - 3, i + 1)).toEqual(['--size', String(512 * 2 ** 20), '--tmpfs', '/var']);
    expect(argv.join(' ')).toContain(`--size ${64 * 2 ** 20} --tmpfs /tmp`);
  });

  it("keeps /home and /srv (the lessons' backup folder) inside the size-limited /var", () => {
    const links = after(argv, '--symlink', 2);
    expect(links).toContainEqual(['/var/home', '/home']);
    expect(links).toContainEqual(['/var/srv', '/srv']);
  });

  it('passes only the given environment and ends with the command', () => {
    expect(argv).toContain('--clearenv');
    expect(after(argv, '--setenv', 2)).toEqual([
      ['PATH', '/usr/bin'],
      ['HOME', '/home/learner'],
    ]);
    expect(argv.slice(-2)).toEqual(['--', '/opt/drillbook/libexec/init']);
  });

  it('binds the host folder at /var only while building templates', () => {
    const t = bwrapArgv({ ...spec, templates: undefined, varOnHost: '/tmp/tpl/var' });
    expect(after(t, '--bind', 2)).toEqual([['/tmp/tpl/var', '/var']]);
    expect(t.join(' ')).not.toContain('--tmpfs /var');
  });
});

describe('entering and wrapping', () => {
  it('enters every namespace of the sandbox as the learner', () => {
    expect(enterArgv(4242, ['bash'])).toEqual([
      'nsenter',
      '--target=4242',
      '--user',
      '--mount',
      '--net',
      '--pid',
      '--ipc',
      '--uts',
      '--setuid=1000',
      '--setgid=1000',
      '--root',
      '--wd',
      'bash',
    ]);
  });

  it('drops to the sandbox uid only when one is given', () => {
    expect(dropPrivilegesArgv({ uid: 1_000_007, gid: 1_000_007 }, ['bwrap'])).toEqual([
      'setpriv',
      '--reuid=1000007',
      '--regid=1000007',
      '--clear-groups',
      'bwrap',
    ]);
    expect(dropPrivilegesArgv({ uid: null, gid: null }, ['bwrap'])).toEqual(['bwrap']);
  });

  it('adds rlimits and cgroups only when in force', () => {
    expect(rlimitArgv({}, ['x'])).toEqual(['x']);
    expect(rlimitArgv({ nproc: 256, addressSpaceBytes: 1024 }, ['x'])).toEqual(['prlimit', '--nproc=256:256', '--as=1024:1024', '--', 'x']);
    expect(cgroupArgv('/cg-exec', [], ['x'])).toEqual(['x']);
    expect(cgroupArgv('/cg-exec', ['/sys/fs/cgroup/pids/drillbook/a'], ['x'])).toEqual([
      '/cg-exec',
      '/sys/fs/cgroup/pids/drillbook/a',
      '--',
      'x',
    ]);
  });

  it('starts processes with the sandbox PATH, Drillbook helpers first', () => {
    const env = sandboxEnv({ TERM: 'dumb' });
    expect(env['PATH']?.split(':')[0]).toBe('/opt/drillbook/bin');
    expect(env['PATH']).toContain('/usr/lib/postgresql/15/bin');
    expect(env['TERM']).toBe('dumb');
    expect(env['HOME']).toBe('/home/learner');
    expect(env['PGUSER']).toBe('postgres');
  });
});

describe('installation', () => {
  it('the launcher installs every Debian package sandbox mode checks for', () => {
    const launcher = readFileSync('drillbook', 'utf8');
    const line = /^APT_SANDBOX=\(([^)]*)\)/m.exec(launcher)?.[1] ?? '';
    const listed = line.split(/\s+/).filter(Boolean);
    for (const p of SANDBOX_PACKAGES) expect(listed).toContain(p);
  });
});

describe('state folder clean-up', () => {
  it('removes a half-made copy only when the process that made it is gone', () => {
    expect(madeByDeadProcess(`rootfs-abc.tmp-${process.pid}`)).toBe(false);
    // Pid 4194304 is above Linux's pid_max ceiling, so no process has it.
    expect(madeByDeadProcess('rootfs-abc.tmp-4194304')).toBe(true);
    expect(madeByDeadProcess('rootfs-abc')).toBe(false);
  });
});
