/**
 * `./drillbook record` and `./drillbook replays verify` end to end, on a
 * small course of their own: a script is recorded in a real sandbox, the
 * block verifies, and an output edited by hand (as the mariabackup replay
 * once was) or a replay without a script fails verification.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/sandbox/spawn.ts';
import { skipReason } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping replay tests: ${reason}`);

const SCRIPT = `#% title: Count and list
#% scenario: A tiny table.
mariadb -e 'CREATE DATABASE t; CREATE TABLE t.a (i INT); INSERT INTO t.a VALUES (1), (2)'
#> A table drawn by the client, because it writes to a terminal.
mariadb -e 'SELECT COUNT(*) AS n FROM t.a'
#> Both streams, in the order they were written.
echo out; echo err >&2; ls -ld /srv/backups | cut -c1-10
`;

describe.skipIf(reason)('record and replays verify', () => {
  let dir: string;
  const cli = (args: string[]) =>
    run([process.execPath, 'src/cli/main.ts', ...args], {
      env: { ...process.env, DRILLBOOK_CONTENT: dir } as Record<string, string>,
      timeoutMs: 120_000,
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'drillbook-replays-'));
    mkdirSync(join(dir, 'replays'));
    writeFileSync(join(dir, 'replays', 'count.sh'), SCRIPT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records what the terminal showed, and the recording verifies; a hand-edited output does not', async () => {
    const rec = await cli(['record', join(dir, 'replays', 'count.sh'), '--id', 'count']);
    expect(rec.stderr).not.toMatch(/warning/);
    expect(rec.code).toBe(0);
    expect(rec.stdout).toBe(
      [
        '```terminal',
        'id: count',
        'title: Count and list',
        'scenario: A tiny table.',
        'record:',
        '  script: replays/count.sh',
        'steps:',
        "  - command: mariadb -e 'SELECT COUNT(*) AS n FROM t.a'",
        '    output: |',
        '      +---+',
        '      | n |',
        '      +---+',
        '      | 2 |',
        '      +---+',
        '    narration: A table drawn by the client, because it writes to a terminal.',
        '  - command: echo out; echo err >&2; ls -ld /srv/backups | cut -c1-10',
        '    output: |',
        '      out',
        '      err',
        '      drwxr-xr-x',
        '    narration: Both streams, in the order they were written.',
        '```',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'page.md'), `# Page\n\n${rec.stdout}`);
    const ok = await cli(['replays', 'verify']);
    expect(ok.stdout).toMatch(/\nreplays: 1 verified, 0 failed\n$/);
    expect(ok.code).toBe(0);

    writeFileSync(join(dir, 'page.md'), `# Page\n\n${rec.stdout.replace('| 2 |', '| 3 |')}`);
    const bad = await cli(['replays', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("page.md:3: step 1 (`mariadb -e 'SELECT COUNT(*) AS n FROM t.a'`) printed something else");
    expect(bad.stdout).toContain('      - | 3 |\n      + | 2 |');
    expect(bad.stdout).toMatch(/\nreplays: 0 verified, 1 failed\n$/);
  });

  it('fails a replay that names no script, and one whose commands left its script', async () => {
    writeFileSync(
      join(dir, 'page.md'),
      '# Page\n\n```terminal\nid: typed\nsteps:\n  - command: ls\n    output: made up\n```\n\n' +
        '```terminal\nid: drifted\ntitle: Count and list\nscenario: A tiny table.\nrecord:\n  script: replays/count.sh\nsteps:\n  - command: ls\n  - command: pwd\n```\n',
    );
    const r = await cli(['replays', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('page.md:3: not recorded: it has no `record:`');
    expect(r.stdout).toContain(
      "page.md:10: step 1: the command differs from the script's (`mariadb -e 'SELECT COUNT(*) AS n FROM t.a'`); re-record it:",
    );
    expect(r.stdout).toMatch(/\nreplays: 0 verified, 2 failed\n$/);
  });

  it('rejects unknown flags and a script outside the course', async () => {
    const r = await cli(['record', join(dir, 'replays', 'count.sh'), '--id', 'x', '--colour']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--colour'");
    const outside = await cli(['record', '/etc/hostname', '--id', 'x']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is outside the course folder');
  });
});
