import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, dataOf, seen } from './support.ts';

describe('lab block', () => {
  it('reads every field, with the shorthands (bare shell step, single need) normalised', () => {
    const lab = dataOf(fixture('lab/full.md'), 'lab');
    expect(lab).toMatchObject({
      id: 'fixture-full',
      title: 'Restore the orders table',
      engines: ['postgresql', 'mariadb'],
      time: '15 min',
      tasks: ['Restore `orders` from the dump.', 'Press **Check my work**.'],
      solution: 'pg_restore -d shop -t orders ~/backups/shop.dump\n',
      alternatives: [{ title: 'restores with the data only', script: 'pg_restore -d shop --data-only -t orders ~/backups/shop.dump' }],
      mistakes: [
        { title: 'restores nothing', script: 'true', fails: ['dump-there', 'rows'] },
        {
          title: 'restores into the wrong database',
          script: 'pg_restore -d postgres -t orders ~/backups/shop.dump',
          fails: ['rows'],
          says: 'Rows are missing',
        },
      ],
    });
    expect(lab.setup).toEqual([
      { title: 'Create the shop', engine: 'postgresql', database: 'postgres', sql: 'CREATE DATABASE shop;' },
      { title: 'Count', engine: 'postgresql', database: 'shop', sql: 'SELECT 42', record: 'orders' },
      { shell: 'mkdir -p ~/backups' },
    ]);
    expect(lab.checks[1]).toEqual({
      id: 'rows',
      title: 'All rows are back',
      needs: ['dump-there'],
      engine: 'postgresql',
      database: 'shop',
      sql: 'SELECT count(*) FROM orders',
      expect: '{{orders}}',
      fail: 'Rows are missing.',
      hint: 'pg_restore -t orders',
      guard: false,
    });
    expect(lab.checks[2]).toMatchObject({ id: 'others-kept', guard: true });
  });

  it('reports broken probes, duplicate ids, bad needs, unknown facts, unlisted engines and unknown checks by field', () => {
    const node = blocksOf(fixture('lab/invalid-probes.md'))[0]!;
    expect(node.ok).toBe(false);
    if (node.ok) return;
    expect(node.problems.map(seen)).toEqual([
      {
        name: 'LabProbeShape',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'setup.0',
        message: 'A lab step or check needs exactly one of "sql" or "shell".',
      },
      {
        name: 'LabSqlEngine',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.0.engine',
        message: 'A lab step or check with "sql" does not say which server runs it.',
      },
      {
        name: 'LabDuplicateCheck',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.1.id',
        message: 'Check id "no-engine" is used twice in this lab.',
      },
      {
        name: 'LabUnknownNeed',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.1.needs.0',
        message: '"needs" names check "later", which is not an earlier check of this lab.',
      },
      {
        name: 'LabReservedFact',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'setup.1.record',
        message: 'A setup step records a fact named "run", which is reserved: {{run}} is each check run\'s random token.',
      },
      {
        name: 'LabUnknownFact',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.1.expect',
        message: '"expect" uses {{nothing}}, but no setup step records a fact of that name.',
      },
      {
        name: 'LabUnknownFact',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.2.shell',
        message: '"shell" uses {{missing}}, but no setup step records a fact of that name.',
      },
      {
        name: 'LabEngineNotListed',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'checks.3.engine',
        message: 'This step or check uses postgresql, which is not in the lab\'s "engines".',
      },
      {
        name: 'LabUnknownCheck',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'mistakes.0.fails.0',
        message: '"fails" names check "nowhere", which is not a check of this lab.',
      },
      {
        name: 'LabMistakeWithoutFails',
        severity: 'error',
        file: 'lab/invalid-probes.md',
        line: 9,
        block: 'lab',
        path: 'mistakes.1',
        message: 'This mistake does not say which checks must catch it ("fails" is missing or empty).',
      },
    ]);
  });
});
