/** Block and front matter YAML: what an author sees when the YAML is not what they meant. */
import { describe, expect, it } from 'vitest';
import { readFrontMatter } from '../../src/lesson/front-matter.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, seen } from './support.ts';

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
    const page = parseLesson(`# T\n\n\`\`\`quiz\n${bomb}\n\`\`\`\n`, 'q.md', EMPTY_INDEX);
    expect(page.problems.map((p) => [p.name, p.line, p.message])).toEqual([
      ['YamlSyntax', 3, "The block's YAML does not parse: Too many aliases: expanding them would make more than 100 copies (line 6)"],
    ]);
  });

  it('still expands an alias whose anchor is set before it', () => {
    const page = parseLesson(
      '```quiz\nquestion: "Q?"\nx: &why "Because."\noptions:\n  - {text: a, correct: true, feedback: *why}\n  - {text: b}\n```\n',
      'q.md',
      EMPTY_INDEX,
    );
    expect(page.problems).toEqual([]);
    const [quiz] = blocksOf(page);
    expect(quiz?.ok && quiz.block.type === 'quiz' ? quiz.block.data.questions[0]?.options[0]?.feedback : '').toBe('Because.');
  });
});
