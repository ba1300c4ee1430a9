import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson, slugId } from '../../src/lesson/parse-lesson.ts';
import { fixture, fixtureCourse } from '../helpers/fixtures.ts';
import { blocksOf, mdNodes, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };

describe('tables and raw HTML', () => {
  const page = fixture('page/tables-and-html.md');

  it('reads a GFM table with an escaped pipe inside a code span as one cell', () => {
    const [table] = mdNodes(page, 'table');
    expect(table?.children).toHaveLength(3);
    expect(table?.children[1]?.children).toHaveLength(2);
    expect(mdNodes(page, 'inlineCode').map((c) => c.value)).toEqual(['daily|weekly', '*.sql.gz']);
  });

  it('passes div, span, figure and picture through as raw HTML', () => {
    const html = mdNodes(page, 'html')
      .map((h) => h.value)
      .join('\n');
    for (const tag of ['<div class="callout"', '<span class="num">', '<figure class="diagram">', '<picture>', '<source srcset=']) {
      expect(html).toContain(tag);
    }
  });

  it('resolves the raw HTML images (one ../ deeper) without a problem', () => {
    expect(page.problems).toEqual([]);
  });
});

describe('ordinary code fences', () => {
  it('stay code in every language, and a yaml fence is not a block', () => {
    const page = fixture('page/code-languages.md');
    expect(mdNodes(page, 'code').map((c) => c.lang)).toEqual([
      'bash',
      'sql',
      'ini',
      'perl',
      'python',
      'yaml',
      'nginx',
      'dockerfile',
      'console',
    ]);
    expect(blocksOf(page)).toEqual([]);
    expect(page.problems).toEqual([]);
    expect(mdNodes(page, 'code')[5]?.value).toBe('steps:\n  - command: "this is yaml, not a terminal block"');
  });
});

describe('a page with prose only', () => {
  it('has prose nodes only, no blocks and no problems', () => {
    const page = fixture('page/no-blocks.md');
    expect(page.nodes.map((n) => n.kind)).toEqual(['markdown']);
    expect(Object.values(page.blockCounts).every((n) => n === 0)).toBe(true);
    expect(mdNodes(page, 'paragraph')).toHaveLength(2);
    expect(page.problems).toEqual([]);
  });
});

describe('block ids', () => {
  it('derive from the page route, the block type and the ordinal of that type', () => {
    expect(blocksOf(fixture('exercise/scenario-hints-solution.md')).map((b) => b.id)).toEqual([
      'exercise-scenario-hints-solution-exercise-1',
      'exercise-scenario-hints-solution-quiz-1',
      'exercise-scenario-hints-solution-terminal-1',
    ]);
  });

  it('turn spaces and other characters of the route into dashes', () => {
    expect(slugId('Server Ops/disk layout')).toBe('server-ops-disk-layout');
    expect(slugId('')).toBe('home');
    expect(slugId('Backups/PITR (advanced)')).toBe('backups-pitr-advanced');
  });

  it('keep letters and digits of any script, so a non-Latin page does not collide with the home page', () => {
    expect(slugId('Введение')).toBe('введение');
    expect(slugId('Основы/Резервное копирование 2')).toBe('основы-резервное-копирование-2');
    expect(blocksOf(fixture('page/Введение.md')).map((b) => [b.id, b.ok])).toEqual([['page-введение-quiz-1', true]]);
  });

  it('slug an explicit id that is not a valid id, with a warning, and read a number as its text', () => {
    const page = fixture('quiz/explicit-ids.md');
    expect(blocksOf(page).map((b) => [b.id, b.ok])).toEqual([
      ['standby-check', true],
      ['42', true],
    ]);
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'BlockIdChanged',
        severity: 'warning',
        file: 'quiz/explicit-ids.md',
        line: 9,
        block: 'quiz',
        path: 'id',
        message: 'Block id "Standby Check" is not a valid id, so the block uses "standby-check".',
      },
    ]);
  });

  it('keep an explicit id, and blocks after it keep their ordinal', () => {
    const page = parseLesson(
      '```quiz\nid: first-check\nquestion: a\noptions: [{text: x, correct: true}, {text: y}]\n```\n\n```quiz\nquestion: b\noptions: [{text: x, correct: true}, {text: y}]\n```\n',
      'Drills/Restore.md',
      EMPTY_INDEX,
      blockRegistry,
    );
    expect(blocksOf(page).map((b) => b.id)).toEqual(['first-check', 'drills-restore-quiz-2']);
  });

  it('are unique across the fixture course', () => {
    const ids = fixtureCourse().lessons.flatMap((l) =>
      blocksOf(l)
        .filter((b) => b.ok)
        .map((b) => b.id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the fixture course as a site', () => {
  const course = fixtureCourse();

  it('starts with the home page and lists the section folders in order', () => {
    expect(course.lessons[0]?.file).toBe('README.md');
    expect(course.nav.sections.map((s) => s.route)).toEqual([
      'code-walkthrough',
      'command-builder',
      'exercise',
      'lab',
      'machinery',
      'mdx',
      'mermaid',
      'mkdocs-project',
      'page',
      'quiz',
      'reader',
      'terminal',
      'text',
    ]);
    const pageSection = course.nav.sections.find((s) => s.route === 'page');
    expect(pageSection?.sections.map((s) => s.route)).toEqual(['page/Other Notes']);
  });

  it('treats the SVG as an asset, not a page', () => {
    expect(course.index.assets.has('assets/diagram.svg')).toBe(true);
    expect(course.lessons.some((l) => l.file.startsWith('assets/'))).toBe(false);
  });

  it('resolves every link on the home page', () => {
    const home = course.lessons[0];
    expect(home?.problems).toEqual([]);
    expect(home ? mdNodes(home, 'link').map((l) => l.url) : []).toContain('/exercise/scenario-hints-solution/');
  });
});
