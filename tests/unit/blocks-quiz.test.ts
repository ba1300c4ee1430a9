import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, dataOf, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };
const quizPage = (body: string) => parseLesson(`# T\n\n\`\`\`quiz\n${body}\n\`\`\`\n`, 'q.md', EMPTY_INDEX, blockRegistry);

describe('quiz variants', () => {
  it('A, single question: options keep backticks and <placeholders> as text, feedback per option', () => {
    expect(dataOf(fixture('quiz/single-question.md'), 'quiz')).toEqual({
      id: 'quiz-single-question-quiz-1',
      title: 'Picking a restore tool',
      questions: [
        {
          question: 'Which command restores a `pg_dump -Fc` archive?',
          multiple: false,
          options: [
            { text: '`psql -f <archive-file>`', correct: false, feedback: 'psql only replays plain SQL scripts.' },
            {
              text: '`pg_restore -d <target-db> <archive-file>`',
              correct: true,
              feedback: 'Yes: pg_restore reads the **custom** archive format.',
            },
            { text: 'Copy it into the data directory', correct: false, feedback: 'A logical dump is not a data directory.' },
            { text: '`mariadb < <archive-file>`', correct: false, feedback: 'That client expects SQL text.' },
          ],
        },
      ],
    });
  });

  it('A without a type is a single-answer question', () => {
    const q = dataOf(fixture('quiz/no-type.md'), 'quiz');
    expect(q.title).toBeUndefined();
    expect(q.questions).toHaveLength(1);
    expect(q.questions[0]).toMatchObject({ question: 'How many copies does the 3-2-1 rule ask for?', multiple: false });
    expect(q.questions[0]?.options.map((o) => [o.text, o.correct])).toEqual([
      ['3', true],
      ['2', false],
      ['1', false],
    ]);
  });

  it('B, several questions: explanation becomes feedback', () => {
    expect(dataOf(fixture('quiz/multi-question.md'), 'quiz')).toEqual({
      id: 'quiz-multi-question-quiz-1',
      title: 'Dumping MariaDB',
      questions: [
        {
          question: 'Which option dumps InnoDB tables from one snapshot without locking them?',
          multiple: false,
          options: [
            { text: '--single-transaction', correct: true, feedback: 'It starts a repeatable-read transaction before the first table.' },
            { text: '--lock-all-tables', correct: false, feedback: 'That blocks every write until the dump ends.' },
          ],
        },
        {
          question: 'Where do user accounts end up with mariadb-dump --all-databases?',
          multiple: false,
          options: [
            { text: "In the mysql system database's dump", correct: true, feedback: 'Grants live in system tables, dumped with the rest.' },
            { text: 'Nowhere', correct: false, feedback: 'They are included when the system database is.' },
            { text: 'In a separate file', correct: false, feedback: 'mariadb-dump writes one stream.' },
          ],
        },
      ],
    });
  });

  it('multiple-select accepts two right answers and keeps the explicit id', () => {
    const page = fixture('quiz/multiple-select.md');
    expect(page.problems).toEqual([]);
    expect(blocksOf(page)[0]?.id).toBe('archive-formats');
    const q = dataOf(page, 'quiz');
    expect(q.id).toBe('archive-formats');
    expect(q.questions[0]?.multiple).toBe(true);
    expect(q.questions[0]?.options.filter((o) => o.correct).map((o) => o.text)).toEqual(['Custom (-Fc)', 'Directory (-Fd)']);
  });

  it('reads the other multi-select spellings, a per-question type, and yes/"true" for correct', () => {
    const q = dataOf(
      quizPage(
        [
          'questions:',
          '  - question: "Pick two"',
          '    type: checkbox',
          '    options:',
          '      - {text: a, correct: yes}',
          '      - {text: b, correct: "true"}',
          '      - {text: c}',
          '  - question: "Pick one"',
          '    options: [{text: x, correct: true}, {text: y}]',
        ].join('\n'),
      ),
      'quiz',
    );
    expect(q.questions.map((x) => [x.multiple, x.options.map((o) => o.correct)])).toEqual([
      [true, [true, true, false]],
      [false, [true, false]],
    ]);
  });
});

describe('invalid quizzes', () => {
  it('no option marked correct', () => {
    const page = fixture('quiz/invalid-no-correct.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'QuizNoCorrect',
        severity: 'error',
        file: 'quiz/invalid-no-correct.md',
        line: 9,
        block: 'quiz',
        path: 'options',
        message: 'Question "Which file tells PostgreSQL to start as a standby?" has no option marked correct.',
      },
    ]);
    expect(page.problems[0]?.hint).toBe('Mark the right option with "correct: true".');
    expect(blocksOf(page).map((b) => [b.type, b.ok])).toEqual([['quiz', false]]);
  });

  it('several options marked correct on a single-answer question', () => {
    expect(fixture('quiz/invalid-several-correct.md').problems.map(seen)).toEqual([
      {
        name: 'QuizSeveralCorrect',
        severity: 'error',
        file: 'quiz/invalid-several-correct.md',
        line: 9,
        block: 'quiz',
        path: 'options',
        message: 'Question "Which tool takes a physical backup of MariaDB?" is single-answer but 2 options are marked correct.',
      },
    ]);
  });

  it('YAML that does not parse names the offending line and keeps the page', () => {
    const page = fixture('quiz/invalid-yaml.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'YamlSyntax',
        severity: 'error',
        file: 'quiz/invalid-yaml.md',
        line: 11,
        block: 'quiz',
        path: '',
        message: "The block's YAML does not parse: Nested mappings are not allowed in compact mappings (line 16)",
      },
    ]);
    expect(page.problems[0]?.hint).toBe(
      'Fix the YAML at the line shown: check indentation, quote values that contain ": " or start with a special character.',
    );
    expect(page.title).toBe('Quiz with broken YAML');
    const failed = blocksOf(page)[0];
    expect(failed?.ok === false ? failed.source.split('\n')[0] : '').toBe('question: "Is a replica a backup?"');
  });

  it('a second block with the same id is reported at its own line; the first still works', () => {
    const page = fixture('quiz/invalid-duplicate-id.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'DuplicateBlockId',
        severity: 'error',
        file: 'quiz/invalid-duplicate-id.md',
        line: 18,
        block: 'quiz',
        path: 'id',
        message: 'Block id "restore-check" is already used by the block at line 9.',
      },
    ]);
    expect(blocksOf(page).map((b) => [b.id, b.line, b.ok])).toEqual([
      ['restore-check', 9, true],
      ['restore-check', 18, false],
    ]);
  });

  it('a block without a closing fence', () => {
    const page = fixture('quiz/invalid-unclosed.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'UnclosedFence',
        severity: 'error',
        file: 'quiz/invalid-unclosed.md',
        line: 9,
        block: 'quiz',
        path: '',
        message: 'The block is never closed: no later line is exactly ``` at the start of a line.',
      },
    ]);
    expect(page.blockCounts.quiz).toBe(1);
  });

  it("maps a problem in the second question of a B quiz to the author's path", () => {
    const page = quizPage(
      [
        'questions:',
        '  - question: ok',
        '    options: [{text: a, correct: true}, {text: b}]',
        '  - question: broken',
        '    options: [{text: a}, {text: b}]',
      ].join('\n'),
    );
    expect(page.problems.map((p) => [p.name, p.line, p.path, p.message])).toEqual([
      ['QuizNoCorrect', 3, 'questions.1.options', 'Question "broken" has no option marked correct.'],
    ]);
  });

  it('reports a quiz with fewer than two options', () => {
    const page = quizPage('question: lonely\noptions:\n  - text: only\n    correct: true');
    expect(page.problems.map((p) => [p.name, p.path, p.message])).toEqual([
      ['FieldValue', 'options', 'Field "options" is not valid: needs at least 2 items.'],
    ]);
  });
});
