/**
 * The bwrap driver's copies in the state dir (src/sandbox/bwrap/files.ts),
 * shared by every process on one state dir: a server, `labs verify`, a second
 * server. Processes other than this one are real child processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateEtc } from '../../src/sandbox/bwrap/files.ts';

const FILES = resolve(import.meta.dirname, '../../src/sandbox/bwrap/files.ts');

/** privateEtc in another process (which then ends), as `labs verify` on the same state dir does. */
function privateEtcElsewhere(stateDir: string, hostEtc: string): string {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const f = await import(${JSON.stringify(FILES)}); console.log(f.privateEtc(process.argv[1], process.argv[2]))`,
      stateDir,
      hostEtc,
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('private /etc copies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etc-copies-'));
  const state = join(dir, 'state');
  const hostEtc = join(dir, 'etc');
  mkdirSync(state);
  mkdirSync(hostEtc);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The host replaces a file by rename, as a package install does. */
  function hostReplaces(name: string, text: string) {
    writeFileSync(join(hostEtc, `${name}.dpkg-new`), text, { mode: 0o644 });
    renameSync(join(hostEtc, `${name}.dpkg-new`), join(hostEtc, name));
  }

  it('a second process after a host change never removes the copy a running server uses; a copy nobody uses goes', () => {
    hostReplaces('timezone', 'Europe/Paris\n');
    // This process: a server whose sandboxes bind its copy as /etc.
    const mine = privateEtc(state, hostEtc);
    expect(readFileSync(join(mine, 'timezone'), 'utf8')).toBe('Europe/Paris\n');

    hostReplaces('timezone', 'UTC\n');
    const theirs = privateEtcElsewhere(state, hostEtc);
    expect(theirs).not.toBe(mine);
    expect(readFileSync(join(theirs, 'timezone'), 'utf8')).toBe('UTC\n');
    // The running server's sandboxes keep their /etc, and its next sandbox binds the same copy.
    expect(readFileSync(join(mine, 'timezone'), 'utf8')).toBe('Europe/Paris\n');
    expect(readFileSync(join(mine, 'passwd'), 'utf8')).toMatch(/^learner:x:1000:1000:/m);

    // The process that made `theirs` has ended: the next process's prune removes its copy, never ours.
    hostReplaces('timezone', 'Asia/Tokyo\n');
    const third = privateEtcElsewhere(state, hostEtc);
    expect(readFileSync(join(third, 'timezone'), 'utf8')).toBe('Asia/Tokyo\n');
    expect(existsSync(theirs)).toBe(false);
    expect(existsSync(join(mine, '.complete'))).toBe(true);

    // A new start of this process on the unchanged host finds the copy already made.
    expect(privateEtc(state, hostEtc)).toBe(third);
    expect(existsSync(mine)).toBe(true);
    // Only live processes' records are kept: this one's, for both copies it uses.
    expect(
      readdirSync(join(state, '.in-use'))
        .map((r) => r.replace(/@.*/, ''))
        .sort(),
    ).toEqual([mine, third].map((d) => basename(d)).sort());
  });
});
