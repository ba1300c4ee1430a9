import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { terminalBlock } from '../../src/cli/replay-block.ts';
import { authorMask, BUILT_IN_MASKS, lineDiff, maskOutput } from '../../src/cli/replay-masks.ts';
import { screenText } from '../../src/cli/replay-screen.ts';
import { parseReplayScript, ReplayScriptError } from '../../src/cli/replay-script.ts';
import { outputDiffs, scriptMismatches } from '../../src/cli/replays.ts';
import { dataOf } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };

const SCRIPT = `#!/usr/bin/env bash
#% title: Dump and restore
#% scenario: A small \`shop\` database.
#%   It has two tables.
#% mask: shop-(\\d+)\\.sql
mariadb -e 'CREATE DATABASE shop'

#> Dump it.
#> One snapshot.
mysqldump shop > /srv/backups/shop.sql

#> Look at the file.
ls -lh /srv/backups/shop.sql
#> Two lines, one step.
mariadb <<'SQL'
SELECT 1;
SQL
`;

describe('replay scripts', () => {
  it('reads the header, the hidden preparation and the steps with their narration', () => {
    const s = parseReplayScript(SCRIPT);
    expect(s.title).toBe('Dump and restore');
    expect(s.scenario).toBe('A small `shop` database. It has two tables.');
    expect(s.masks).toEqual([{ source: 'shop-(\\d+)\\.sql', line: 5 }]);
    expect(s.prepare).toBe("mariadb -e 'CREATE DATABASE shop'");
    expect(s.timeoutSeconds).toBe(120);
    expect(s.steps).toEqual([
      { command: 'mysqldump shop > /srv/backups/shop.sql', narration: 'Dump it. One snapshot.', line: 8 },
      { command: 'ls -lh /srv/backups/shop.sql', narration: 'Look at the file.', line: 12 },
      { command: "mariadb <<'SQL'\nSELECT 1;\nSQL", narration: 'Two lines, one step.', line: 14 },
    ]);
  });

  it('names the line of what is wrong', () => {
    const err = (t: string) => {
      try {
        parseReplayScript(t);
      } catch (e) {
        expect(e).toBeInstanceOf(ReplayScriptError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('#% colour: red\n#> x\nls')).toBe(
      'line 1: unknown header key "colour" (known: title, scenario, description, mask, timeout)',
    );
    expect(err('#% mask: (unclosed\n#> x\nls')).toMatch(/^line 1: mask is not a valid regular expression: /);
    expect(err('#> said\n\n#% title: late\n')).toBe('line 1: this step has a narration but no command under it');
    expect(err('ls\n')).toBe('line 1: no steps: start each step with a "#> narration" line');
    expect(err('#% timeout: soon\n#> x\nls')).toBe('line 1: timeout must be whole seconds from 1 to 3600, not "soon"');
  });
});

describe('what the terminal showed', () => {
  it('redraws a line on carriage return, drops colours and trailing blanks, keeps tabs', () => {
    const raw =
      '\x1b[0m\x1b[01;34mbase\x1b[0m   global  \r\n' +
      'waiting for checkpoint\r100/200 kB (50%)\r200/200 kB (100%), 1/1 tablespace\r\n' +
      '53M\t/srv/backups/pg-base\r\n\x1b]0;title\x07ok\r\n\r\n';
    expect(screenText(raw)).toBe('base   global\n200/200 kB (100%), 1/1 tablespace\n53M\t/srv/backups/pg-base\nok');
  });

  it('honours backspace and erase-in-line', () => {
    expect(screenText('abc\bX\r\n12345\r12\x1b[K\r\n')).toBe('abX\n12');
  });
});

describe('masks', () => {
  const m = (s: string) => maskOutput(s, BUILT_IN_MASKS);

  it('hide timestamps, sizes, LSNs, binlog positions, pids and durations, not the words around them', () => {
    expect(m('-rw-r--r-- 1 learner learner 3.4K Nov 25 08:59 /srv/backups/shop.sql')).toBe(
      '-rw-r--r-- 1 learner learner <SIZE> <MTIME> /srv/backups/shop.sql',
    );
    expect(m('2026-12-02 07:40:53.432 UTC [79] LOG:  starting backup recovery with redo LSN 0/2000028')).toBe(
      '<TIME> [<PID>] LOG: starting backup recovery with redo LSN <LSN>',
    );
    expect(m('[00] 2026-11-25 08:59:44 Redo log (from LSN 44404 to 69713) was copied.')).toBe(
      '[<PID>] <TIME> Redo log (from LSN <LSN> to <LSN>) was copied.',
    );
    expect(m('backup_type = full-backuped\nto_lsn = 44404')).toBe('backup_type = full-backuped\nto_lsn = <LSN>');
    expect(m('| binlog.000001 |   362346 |')).toBe('| binlog.000001 | <POS> |');
    expect(m("CHANGE MASTER TO MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=344;")).toBe(
      "CHANGE MASTER TO MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=<POS>;",
    );
    expect(m('START WAL LOCATION: 0/2000028 (file 000000010000000000000002)')).toBe('START WAL LOCATION: <LSN> (file 00000001<SEG>)');
    expect(m('created temporary replication slot "pg_basebackup_6498"')).toBe('created temporary replication slot "pg_basebackup_<PID>"');
    expect(m('Time: 12.345 ms')).toBe('Time: <DURATION>');
    // pg_ctl -w prints one dot per second waited: a slower machine prints more.
    expect(m('waiting for server to start..... done')).toBe(m('waiting for server to start.... done'));
    expect(m('waiting for server to shut down.... done')).toBe('waiting for server to shut down<DOTS> done');
    expect(m('; Dumped from database version: 15.20 (Debian 15.20-0+deb12u1)')).toBe('; Dumped from database version: <VERSION>');
    expect(m('-- Dumped by pg_dump version 15.18')).toBe('-- Dumped by pg_dump version <VERSION>');
    expect(m('; Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)')).toBe('; Dumped by pg_dump version: <VERSION>');
  });

  it('leave what matters visible: a different backup_type or row count still differs', () => {
    expect(m('backup_type = log-applied')).not.toBe(m('backup_type = full-backuped'));
    expect(m('|      4 |')).not.toBe(m('|      5 |'));
    expect(m('(file 000000020000000000000003)')).not.toBe(m('(file 000000010000000000000003)'));
  });

  it("evens out the table layout a masked value widened, and applies an author's mask to its groups only", () => {
    expect(m('+---------------+----------+\n| binlog.000001 |   362346 |')).toBe(
      m('+---------------+-------------+\n| binlog.000001 |   1362346999 |'),
    );
    expect(maskOutput('dump shop-20261125.sql written', [authorMask('shop-(\\d+)\\.sql')])).toBe('dump shop-<MASKED>.sql written');
  });

  it('diffs line by line', () => {
    expect(lineDiff('a\nb\nc', 'a\nb\nc')).toBe('');
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toBe('  a\n- b\n+ B\n  c');
  });
});

describe('recorded blocks', () => {
  const replay = {
    id: 'dump-and-restore',
    title: 'Dump and restore',
    scenario: 'A small `shop` database. It has two tables.',
    script: 'foundations/replays/dump.sh',
    setup: 'some-lab',
    steps: [
      { command: 'mysqldump shop > /srv/backups/shop.sql', narration: 'Dump it. One snapshot.', output: '' },
      {
        command: "psql -c 'SELECT count(*) AS orders FROM orders'",
        narration: 'Four: `count(*)` counts rows.',
        output: ' orders\n--------\n      4\n(1 row)',
      },
      { command: "mariadb <<'SQL'\nSELECT 1;\nSQL", narration: 'Two lines, one step.', output: 'a\tb\n\n#c: d' },
    ],
  };

  it('read back as a valid terminal block with the same commands, outputs, narration and record', () => {
    const md = terminalBlock(replay);
    expect(md).toContain('    output: |2\n       orders\n');
    const data = dataOf(parseLesson(md, 'page.md', EMPTY_INDEX, blockRegistry), 'terminal');
    expect(data).toEqual({
      id: replay.id,
      title: replay.title,
      scenario: replay.scenario,
      record: { script: replay.script, setup: replay.setup },
      steps: replay.steps.map(({ command, narration, output }) => ({ command, narration, output })),
    });
  });

  it('keep a one-line text that starts like a YAML document marker (--- or ...) on its line, quoted', () => {
    const marked = {
      ...replay,
      title: '--- Dumps',
      steps: [{ command: '--- not an option', narration: '...and it waits.', output: '...' }],
    };
    const md = terminalBlock(marked);
    expect(md).toContain('title: "--- Dumps"\n');
    expect(md).toContain('  - command: "--- not an option"\n    output: "..."\n    narration: "...and it waits."\n');
    const data = dataOf(parseLesson(md, 'page.md', EMPTY_INDEX, blockRegistry), 'terminal');
    expect(data.title).toBe('--- Dumps');
    expect(data.steps).toEqual(marked.steps);
  });

  it('are checked against their script and against a fresh run', () => {
    const data = dataOf(parseLesson(terminalBlock(replay), 'page.md', EMPTY_INDEX, blockRegistry), 'terminal');
    const script = parseReplayScript(
      `#% title: Dump and restore\n#% scenario: A small \`shop\` database. It has two tables.\n` +
        `#> Dump it. One snapshot.\nmysqldump shop > /srv/backups/shop.sql\n` +
        `#> Four: \`count(*)\` counts rows.\npsql -c 'SELECT count(*) AS orders FROM orders'\n` +
        `#> Two lines, one step.\nmariadb <<'SQL'\nSELECT 1;\nSQL\n`,
    );
    expect(scriptMismatches(data, script)).toEqual([]);
    expect(scriptMismatches({ ...data, steps: data.steps.map((s, i) => (i === 1 ? { ...s, command: 'psql' } : s)) }, script)).toEqual([
      "step 2: the command differs from the script's (`psql -c 'SELECT count(*) AS orders FROM orders'`)",
    ]);
    expect(outputDiffs(data, script, ['', ' orders\n--------\n      4\n(1 row)', 'a\tb\n\n#c: d'])).toEqual([]);
    expect(outputDiffs(data, script, ['', ' orders\n--------\n      3\n(1 row)', 'a\tb\n\n#c: d'])).toEqual([
      "step 2 (`psql -c 'SELECT count(*) AS orders FROM orders'`) printed something else (- recorded, + now, masked):\n" +
        '         orders\n        ---\n      -  4\n      +  3\n        (1 row)',
    ]);
  });
});
