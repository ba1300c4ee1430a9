import { describe, expect, it } from 'vitest';
import {
  accepts,
  buildableCommands,
  builderTool,
  knownOptions,
  misreadValues,
  offeredFlags,
  problemText,
  readBack,
  valueProbes,
  words,
} from '../../src/cli/builder-flags.ts';
import type { CommandBuilder } from '../../src/blocks/command-builder/schema.ts';

describe('builder flags', () => {
  it('finds the tool after sudo, its subcommands and the flags in the base', () => {
    expect(builderTool('sudo -u postgres pg_dump')).toEqual({ command: ['pg_dump'], baseFlags: [] });
    expect(builderTool('aws s3 cp')).toEqual({ command: ['aws', 's3', 'cp'], baseFlags: [] });
    expect(builderTool('lvcreate --snapshot')).toEqual({ command: ['lvcreate'], baseFlags: ['--snapshot'] });
    expect(words(`--where "id > 5" 'a b' -Fc`)).toEqual(['--where', 'id > 5', 'a b', '-Fc']);
  });

  it('lists every flag a builder can produce, from switches, flags and choice values', () => {
    expect(
      offeredFlags({
        id: 'b',
        base: 'mysqldump --quick',
        join: 'space',
        pieces: [
          {
            kind: 'choice',
            flag: '',
            label: 'Mode',
            required: false,
            choices: [
              { value: '--single-transaction', label: 'a' },
              { value: '--lock-all-tables --flush-logs', label: 'b' },
            ],
          },
          { kind: 'text', flag: '--result-file', label: 'File', required: false, choices: [] },
          { kind: 'text', flag: '', label: 'Database', required: false, choices: [] },
          { kind: 'switch', flag: '-R', label: 'Routines', required: false, choices: [] },
        ],
      }).map((f) => `${f.from}:${f.word}`),
    ).toEqual([
      'base:--quick',
      'Mode:--single-transaction',
      'Mode:--lock-all-tables',
      'Mode:--flush-logs',
      'File:--result-file',
      'Routines:-R',
    ]);
  });

  it('reads option names from help texts of several styles', () => {
    const pg = knownOptions('  -F, --format=c|d|t|p     output file format\n  -j, --jobs=NUM\n');
    expect([accepts(pg, '-Fc'), accepts(pg, '--format=d'), accepts(pg, '-j'), accepts(pg, '--jobs'), accepts(pg, '-x')]).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    const lvm = knownOptions('  lvcreate -s|--snapshot -L|--size Size[m|UNIT] LV\n  [ -n|--name String ]\n');
    expect([accepts(lvm, '--snapshot'), accepts(lvm, '-L'), accepts(lvm, '--name'), accepts(lvm, '--nme')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    const my = knownOptions('  --triggers  Dump triggers\n  --print-defaults\n  --no-defaults\n  --master-data[=#]\n');
    expect([accepts(my, '--skip-triggers'), accepts(my, '--master_data=2'), accepts(my, '--skip-nothing')]).toEqual([true, true, false]);
  });

  it('keeps a quoted part inside a word as one word, without its quotes', () => {
    expect(words(`--stop-datetime='2026-03-14 14:31:00' --table="Mixed Case" -x`)).toEqual([
      '--stop-datetime=2026-03-14 14:31:00',
      '--table=Mixed Case',
      '-x',
    ]);
  });
});

const mysqldump = (pieces: CommandBuilder['pieces'], extra: Partial<CommandBuilder> = {}): CommandBuilder => ({
  id: 'b',
  base: 'mysqldump',
  join: 'space',
  pieces,
  ...extra,
});
const HELP =
  '  -#, --debug[=#]     Debug log\n  --master-data[=#]   Binlog position\n  -p, --password[=name]\n  --databases\n  --parallel=#\n  --print-defaults\n  --no-defaults\n';

describe('values the tool would read apart', () => {
  const known = knownOptions(HELP);

  it('reads which options take their value only attached, long and short', () => {
    expect([...known.optionalValue].sort()).toEqual(['-#', '--debug', '--master-data', '--password', '-p']);
  });

  it('fails a value after a space for those, and only for those', () => {
    const b = mysqldump([
      { kind: 'choice', flag: '--master-data', label: 'Binlog', required: false, choices: [{ value: '2', label: 'comment' }] },
      { kind: 'choice', flag: '', label: 'Attached', required: false, choices: [{ value: '--master-data=1', label: 'statement' }] },
      { kind: 'text', flag: '-p', label: 'Password', required: false, choices: [], placeholder: 'secret' },
      { kind: 'choice', flag: '--parallel', label: 'Threads', required: false, choices: [{ value: '4', label: '4' }] },
      { kind: 'choice', flag: '', label: 'What', required: false, choices: [{ value: '--databases shop', label: 'shop' }] },
    ]);
    expect(misreadValues(b, known).map(problemText)).toEqual([
      'mysqldump reads "--master-data 2" as --master-data without a value and a separate argument 2: its value is optional, so write --master-data=2 (offered by "Binlog")',
      'mysqldump reads "-p <secret>" as -p without a value and a separate argument <secret>: its value is optional, so write -p<secret> (offered by "Password")',
    ]);
  });

  it('plans one dry run per value given to a long option, and reads the values back from --help', () => {
    const b = mysqldump([
      { kind: 'choice', flag: '--master-data', label: 'Binlog', required: false, choices: [{ value: '2', label: 'comment' }] },
      {
        kind: 'choice',
        flag: '',
        label: 'Out',
        required: false,
        choices: [
          { value: '--result-file=/srv/a.sql', label: 'file' },
          { value: '| gzip > a.gz', label: 'gz' },
        ],
      },
    ]);
    expect(valueProbes(b)).toEqual([
      { args: ['--master-data', '2'], option: 'master-data', expected: '2', from: 'Binlog' },
      { args: ['--result-file=/srv/a.sql'], option: 'result-file', expected: '/srv/a.sql', from: 'Out' },
    ]);
    const help =
      'Usage...\nVariables (--variable-name=value)\nand boolean options {FALSE|TRUE}  Value (after reading options)\n--------------------------------- ----------\nall-databases                     FALSE\nmaster-data                       1\nresult-file                       /srv/a.sql\n';
    expect([...readBack(help)]).toEqual([
      ['all-databases', 'FALSE'],
      ['master-data', '1'],
      ['result-file', '/srv/a.sql'],
    ]);
  });
});

describe('the commands a builder lets the learner build', () => {
  it('every selection its conflicts and requirements allow, without shell syntax, as words after the tool', () => {
    const b: CommandBuilder = {
      id: 'b',
      base: 'sudo -u postgres pg_dump',
      join: 'space',
      pieces: [
        {
          kind: 'choice',
          flag: '',
          label: 'Format',
          required: false,
          choices: [
            { value: '-Fd', label: 'd' },
            { value: '-Fc', label: 'c' },
          ],
        },
        { kind: 'choice', flag: '-j', label: 'Jobs', required: false, choices: [{ value: '4', label: '4' }] },
        { kind: 'text', flag: '-f', label: 'Out', required: false, choices: [], placeholder: '/srv/d-$(date +%F)' },
        { kind: 'choice', flag: '', label: 'Pipe', required: false, choices: [{ value: '| gzip', label: 'gz' }] },
      ],
      conflicts: [{ flags: ['-j', '-Fc'] }],
      requires: [
        { flags: ['-j'], needs: ['-Fd'] },
        { flags: ['-Fd'], needs: ['-f'] },
      ],
    };
    expect(buildableCommands(b).map((w) => w.join(' '))).toEqual([
      '',
      '-f /srv/d-DATE',
      '-Fd -f /srv/d-DATE',
      '-Fd -j 4 -f /srv/d-DATE',
      '-Fc',
      '-Fc -f /srv/d-DATE',
    ]);
    expect(buildableCommands(b, 2)).toHaveLength(2);
  });
});
