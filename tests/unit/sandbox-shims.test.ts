/**
 * The sandbox's compatibility shims (src/sandbox/rootfs/bin, libexec), run in
 * bash on the host where they do not need a sandbox: how they read the
 * command lines courses type. tests/integration/course-commands.test.ts types
 * the same commands into a real sandbox.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOTFS = resolve(import.meta.dirname, '../../src/sandbox/rootfs');
const SUDO_NOTICE = "sandbox: sudo runs this as learner, the sandbox's only user (it owns both servers; no password)\n";

function shim(path: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('/bin/bash', [resolve(ROOTFS, path), ...args], {
    encoding: 'utf8',
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', HOME: '/tmp', SHELL: '/bin/bash', ...env },
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

describe('sudo', () => {
  const show = ['printf', '<%s>', 'select 1', "it's", '$HOME'];

  it.each([
    [['-u', 'postgres']],
    [['-upostgres']],
    [['--user=postgres']],
    [['--user', 'postgres']],
    [['-Hu', 'postgres']],
    [['-EHu', 'postgres']],
    [['-u', 'postgres', '-H', '--']],
    [['-n', '-u', 'postgres', '-g', 'postgres']],
  ])('sudo %j runs the command with its words as given', (flags) => {
    expect(shim('bin/sudo', [...flags, ...show])).toEqual({ out: "<select 1><it's><$HOME>", err: SUDO_NOTICE, code: 0 });
  });

  it.each([[['-s', '-u', 'postgres']], [['-su', 'postgres']], [['-s']], [['-Esu', 'postgres']]])(
    'sudo %j runs the command through the shell, each word escaped as sudo does (only $ left to expand)',
    (flags) => {
      expect(shim('bin/sudo', [...flags, ...show])).toEqual({ out: "<select 1><it's></tmp>", err: SUDO_NOTICE, code: 0 });
    },
  );

  it('NAME=VALUE words before the command set variables; -D changes directory', () => {
    expect(shim('bin/sudo', ['-u', 'postgres', 'PGDATA=/x', 'bash', '-c', 'echo $PGDATA']).out).toBe('/x\n');
    expect(shim('bin/sudo', ['-D', '/usr', 'pwd']).out).toBe('/usr\n');
  });

  it('-v, -k and -l answer as for a user allowed everything; an unknown command is named', () => {
    expect(shim('bin/sudo', ['-v'])).toEqual({ out: '', err: '', code: 0 });
    expect(shim('bin/sudo', ['-l']).out).toBe('User learner may run the following commands on sandbox:\n    (ALL : ALL) NOPASSWD: ALL\n');
    expect(shim('bin/sudo', ['-u', 'postgres', 'no-such-command'])).toEqual({
      out: '',
      err: `${SUDO_NOTICE}sudo: no-such-command: command not found\n`,
      code: 1,
    });
  });
});

describe('no-password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shims-'));
  const show = join(dir, 'show');
  writeFileSync(show, '#!/bin/sh\nprintf "<%s>" "$@"\n', { mode: 0o755 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['-u', 'bk', '-pBk-pass', 'shop']],
    [['--user=bk', '--password=Bk-pass', 'shop']],
    [['-ubk', '-p', 'shop']],
    [['--no-defaults', '-p', 'shop']],
  ])("a course's own account keeps the password typed: %j", (args) => {
    expect(shim('libexec/no-password', [show, ...args])).toEqual({ out: args.map((a) => `<${a}>`).join(''), err: '', code: 0 });
  });

  it('tools that take the password as the next word keep it with the account', () => {
    const args = ['-u', 'bk', '-p', 'Bk-pass', '-B', 'shop'];
    expect(shim('libexec/no-password', ['--value', show, ...args]).out).toBe(args.map((a) => `<${a}>`).join(''));
  });
});
