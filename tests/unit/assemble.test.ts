import { describe, expect, it } from 'vitest';
import {
  assemble,
  defaultSelections,
  emptyChoice,
  missingRequired,
  pieceMeaning,
  pieceText,
  type Selection,
} from '../../src/blocks/command-builder/assemble.ts';
import { blockedBy, blockedText, targetsOf, unmetRequirements, unmetText } from '../../src/blocks/command-builder/conflicts.ts';
import { commandBuilderSchema, type CommandBuilder } from '../../src/blocks/command-builder/schema.ts';
import { normaliseCommandBuilder } from '../../src/blocks/command-builder/normalise.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { CONFORMANCE, fixture, fixtureCourse } from '../helpers/fixtures.ts';
import { dataOf } from './support.ts';

const builder = (path: string): CommandBuilder => dataOf(fixture(path), 'command-builder');

describe('assemble, fixture builders', () => {
  const flat = builder('command-builder/flat-options.md');

  it('A: base, then each chosen piece in order, flag and value separated by one space', () => {
    expect(assemble(flat, [0, 0, 0, '/srv/dumps/shop.dump', true, true, true])).toBe(
      'pg_dump --dbname=<database> -F c --table=orders --table=order_lines --file /srv/dumps/shop.dump --no-owner --no-privileges --no-comments --clean',
    );
  });

  it('A: keeps quotes and backslashes of a chosen value as written', () => {
    expect(assemble(flat, [1, 2, 1, '', false, 1, false])).toBe("pg_dump --dbname=shop -F p --exclude-table-data='audit_*'");
    expect(assemble(flat, [2, 1, 2, '', false, 1, false])).toBe('pg_dump -F d --table="Mixed Case"');
    expect(assemble(flat, [2, 0, 3, '', false, 1, false])).toBe("pg_dump -F c --table='tmp\\_orders'");
  });

  it('A: empty values, empty text, blank text and switches off leave no extra space', () => {
    const cmd = assemble(flat, [2, 0, 3, '   ', false, 1, false]);
    expect(cmd).toBe("pg_dump -F c --table='tmp\\_orders'");
    expect(cmd).not.toMatch(/ {2}|\s$/);
  });

  it('A: trims typed text', () => {
    expect(assemble(flat, [2, 0, 3, '  /tmp/x.dump ', false, 1, false])).toBe("pg_dump -F c --table='tmp\\_orders' --file /tmp/x.dump");
  });

  it('A with block-style choices', () => {
    expect(assemble(builder('command-builder/block-style-choices.md'), [1, 0])).toBe(
      'pg_restore --clean --if-exists --dbname=shop --jobs 4',
    );
    expect(assemble(builder('command-builder/block-style-choices.md'), [0, 1])).toBe('pg_restore --create --dbname=postgres --jobs 1');
  });

  it('B1: switches that are on, in listed order', () => {
    const b = builder('command-builder/groups-switches.md');
    expect(assemble(b, [true, false, true, true])).toBe('mariadb-dump --single-transaction --routines --events');
    expect(assemble(b, [false, false, false, false])).toBe('mariadb-dump');
  });

  it('B2: grouped flags with values and a switch', () => {
    const b = builder('command-builder/groups-values.md');
    expect(assemble(b, [1, 1, 0, true])).toBe('psql -h /var/run/postgresql -p 6432 -U backup_operator -W');
    expect(assemble(b, [0, 0, 0, false])).toBe('psql -h db-primary.internal -p 5432 -U backup_operator');
  });

  it('C: parts are appended to the base with nothing in between', () => {
    const b = builder('command-builder/template-parts.md');
    expect(assemble(b, [0, 0, 0])).toBe("SELECT cron.schedule('nightly-vacuum', '0 2 * * *', 'VACUUM ANALYZE orders');");
    expect(assemble(b, [1, 1, 1])).toBe("SELECT cron.schedule('hourly-analyze', '0 * * * *', 'ANALYZE');");
    expect(assemble(b, [0, 0, null])).toBe("SELECT cron.schedule('nightly-vacuum', '0 2 * * *'");
  });
});

describe('defaultSelections: a builder starts from the base alone', () => {
  it("starts every select on (none): the author's empty choice when it has one, else our own; switches off, text empty", () => {
    const flat = builder('command-builder/flat-options.md');
    // Database has ["", "Your user's default"] (index 2); Format and Tables have no empty choice.
    expect(defaultSelections(flat)).toEqual([2, null, null, '', false, false, false]);
    expect(assemble(flat, defaultSelections(flat))).toBe('pg_dump');
  });

  it('starts template parts unchosen, required or not, and names the required ones still missing', () => {
    const parts = builder('command-builder/template-parts.md');
    expect(defaultSelections(parts)).toEqual([null, null, null]);
    expect(assemble(parts, defaultSelections(parts))).toBe('SELECT cron.schedule(');
    expect(missingRequired(parts, defaultSelections(parts))).toEqual(['Job name', 'Schedule']);
    expect(missingRequired(parts, [0, 1, null])).toEqual([]);
  });

  it('starts every fixture and conformance builder on its base alone', () => {
    const all = [...fixtureCourse().lessons, ...loadCourse(CONFORMANCE).lessons].flatMap((l) =>
      l.nodes.flatMap((n) => (n.kind === 'block' && n.ok && n.block.type === 'command-builder' ? [n.block.data] : [])),
    );
    expect(all.length).toBeGreaterThan(10);
    for (const b of all) expect(assemble(b, defaultSelections(b)), b.id).toBe(b.join === 'concat' ? b.base : b.base.trim());
  });

  it('never needs a second "none" entry: only selects without an empty choice get one', () => {
    const flat = builder('command-builder/flat-options.md');
    expect(flat.pieces.map((p) => (p.kind === 'choice' ? emptyChoice(p) : 'n/a'))).toEqual([
      2,
      undefined,
      undefined,
      'n/a',
      'n/a',
      'n/a',
      'n/a',
    ]);
  });
});

describe('pieceText', () => {
  const flat = builder('command-builder/flat-options.md');
  it('gives one piece as it appears in the command', () => {
    expect(pieceText(flat.pieces[1]!, 2)).toBe('-F p');
    expect(pieceText(flat.pieces[0]!, 0)).toBe('--dbname=<database>');
    expect(pieceText(flat.pieces[0]!, 2)).toBe('');
    expect(pieceText(flat.pieces[3]!, '/x')).toBe('--file /x');
    expect(pieceText(flat.pieces[3]!, '')).toBe('');
    expect(pieceText(flat.pieces[4]!, true)).toBe('--no-owner');
    expect(pieceText(flat.pieces[4]!, false)).toBe('');
  });
});

describe('assemble, conformance course builders', () => {
  const course = loadCourse(CONFORMANCE);
  const page = (file: string) => {
    const l = course.lessons.find((x) => x.file === file);
    if (!l) throw new Error(`no ${file} in the conformance course`);
    return l;
  };

  it('flat options with the toggle on', () => {
    const b = dataOf(page('Backups/logical-dumps.md'), 'command-builder');
    // The Routines toggle, `[["--routines --triggers", "on"], ["", "off"]]`, is a switch.
    expect(b.pieces.map((p) => p.kind)).toEqual(['choice', 'text', 'switch', 'switch']);
    expect(assemble(b, [0, '/srv/backups/x.sql', true, true])).toBe(
      'mysqldump --all-databases --result-file /srv/backups/x.sql --single-transaction --routines --triggers',
    );
    expect(assemble(b, [2, '', false, false])).toBe('mysqldump');
  });

  it('groups with switches', () => {
    const b = dataOf(page('Backups/physical-copies.md'), 'command-builder', 0);
    expect(b.pieces.map((p) => p.flag)).toEqual(['-Fp', '-Ft', '-Xs']);
    expect(assemble(b, [true, false, true])).toBe('pg_basebackup -Fp -Xs');
  });

  it('groups with values', () => {
    const b = dataOf(page('Backups/physical-copies.md'), 'command-builder', 1);
    expect(b.pieces.map((p) => [p.kind, p.flag])).toEqual([
      ['choice', '-h'],
      ['switch', '-p'],
    ]);
    expect(assemble(b, [0, true])).toBe('mysql -h 127.0.0.1 -p');
  });

  it('block-style choices', () => {
    const b = dataOf(page('Backups/physical-copies.md'), 'command-builder', 2);
    expect(assemble(b, [0])).toBe('mariabackup --backup --target-dir=/srv/base');
    expect(assemble(b, [1])).toBe('mariabackup --backup --target-dir=/srv/inc1 --incremental-basedir=/srv/base');
  });

  it('template parts', () => {
    const b = dataOf(page('Server Ops/disk layout.md'), 'command-builder');
    expect(b.join).toBe('concat');
    expect(assemble(b, [0, 0])).toBe("dump_collection('orders', compress='gzip')");
    expect(assemble(b, [1, 1])).toBe("dump_collection('customers')");
  });
});

describe('pieceMeaning: what a chosen piece adds, as said beside it', () => {
  const flat = builder('command-builder/flat-options.md');

  it('names the value and its label; a switch names itself; nothing when the piece adds nothing', () => {
    expect(pieceMeaning(flat, 2, 0)).toBe('Adds --table=orders --table=order_lines: Two tables');
    expect(pieceMeaning(flat, 1, 2)).toBe('Adds -F p: Plain SQL');
    expect(pieceMeaning(flat, 3, '/srv/x.dump')).toBe('Adds --file /srv/x.dump');
    expect(pieceMeaning(flat, 4, true)).toBe('Adds --no-owner: Skip ownership');
    expect(pieceMeaning(flat, 4, false)).toBe('');
    expect(pieceMeaning(flat, 0, 2)).toBe('');
    expect(pieceMeaning(flat, 3, '  ')).toBe('');
  });

  it('template parts add their value alone', () => {
    const parts = builder('command-builder/template-parts.md');
    expect(pieceMeaning(parts, 1, 1)).toBe("Adds , '0 * * * *': every hour");
    expect(pieceMeaning(parts, 2, null)).toBe('');
  });
});

describe('a toggle with a flag', () => {
  const toggle: CommandBuilder = {
    id: 't',
    base: 'pg_dump',
    join: 'space',
    conflicts: [],
    pieces: [
      {
        kind: 'choice',
        flag: '--compress',
        label: 'Compression',
        required: false,
        choices: [
          { value: 'zstd', label: 'on' },
          { value: '', label: 'off' },
        ],
      },
    ],
  };

  it('adds flag and value when on', () => {
    expect(assemble(toggle, [0])).toBe('pg_dump --compress zstd');
  });

  it('adds nothing when off (the chosen value is empty)', () => {
    expect(assemble(toggle, [1])).toBe('pg_dump');
  });
});

describe('conflicts: options the tool refuses together', () => {
  const b = builder('command-builder/conflicts.md');
  const blocked = (sel: Selection[]) => blockedBy(b.pieces, b.conflicts ?? [], sel).map((x) => [x.piece, x.choice ?? null, x.by]);

  it("gathers the block's groups and the options' own", () => {
    expect(b.conflicts).toEqual([
      { flags: ['--all-databases', '--databases'], reason: '--all-databases already dumps every database' },
      { flags: ['--single-transaction', '--lock-all-tables'], reason: 'mysqldump takes either a snapshot or a global lock, not both' },
      { flags: ['--single-transaction', '--lock-tables'] },
    ]);
  });

  it('names whole pieces by their flag, single choices by their value', () => {
    expect(targetsOf(b.pieces, '--databases')).toEqual([{ piece: 1 }]);
    expect(targetsOf(b.pieces, '--lock-all-tables')).toEqual([{ piece: 3, choice: 0 }]);
    expect(targetsOf(b.pieces, '--dbname')).toEqual([]);
    const flat = builder('command-builder/flat-options.md');
    expect(targetsOf(flat.pieces, '--dbname')).toEqual([
      { piece: 0, choice: 0 },
      { piece: 0, choice: 1 },
    ]);
    expect(targetsOf(flat.pieces, '-F')).toEqual([{ piece: 1 }]);
    expect(targetsOf(flat.pieces, '-F p')).toEqual([{ piece: 1, choice: 2 }]);
    expect(targetsOf(flat.pieces, '--no-comments')).toEqual([{ piece: 5 }]);
  });

  it('rules out the other members of a group once one adds something, with the reason', () => {
    expect(blocked([false, '', false, null, false])).toEqual([]);
    expect(blocked([true, '', false, null, false])).toEqual([[1, null, '--all-databases']]);
    expect(blocked([false, ' shop ', false, null, false])).toEqual([[0, null, '--databases']]);
    expect(blocked([false, '', true, null, false])).toEqual([
      [3, 0, '--single-transaction'],
      [3, 1, '--single-transaction'],
    ]);
    expect(blocked([false, '', false, 0, false])).toEqual([[2, null, '--lock-all-tables']]);
    expect(blockedText(blockedBy(b.pieces, b.conflicts ?? [], [true, '', false, null, false])[0]!)).toBe(
      'Not with --all-databases: --all-databases already dumps every database',
    );
  });

  it('is an error when a name matches nothing in the builder', () => {
    const page = fixture('command-builder/invalid-conflict.md');
    expect(page.problems.map((p) => [p.name, p.path, p.message])).toEqual([
      ['BuilderConflictUnknown', 'conflicts.0.1', '"conflicts" names "--lock-all-table", which no option or choice of this builder adds.'],
    ]);
  });
});

describe('requires: options the tool needs', () => {
  const b = builder('command-builder/requires.md');
  const unmet = (sel: Selection[]) => unmetRequirements(b.pieces, b.requires ?? [], sel).map(unmetText);

  it('reads the groups, an unconditional one with no flags', () => {
    expect(b.requires).toEqual([
      { flags: [], needs: ['--dbname'], reason: 'the database to dump' },
      { flags: ['-Fd', '-j'], needs: ['-f'], reason: 'pg_dump: no output directory specified' },
    ]);
  });

  it('says what is still needed, and with what, until it is chosen', () => {
    expect(unmet(defaultSelections(b))).toEqual(['Needs --dbname: the database to dump']);
    expect(unmet([1, null, '', 0])).toEqual([]);
    expect(unmet([0, null, '', 0])).toEqual(['Needs -f with -Fd: pg_dump: no output directory specified']);
    expect(unmet([null, 0, '  ', 0])).toEqual(['Needs -f with -j: pg_dump: no output directory specified']);
    expect(unmet([0, 0, '/srv/backups/shop.dir', 0])).toEqual([]);
    expect(unmet([0, null, '', null])).toEqual([
      'Needs --dbname: the database to dump',
      'Needs -f with -Fd: pg_dump: no output directory specified',
    ]);
    expect(unmetText({ needs: ['-d', '-f'] })).toBe('Needs -d or -f.');
  });

  it('is an error when a name matches nothing in the builder', () => {
    const page = fixture('command-builder/invalid-requires.md');
    expect(page.problems.map((p) => [p.name, p.path, p.message])).toEqual([
      ['BuilderRequiresUnknown', 'requires.0.needs.0', '"requires" names "--slots", which no option or choice of this builder adds.'],
    ]);
  });
});

describe('required: a flat option the tool cannot do without', () => {
  it('is read from the option, and the value is still to choose until picked', () => {
    const { input } = normaliseCommandBuilder({
      base: 'flock',
      options: [
        { flag: '-n', type: 'flag', label: 'Give up at once' },
        { flag: '', type: 'select', label: 'Lock file', required: true, choices: [['/run/lock/x.lock', 'x']] },
        { flag: '', type: 'text', label: 'Command', required: true },
      ],
    });
    const b = commandBuilderSchema.parse({ ...(input as object), id: 'f' });
    expect(b.pieces.map((p) => p.required)).toEqual([false, true, true]);
    expect(defaultSelections(b)).toEqual([false, null, '']);
    expect(missingRequired(b, defaultSelections(b))).toEqual(['Lock file', 'Command']);
    expect(missingRequired(b, [true, 0, '/usr/local/bin/job'])).toEqual([]);
  });
});
