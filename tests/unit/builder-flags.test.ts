import { describe, expect, it } from 'vitest';
import { accepts, builderTool, knownOptions, offeredFlags, words } from '../../src/cli/builder-flags.ts';

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
});
