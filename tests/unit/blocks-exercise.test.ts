import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture } from '../helpers/fixtures.ts';
import { dataOf, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };
const exercisePage = (body: string) => parseLesson(`\`\`\`exercise\n${body}\n\`\`\`\n`, 'e.md', EMPTY_INDEX, blockRegistry);

describe('exercise variants', () => {
  it('A: scenario, hints and a Markdown solution, with the difficulty', () => {
    const e = dataOf(fixture('exercise/scenario-hints-solution.md'), 'exercise');
    expect(e).toMatchObject({
      id: 'exercise-scenario-hints-solution-exercise-1',
      title: 'Bring back one dropped table',
      difficulty: 'intermediate',
      hints: ['pg_restore can restore a single table with `-t`.', 'The table is gone, so restore its definition as well as its rows.'],
      tasks: [],
    });
    expect(e.solution).toBe(
      "```bash\npg_restore -d billing -t invoices /srv/dumps/billing.dump\n```\nFinally compare the row count with yesterday's report.\n",
    );
  });

  it('B: type scenario with tasks {task, hint, answer} → {prompt, hint, answer}', () => {
    expect(dataOf(fixture('exercise/scenario-tasks.md'), 'exercise')).toEqual({
      id: 'exercise-scenario-tasks-exercise-1',
      title: 'Size the WAL archive',
      scenario: 'The shop cluster writes about 2 GB of WAL an hour. Base backups run every Sunday.\n',
      hints: [],
      tasks: [
        {
          prompt: 'How much WAL must the archive hold at most?',
          hint: 'Count the hours between two base backups.',
          answer: 'About 336 GB: 168 hours times 2 GB, plus a margin.',
        },
        {
          prompt: 'What removes segments no base backup needs any more?',
          hint: 'PostgreSQL ships a tool for exactly this.',
          answer: 'pg_archivecleanup, given the oldest segment the last base backup needs.',
        },
      ],
    });
  });

  it('C: description with tasks {prompt, hint, solution} → {prompt, hint, answer}', () => {
    expect(dataOf(fixture('exercise/description-tasks.md'), 'exercise')).toEqual({
      id: 'exercise-description-tasks-exercise-1',
      title: "Check a dump's integrity",
      description: 'Before you rely on a compressed dump, make sure it is whole.',
      hints: [],
      tasks: [
        {
          prompt: 'Test the gzip stream of shop.sql.gz without unpacking it.',
          hint: 'gzip has a test mode.',
          // Bare code arrives fenced, so it shows as code (bare-code.ts).
          answer: '```bash\ngzip -t /srv/dumps/shop.sql.gz\n```',
        },
        {
          prompt: 'Show the last line of the dump.',
          hint: 'A complete mysqldump file ends with a comment.',
          answer: '```bash\nzcat /srv/dumps/shop.sql.gz | tail -n 1\n```',
        },
      ],
    });
  });

  it('D: a code exercise with language, starter, hints and a code solution', () => {
    expect(dataOf(fixture('exercise/code.md'), 'exercise')).toEqual({
      id: 'exercise-code-exercise-1',
      title: 'Find the newest dump',
      description: 'Print the path of the most recent file in /srv/dumps.',
      language: 'python',
      starter: 'from pathlib import Path\ndumps = Path("/srv/dumps")\n# your code here\n',
      hints: ['Path.iterdir() lists the folder.', 'Sort by st_mtime.'],
      tasks: [],
      solutionCode:
        'from pathlib import Path\ndumps = Path("/srv/dumps")\nnewest = max(dumps.iterdir(), key=lambda p: p.stat().st_mtime)\nprint(newest)\n',
    });
  });

  it('E: initial_code becomes the starter and the single hint a list of one; no title', () => {
    expect(dataOf(fixture('exercise/initial-code-hint.md'), 'exercise')).toEqual({
      id: 'exercise-initial-code-hint-exercise-1',
      scenario: "List the tables whose data pg_dump would skip with --exclude-table-data='audit_*'.",
      starter: 'SELECT tablename\nFROM pg_tables\n',
      hints: ['Underscore is a wildcard in LIKE, so escape it.'],
      tasks: [],
      solutionCode: "SELECT tablename FROM pg_tables WHERE tablename LIKE 'audit\\_%';\n",
    });
  });
});

describe('invalid exercises', () => {
  it('nothing to show', () => {
    expect(fixture('exercise/invalid-nothing.md').problems.map(seen)).toEqual([
      {
        name: 'UnknownExerciseShape',
        severity: 'error',
        file: 'exercise/invalid-nothing.md',
        line: 9,
        block: 'exercise',
        path: '',
        message: 'The exercise has nothing to show: no scenario, description, tasks or starter code.',
      },
    ]);
  });

  it("names the author's key for a bad task field (task, solution) and for a bad single hint", () => {
    const page = exercisePage(
      ['description: d', 'tasks:', '  - task: ok', '  - prompt: [not, text]', '    solution: {not: text}'].join('\n'),
    );
    expect(page.problems.map((p) => [p.name, p.path])).toEqual([
      ['FieldType', 'tasks.1.prompt'],
      ['FieldType', 'tasks.1.solution'],
    ]);
    const hint = exercisePage(['scenario: s', 'hint: {a: b}'].join('\n'));
    expect(hint.problems.map((p) => [p.name, p.path])).toEqual([['FieldType', 'hint']]);
  });

  it('names initial_code when the starter code is not text', () => {
    const page = exercisePage(['scenario: s', 'initial_code: [1, 2]'].join('\n'));
    expect(page.problems.map((p) => [p.name, p.path])).toEqual([['FieldType', 'initial_code']]);
  });
});
