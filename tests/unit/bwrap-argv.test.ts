import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  argsFile,
  BACKUP_ROOTS,
  bwrapArgs,
  dropPrivilegesArgv,
  enterArgv,
  launchArgv,
  rlimitArgv,
  sandboxEnv,
  tuneMountsArgv,
  type BwrapSpec,
} from '../../src/sandbox/bwrap/argv.ts';
import { SANDBOX_PACKAGES } from '../../src/sandbox/bwrap/requirements.ts';
import { madeByDeadProcess } from '../../src/sandbox/proc.ts';

const spec: BwrapSpec = {
  rootfs: '/srv/drillbook/rootfs',
  etc: '/var/lib/drillbook/etc-abc',
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

describe('bwrapArgs', () => {
  const argv = bwrapArgs(spec);

  it('unshares user, network, pid, ipc and uts namespaces and maps the learner to uid 1000', () => {
    for (const f of [
      '--unshare-user',
      '--unshare-net',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--die-with-parent',
      '--new-session',
      '--disable-userns',
      '--as-pid-1',
    ]) {
      expect(argv).toContain(f);
    }
    expect(after(argv, '--uid')).toEqual([['1000']]);
    expect(after(argv, '--gid')).toEqual([['1000']]);
    expect(argv).not.toContain('--share-net');
  });

  it('shows the system read-only, a private /etc, never the host root, and remounts the root read-only last', () => {
    const binds = after(argv, '--bind', 2);
    expect(binds).toEqual([]);
    const ro = after(argv, '--ro-bind', 2);
    expect(ro).toContainEqual(['/usr', '/usr']);
    expect(ro).toContainEqual(['/var/lib/drillbook/etc-abc', '/etc']);
    expect(ro).not.toContainEqual(['/etc', '/etc']);
    expect(ro).toContainEqual(['/dev/null', '/proc/cmdline']);
    expect(ro).toContainEqual(['/srv/drillbook/rootfs', '/opt/drillbook']);
    expect(ro).toContainEqual(['/var/lib/drillbook/templates/abc', '/opt/templates']);
    expect(ro.map(([src]) => src)).not.toContain('/');
    expect(after(argv, '--tmpfs')).toContainEqual(['/usr/local']);
    expect(after(argv, '--remount-ro')).toEqual([['/usr/lib/postgresql'], ['/usr/local'], ['/dev'], ['/']]);
    expect(argv.lastIndexOf('--remount-ro')).toBeGreaterThan(argv.lastIndexOf('--tmpfs'));
  });

  it('every writable path a course uses lies in a size-limited area', () => {
    const dirs = after(argv, '--dir');
    for (const d of BACKUP_ROOTS) expect(dirs).toContainEqual([d]);
    expect(tuneMountsArgv('/tune', 1, {}).slice(2)).toEqual(BACKUP_ROOTS.map((d) => `bind:/var${d}:${d}`));
    // df in a sandbox lists them with /var (rootfs/bin/df keeps its own copy of the list).
    const df = /^areas=\((.*)\)$/m.exec(readFileSync(new URL('../../src/sandbox/rootfs/bin/df', import.meta.url), 'utf8'))?.[1];
    expect(df?.split(' ')).toEqual(['/var', ...BACKUP_ROOTS, '/tmp', '/run', '/dev/shm']);
    const links = after(argv, '--symlink', 2);
    expect(links).toContainEqual(['/var/local/bin', '/usr/local/bin']);
    for (const area of ['/tmp', '/run', '/dev/shm']) expect(argv.join(' ')).toContain(`--size ${64 * 2 ** 20} --tmpfs ${area}`);
  });

  it('gives /var (server data and home) a size: the disk limit', () => {
    const i = argv.indexOf('/var', argv.indexOf('--tmpfs') - 1);
    expect(argv.slice(i - 3, i + 1)).toEqual(['--size', String(512 * 2 ** 20), '--tmpfs', '/var']);
    expect(argv.join(' ')).toContain(`--size ${64 * 2 ** 20} --tmpfs /tmp`);
  });

  it('keeps /home inside the size-limited /var', () => {
    expect(after(argv, '--symlink', 2)).toContainEqual(['/var/home', '/home']);
  });

  it('passes only the given environment and ends with the command', () => {
    expect(argv).toContain('--clearenv');
    expect(after(argv, '--setenv', 2)).toEqual([
      ['PATH', '/usr/bin'],
      ['HOME', '/home/learner'],
    ]);
    expect(argv.slice(-4)).toEqual(['--', '/usr/bin/perl', '/opt/drillbook/libexec/confine', '/opt/drillbook/libexec/init']);
  });

  it('passes the options through a descriptor, so no host path shows in the command line', () => {
    const f = argsFile(argv);
    expect(f.argv).toEqual([
      'bwrap',
      '--args',
      '3',
      '--',
      '/usr/bin/perl',
      '/opt/drillbook/libexec/confine',
      '/opt/drillbook/libexec/init',
    ]);
    expect(f.content.toString('utf8').split('\0').slice(0, -1)).toEqual(argv.slice(0, argv.indexOf('--')));
    expect(f.argv.join(' ')).not.toContain('/var/lib/drillbook');
  });

  it('binds the host folder at /var only while building templates', () => {
    const t = bwrapArgs({ ...spec, templates: undefined, varOnHost: '/tmp/tpl/var' });
    expect(after(t, '--bind', 2)).toEqual([['/tmp/tpl/var', '/var']]);
    expect(t.join(' ')).not.toContain('--tmpfs /var');
  });
});

describe('entering and wrapping', () => {
  it('enters every namespace of the sandbox as the learner, confined', () => {
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
      '/usr/bin/perl',
      '/opt/drillbook/libexec/confine',
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

  it('adds rlimits only when in force; always starts through the launch helper', () => {
    expect(rlimitArgv({}, ['x'])).toEqual(['x']);
    expect(rlimitArgv({ nproc: 256, addressSpaceBytes: 1024 }, ['x'])).toEqual(['prlimit', '--nproc=256:256', '--as=1024:1024', '--', 'x']);
    expect(launchArgv('/launch', { cgroups: [] }, ['x'])).toEqual(['/launch', '--', 'x']);
    expect(launchArgv('/launch', { cgroups: ['/sys/fs/cgroup/pids/drillbook/a'], oomScoreAdj: 500, fd3: '/s/args' }, ['x'])).toEqual([
      '/launch',
      '--cgroup',
      '/sys/fs/cgroup/pids/drillbook/a',
      '--oom-score-adj',
      '500',
      '--fd3',
      '/s/args',
      '--',
      'x',
    ]);
    expect(tuneMountsArgv('/tune', 77, { '/var': { bytes: 1024, inodes: 10 } }).slice(0, 3)).toEqual([
      '/tune',
      '77',
      '/var=size=1024,nr_inodes=10',
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

  it('the Docker sandbox image and the server image install them too', () => {
    // The image runs no bwrap; its perl package brings perl-base.
    const image = /^PACKAGES=\(([^)]*)\)/m.exec(readFileSync('src/sandbox/docker/image/packages.sh', 'utf8'))?.[1] ?? '';
    const server = readFileSync('deploy/compose/Dockerfile.server', 'utf8');
    for (const p of SANDBOX_PACKAGES.filter((p) => !['bubblewrap', 'perl-base'].includes(p))) expect(image.split(/\s+/)).toContain(p);
    for (const p of SANDBOX_PACKAGES) expect(server).toMatch(new RegExp(`\\s${p}\\s`));
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
