/** Block and front matter YAML: what an author sees when the YAML is not what they meant. */
import { describe, expect, it } from 'vitest';
import { readFrontMatter } from '../../src/lesson/front-matter.ts';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { blockScalarFixes, blockScalarIndentFix } from '../../src/lesson/yaml.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, dataOf, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };

describe('aliases that resolve to nothing', () => {
  it('report a quiz feedback written as *Gone* as a YAML error on the block, and keep the page', () => {
    const page = fixture('quiz/invalid-alias.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'YamlSyntax',
        severity: 'error',
        file: 'quiz/invalid-alias.md',
        line: 11,
        block: 'quiz',
        path: '',
        message: `The block's YAML does not parse: "*Gone*" is read as an alias, but no anchor "&Gone*" is set before it; quote text that starts with "*" (line 15)`,
      },
    ]);
    expect(blocksOf(page).map((b) => [b.type, b.ok])).toEqual([['quiz', false]]);
    expect(page.title).toBe('Quiz with an unquoted asterisk');
  });

  it('report a front matter description written as *Important* as a front matter error on its line', () => {
    const fm = readFrontMatter('---\ntitle: Dumps\ndescription: *Important*\n---\n# Dumps\n', 'fm.md');
    expect(fm.body).toBe('# Dumps\n');
    expect(fm.problems.map(seen)).toEqual([
      {
        name: 'FrontMatterYaml',
        severity: 'error',
        file: 'fm.md',
        line: 3,
        block: 'front-matter',
        path: '',
        message: `The front matter's YAML does not parse: "*Important*" is read as an alias, but no anchor "&Important*" is set before it; quote text that starts with "*" (line 3)`,
      },
    ]);
  });

  it('report aliases that would expand too far as a YAML error instead of expanding them', () => {
    const bomb = [
      'question: "Q?"',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'options: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const page = parseLesson(`# T\n\n\`\`\`quiz\n${bomb}\n\`\`\`\n`, 'q.md', EMPTY_INDEX, blockRegistry);
    expect(page.problems.map((p) => [p.name, p.line, p.message])).toEqual([
      ['YamlSyntax', 3, "The block's YAML does not parse: Too many aliases: expanding them would make more than 100 copies (line 6)"],
    ]);
  });

  it('still expands an alias whose anchor is set before it', () => {
    const page = parseLesson(
      '```quiz\nquestion: "Q?"\nx: &why "Because."\noptions:\n  - {text: a, correct: true, feedback: *why}\n  - {text: b}\n```\n',
      'q.md',
      EMPTY_INDEX,
      blockRegistry,
    );
    expect(page.problems).toEqual([]);
    const [quiz] = blocksOf(page);
    expect(quiz?.ok && quiz.block.type === 'quiz' ? quiz.block.data.questions[0]?.options[0]?.feedback : '').toBe('Because.');
  });
});

describe('YAML that MkDocs reads but strict parsers reject', () => {
  it('keeps a terminal whose quoted narration wraps onto a line at its key column, with a warning naming that line', () => {
    const page = fixture('terminal/lenient-wrapped-quote.md');
    expect(dataOf(page, 'terminal').steps[1]?.narration).toBe(
      'A readable table of contents means the archive is complete enough to restore from.',
    );
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'YamlLenient',
        severity: 'warning',
        file: 'terminal/lenient-wrapped-quote.md',
        line: 11,
        block: 'terminal',
        path: '',
        message:
          "The block's YAML at line 20 was read leniently, as MkDocs reads it, but strict YAML tools reject it: a quoted text continues on a line indented no deeper than its key.",
      },
    ]);
    expect(page.problems[0]?.hint).toBe(
      'Indent the continuation lines of the quoted text deeper than its key, or keep the text on one line.',
    );
  });

  it('keeps command builders whose flow lists continue under-indented or at column 1', () => {
    const page = fixture('command-builder/lenient-flow-list.md');
    expect(dataOf(page, 'command-builder', 0).pieces[0]?.choices.map((c) => c.value)).toEqual(['--all-databases', '--databases shop']);
    expect(dataOf(page, 'command-builder', 1).pieces.map((p) => p.flag)).toEqual(['--globals-only', '--clean']);
    expect(page.problems.map((p) => [p.name, p.severity, p.line, p.message])).toEqual([
      [
        'YamlLenient',
        'warning',
        11,
        "The block's YAML at line 18 was read leniently, as MkDocs reads it, but strict YAML tools reject it: a [...] list continues on a line indented no deeper than its key.",
      ],
      [
        'YamlLenient',
        'warning',
        21,
        "The block's YAML at line 24 was read leniently, as MkDocs reads it, but strict YAML tools reject it: a [...] list continues on a line indented no deeper than its key.",
      ],
    ]);
    expect(page.problems[0]?.hint).toBe('Indent the continuation lines of the list deeper than its key, or keep the list on one line.');
  });

  it('reads dates as text in the lenient reading too, as the strict parser does', () => {
    const page = parseLesson(
      '```terminal\nsteps:\n  - command: date\n    output: 2025-03-02\n    narration: "The day\n    of the dump."\n```\n',
      't.md',
      EMPTY_INDEX,
      blockRegistry,
    );
    expect(page.problems.map((p) => p.name)).toEqual(['YamlLenient']);
    const [t] = blocksOf(page);
    expect(t?.ok && t.block.type === 'terminal' ? t.block.data.steps[0]?.output : undefined).toBe('2025-03-02');
  });

  it('reads front matter the same way, warning on the line strict parsers stop at', () => {
    const fm = readFrontMatter('---\ndescription: "Take a dump\nand restore it."\ntags: [a]\n---\n# T\n', 'fm.md');
    expect(fm.meta.description).toBe('Take a dump and restore it.');
    expect(fm.meta.tags).toEqual(['a']);
    expect(fm.problems.map(seen)).toEqual([
      {
        name: 'YamlLenient',
        severity: 'warning',
        file: 'fm.md',
        line: 3,
        block: 'front-matter',
        path: '',
        message:
          "The front matter's YAML at line 3 was read leniently, as MkDocs reads it, but strict YAML tools reject it: a quoted text continues on a line indented no deeper than its key.",
      },
    ]);
  });

  it('keeps YAML that both parsers reject an error with the strict message and the |N hint', () => {
    const page = fixture('terminal/invalid-deeper-first-line.md');
    expect(page.problems.map((p) => [p.name, p.severity, p.message])).toEqual([
      ['YamlSyntax', 'error', "The block's YAML does not parse: Implicit keys need to be on a single line (line 15)"],
    ]);
    expect(page.problems[0]?.hint).toContain('Write "|2" instead of "|"');
  });
});

describe('the indentation indicator suggested for a deeper first line', () => {
  it('is counted from the output key, not from a multi-line command before it in the same step', () => {
    const step = [
      'steps:',
      '  - command: |',
      '      psql -c "SELECT 1" \\',
      '        -d shop',
      '    output: |',
      '       ?column?',
      '      ----------',
      '              1',
      '    narration: A psql table',
    ].join('\n');
    expect(blockScalarIndentFix(step)).toBe(2);
  });

  it('is none when no block scalar starts deeper than it goes on', () => {
    expect(blockScalarIndentFix('output: |\n  a\n    b\n')).toBeUndefined();
  });
});

describe('field values out of range say what was written and what is allowed', () => {
  const problemsOf = (body: string) =>
    parseLesson(`# Page\n\n${body}\n`, 'p.md', EMPTY_INDEX, blockRegistry).problems.map((p) => p.message);

  it('names the number and its lower bound', () => {
    const body = ['```code-walkthrough', 'code: |', '  SELECT 1;', 'annotations:', '  - line: 0', '    text: Too early', '```'].join('\n');
    expect(problemsOf(body)).toEqual(['Field "line" is not valid: it is the number 0, but it must be at least 1.']);
  });

  it('names the value and the values allowed', () => {
    const body = [
      '```lab',
      'id: pick',
      'title: Pick',
      'engines: [oracle]',
      'time: 5 min',
      'tasks: [Do it]',
      'checks:',
      '  - {id: done, title: Done, shell: echo 1, expect: "1", fail: Not yet, hint: Try}',
      'solution: "true"',
      '```',
    ].join('\n');
    expect(problemsOf(body)).toEqual([
      'Field "engines.0" is not valid: it is the text "oracle", but it must be one of "mariadb", "postgresql".',
    ]);
  });

  it('covers every mis-indented block scalar of the block, each at its own line', () => {
    const body = [
      'steps:',
      '  - command: psql -c "select 1"',
      '    output: |',
      '       ?column?',
      '      ----------',
      '    narration: one',
      '  - command: mysql -e "select 1"',
      '    output: |',
      '          1',
      '      ---',
      '  - command: ls',
      '    output: |',
      '      fine',
      '      lines',
    ].join('\n');
    expect(blockScalarFixes(body, 10)).toEqual([
      { line: 12, indicator: 2, needed: 2 },
      { line: 17, indicator: 2, needed: 2 },
    ]);
    const page = parseLesson(`\`\`\`terminal\n${body}\n\`\`\`\n`, 't.md', EMPTY_INDEX, blockRegistry);
    expect(page.problems[0]?.hint).toBe(
      'A "|" block takes its indentation from its first line, and the ones at lines 4 and 9 are indented deeper than the lines after them. Write "|2" at line 4 and "|2" at line 9 instead of "|" to fix the indentation, or indent every line alike.',
    );
  });

  it('never suggests an indicator above 9, which YAML does not have', () => {
    const body = ['steps:', '  - command: x', '    output: |', '                  deep', '              less', '              deep'].join(
      '\n',
    );
    expect(blockScalarFixes(body)).toEqual([{ line: 3, indicator: undefined, needed: 10 }]);
    const page = parseLesson(`\`\`\`terminal\n${body}\n\`\`\`\n`, 't.md', EMPTY_INDEX, blockRegistry);
    const hint = page.problems[0]?.hint ?? '';
    expect(hint).not.toMatch(/\|\d{2}/);
    expect(hint).toBe(
      'A "|" block takes its indentation from its first line, and the one at line 4 is indented deeper than the lines after it. Its content sits 10 columns deeper than its key, more than the indentation indicator allows (1 to 9): indent every line alike, or move the lines left so they start at most 9 columns deeper than the key.',
    );
  });
});
