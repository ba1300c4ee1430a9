import { describe, expect, it } from 'vitest';
import { assemble, defaultSelections, pieceMeaning, pieceText } from '../../src/blocks/command-builder/assemble.ts';
import type { CommandBuilder } from '../../src/blocks/command-builder/schema.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { CONFORMANCE, fixture } from '../helpers/fixtures.ts';
import { dataOf } from './support.ts';

const builder = (path: string): CommandBuilder => dataOf(fixture(path), 'command-builder');

describe('assemble, fixture builders', () => {
  const flat = builder('command-builder/flat-options.md');

  it('A: base, then each chosen piece in order, flag and value separated by one space', () => {
    expect(assemble(flat, [0, 0, 0, '/srv/dumps/shop.dump', true, 0, true])).toBe(
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

describe('defaultSelections', () => {
  it('starts flat choices on their first value, switches off and text empty', () => {
    const flat = builder('command-builder/flat-options.md');
    expect(defaultSelections(flat)).toEqual([0, 0, 0, '', false, 0, false]);
    expect(assemble(flat, defaultSelections(flat))).toBe(
      'pg_dump --dbname=<database> -F c --table=orders --table=order_lines --no-privileges --no-comments',
    );
  });

  it('starts template parts with the required ones chosen and the optional ones empty', () => {
    const parts = builder('command-builder/template-parts.md');
    expect(defaultSelections(parts)).toEqual([0, 0, null]);
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
    expect(b.pieces.map((p) => p.kind)).toEqual(['choice', 'text', 'switch', 'choice']);
    expect(assemble(b, [0, '/srv/backups/x.sql', true, 0])).toBe(
      'mysqldump --all-databases --result-file /srv/backups/x.sql --single-transaction --routines --triggers',
    );
    expect(assemble(b, [2, '', false, 1])).toBe('mysqldump');
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
