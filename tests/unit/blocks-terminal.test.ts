import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture, fixtureSource } from '../helpers/fixtures.ts';
import { blocksOf, dataOf, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };

describe('terminal variants', () => {
  it('a replay with a title and several steps; a bare number as output becomes text', () => {
    expect(dataOf(fixture('terminal/replay.md'), 'terminal')).toEqual({
      id: 'terminal-replay-terminal-1',
      title: "Is last night's dump usable?",
      steps: [
        {
          command: 'ls -lh /srv/dumps/shop.dump',
          output: '-rw-r----- 1 postgres postgres 182M Mar  3 02:14 /srv/dumps/shop.dump',
          narration: 'The file is there and not empty.',
        },
        {
          command: 'pg_restore --list /srv/dumps/shop.dump | head -n 3',
          output: ';\n; Archive created at 2025-03-03 02:00:01 UTC\n;     dbname: shop',
          narration: 'Reading the table of contents proves the archive is not truncated.',
        },
        {
          command: "pg_restore --list /srv/dumps/shop.dump | grep -c 'TABLE DATA'",
          output: '42',
          narration: 'Forty-two tables carry data.',
        },
      ],
    });
  });

  it('no title, a scenario, a two-line command and a step without output', () => {
    const t = dataOf(fixture('terminal/scenario-multiline.md'), 'terminal');
    expect(t.title).toBeUndefined();
    expect(t.scenario).toBe('You are on the standby and want to know how far behind it is.');
    expect(t.steps).toEqual([
      {
        command: 'psql -XAt -c "select now() - pg_last_xact_replay_timestamp()" \\\n  postgres',
        output: '00:00:03.214',
        narration: 'Three seconds of replay lag.',
      },
      {
        command: 'pg_ctl promote -D /var/lib/postgresql/17/main',
        output: '',
        narration: 'Promotion prints nothing here; the log tells the rest.',
      },
    ]);
  });

  it('a psql table recorded with |2 keeps its column alignment', () => {
    const page = fixture('terminal/indent-indicator.md');
    expect(page.problems).toEqual([]);
    expect(dataOf(page, 'terminal').steps[0]?.output).toBe(' datname |  size\n---------+---------\n shop    | 1203 MB');
  });
});

describe('invalid terminals', () => {
  it('an output block whose first line is indented deeper: an error on the fence line with the |N fix', () => {
    const page = fixture('terminal/invalid-deeper-first-line.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'YamlSyntax',
        severity: 'error',
        file: 'terminal/invalid-deeper-first-line.md',
        line: 9,
        block: 'terminal',
        path: '',
        message: "The block's YAML does not parse: Implicit keys need to be on a single line (line 15)",
      },
    ]);
    expect(page.problems[0]?.hint).toBe(
      'A "|" block takes its indentation from its first line, and the one at line 13 is indented deeper than the lines after it. Write "|2" instead of "|" to fix the indentation, or indent every line alike.',
    );
    // The rest of the page is still there.
    expect(page.title).toBe('First output line indented deeper');
    expect(blocksOf(page).map((b) => [b.type, b.line, b.ok])).toEqual([['terminal', 9, false]]);
  });

  it('the fix the hint suggests makes the block valid and keeps the table aligned', () => {
    const fixed = fixtureSource('terminal/invalid-deeper-first-line.md').replace('output: |\n', 'output: |2\n');
    const page = parseLesson(fixed, 'terminal/fixed.md', EMPTY_INDEX, blockRegistry);
    expect(page.problems).toEqual([]);
    expect(dataOf(page, 'terminal').steps[0]?.output).toBe('  +------+\n| n    |\n+------+\n| 9120 |');
  });

  it('no steps', () => {
    expect(fixture('terminal/invalid-no-steps.md').problems.map(seen)).toEqual([
      {
        name: 'FieldRequired',
        severity: 'error',
        file: 'terminal/invalid-no-steps.md',
        line: 9,
        block: 'terminal',
        path: 'steps',
        message: 'Required field "steps" is missing.',
      },
    ]);
  });

  it('names the step and field of a bad value', () => {
    const page = parseLesson('```terminal\nsteps:\n  - command: ls\n  - command: [a, b]\n```\n', 't.md', EMPTY_INDEX, blockRegistry);
    expect(page.problems.map((p) => [p.name, p.line, p.path])).toEqual([['FieldType', 1, 'steps.1.command']]);
  });
});
