import { describe, expect, it } from 'vitest';
import { BLOCK_TYPES } from '../../src/blocks/registry.ts';
import { extractFences, type RawBlockSegment } from '../../src/lesson/extract-fences.ts';
import { parseMarkdown } from '../../src/lesson/markdown.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, dataOf, mdNodes, seen } from './support.ts';

const blocks = (body: string, firstLine = 1) =>
  extractFences(body, firstLine, BLOCK_TYPES).filter((s): s is RawBlockSegment => s.kind === 'block');

// The FORMAT.md §1 shape: the inner closing fences are indented 2 spaces.
const NESTED = [
  '```exercise',
  'title: Restore the customers table',
  'scenario: |',
  '  A bad UPDATE wiped every email address:',
  '  ```bash',
  '  pg_restore -l /srv/dumps/crm.dump',
  '  ```',
  'solution: |',
  '  ```bash',
  '  pg_restore -d crm -t customers --clean /srv/dumps/crm.dump',
  '  ```',
  '  Check one address by hand.',
  '```',
  '',
  '```quiz',
  'question: "Still a block?"',
  'options:',
  '  - text: "yes"',
  '    correct: true',
  '  - text: "no"',
  '```',
].join('\n');

describe('extractFences on raw text', () => {
  it('keeps an exercise whose YAML scalars hold 2-space-indented fences whole', () => {
    const [ex, quiz, ...rest] = blocks(NESTED);
    expect(rest).toEqual([]);
    expect(ex).toMatchObject({ type: 'exercise', line: 1, bodyLine: 2, closed: true, fence: '```' });
    expect(ex?.body.split('\n')).toHaveLength(11);
    expect(ex?.body.endsWith('  Check one address by hand.')).toBe(true);
    expect(quiz).toMatchObject({ type: 'quiz', line: 15, closed: true });
    expect(quiz?.body).toBe('question: "Still a block?"\noptions:\n  - text: "yes"\n    correct: true\n  - text: "no"');
  });

  it('differs from CommonMark, which would close the exercise at the indented inner fence', () => {
    // The reason extraction runs before remark: remark ends the outer fence too early.
    const code = parseMarkdown(NESTED).children[0];
    expect(code?.type).toBe('code');
    expect(code?.type === 'code' ? code.value : '').not.toContain('Check one address by hand.');
  });

  it('reports the opening fence line and body line relative to the first line given', () => {
    const segs = extractFences('Intro line\n\n```terminal\nsteps: []\n```\nAfter.', 20, BLOCK_TYPES);
    expect(segs).toEqual([
      { kind: 'prose', text: 'Intro line\n', startLine: 20 },
      { kind: 'block', type: 'terminal', body: 'steps: []', line: 22, bodyLine: 23, fence: '```', closed: true },
      { kind: 'prose', text: 'After.', startLine: 25 },
    ]);
  });

  it('leaves a block shown inside a four-backtick fence as prose', () => {
    const text = ['````markdown', '```quiz', 'question: "example"', '```', '````'].join('\n');
    expect(blocks(text)).toEqual([]);
    expect(extractFences(text, 1, BLOCK_TYPES)).toEqual([{ kind: 'prose', text, startLine: 1 }]);
  });

  it('leaves a block shown inside a tilde fence as prose, and finds the block after it', () => {
    const text = ['~~~', '```terminal', 'steps: []', '```', '~~~', '', '```mermaid', 'graph TD', '  A --> B', '```'].join('\n');
    const found = blocks(text);
    expect(found.map((b) => [b.type, b.line])).toEqual([['mermaid', 7]]);
  });

  it('closes a longer backtick run only on the same run, so ``` lines inside it stay body', () => {
    const text = ['````exercise', 'solution: |', '```sql', 'select 1;', '```', '````'].join('\n');
    const [b] = blocks(text);
    expect(b).toMatchObject({ type: 'exercise', fence: '````', closed: true, body: 'solution: |\n```sql\nselect 1;\n```' });
  });

  it('does not treat an indented fence or an unknown info string as a block', () => {
    expect(blocks('  ```quiz\nquestion: x\n  ```')).toEqual([]);
    expect(blocks('```quizzes\nquestion: x\n```')).toEqual([]);
    expect(blocks('```quiz title="x"\nquestion: x\n```')).toEqual([]);
  });

  it('accepts spaces around the info string and after the closing fence', () => {
    const [b] = blocks('``` quiz \nquestion: x\n```   \nafter');
    expect(b).toMatchObject({ type: 'quiz', body: 'question: x', closed: true });
  });

  it('reads CRLF pages line by line', () => {
    const [b] = blocks('```terminal\r\nsteps: []\r\n```\r\n');
    expect(b).toMatchObject({ type: 'terminal', body: 'steps: []', closed: true });
  });

  it('lets a block opener end an unclosed ordinary fence of the same length, and says which fence', () => {
    const text = ['```bash', 'pg_dump shop', '', '```quiz', 'question: x', '```', '', '```terminal', 'steps: []', '```'].join('\n');
    expect(blocks(text, 10).map((b) => [b.type, b.line, b.endsFence])).toEqual([
      ['quiz', 13, { line: 10, fence: '```' }],
      ['terminal', 17, undefined],
    ]);
  });

  it('lets a longer opener end a shorter unclosed fence too', () => {
    expect(blocks(['```', 'x', '````quiz', 'question: x', '````'].join('\n')).map((b) => [b.type, b.endsFence])).toEqual([
      ['quiz', { line: 1, fence: '```' }],
    ]);
  });

  it('marks a block without a closing fence as unclosed and gives it the rest of the page', () => {
    const [b] = blocks('```quiz\nquestion: x\n\nMore prose.', 5);
    expect(b).toMatchObject({ type: 'quiz', line: 5, closed: false, body: 'question: x\n\nMore prose.' });
  });
});

describe('the nested-fence fixture page', () => {
  const page = fixture('exercise/scenario-hints-solution.md');

  it('parses the exercise whole: scenario and solution keep their inner fences and the text after them', () => {
    const ex = dataOf(page, 'exercise');
    expect(ex.scenario).toBe(
      "A migration dropped `invoices` from **billing**. Last night's archive is in `/srv/dumps`:\n" +
        '```bash\npg_restore --list /srv/dumps/billing.dump | grep invoices\n```\n' +
        'Put the table back without touching anything else.\n',
    );
    expect(ex.solution?.trimEnd().endsWith("```\nFinally compare the row count with yesterday's report.")).toBe(true);
  });

  it('keeps the quiz and the terminal after it intact, and counts all three blocks', () => {
    expect(blocksOf(page).map((b) => [b.type, b.line, b.ok])).toEqual([
      ['exercise', 9, true],
      ['quiz', 28, true],
      ['terminal', 39, true],
    ]);
    expect(page.blockCounts).toEqual({
      quiz: 1,
      'command-builder': 0,
      terminal: 1,
      exercise: 1,
      'code-walkthrough': 0,
      mermaid: 0,
      lab: 0,
    });
    expect(dataOf(page, 'quiz').questions[0]?.options.map((o) => o.text)).toEqual(['--list', '--dry-run']);
    expect(dataOf(page, 'terminal').steps.map((s) => s.output)).toEqual(['18211', '2025-03-02 23:58:40+00']);
    expect(page.problems).toEqual([]);
  });

  it('keeps the prose after the blocks as prose', () => {
    expect(page.headings).toEqual([{ depth: 2, text: 'After the blocks', id: 'after-the-blocks' }]);
    expect(mdNodes(page, 'code')).toEqual([]);
  });
});

describe('the four-backtick fixture page', () => {
  const page = fixture('page/four-backtick-example.md');

  it('shows the example quiz as code, not as a block', () => {
    const code = mdNodes(page, 'code');
    expect(code.map((c) => c.lang)).toEqual(['markdown', 'text']);
    expect(code[0]?.value.split('\n')[0]).toBe('```quiz');
    expect(code[0]?.value).toContain('question: "Shown as code, never asked"');
    expect(code[1]?.value.split('\n')[0]).toBe('```terminal');
  });

  it('counts only the real quiz after the examples', () => {
    expect(blocksOf(page).map((b) => [b.type, b.line])).toEqual([['quiz', 32]]);
    expect(dataOf(page, 'quiz').questions[0]?.question).toBe('Was the quiz above a block?');
    expect(page.blockCounts.terminal).toBe(0);
    expect(page.problems).toEqual([]);
  });
});

describe('the unclosed-code-fence fixture page', () => {
  const page = fixture('page/unclosed-code-fence.md');

  it('keeps the quiz after the unclosed fence as a block', () => {
    expect(blocksOf(page).map((b) => [b.type, b.line, b.ok])).toEqual([['quiz', 14, true]]);
    expect(page.blockCounts.quiz).toBe(1);
  });

  it('warns about the unclosed fence on its own line, naming the block that ended it', () => {
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'UnclosedCodeFence',
        severity: 'warning',
        file: 'page/unclosed-code-fence.md',
        line: 11,
        block: 'page',
        path: '',
        message: 'The code fence ``` opened at line 11 is not closed before the quiz block at line 14, so the block ends it there.',
      },
    ]);
  });
});
