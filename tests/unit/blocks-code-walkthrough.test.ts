import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture } from '../helpers/fixtures.ts';
import { dataOf, seen } from './support.ts';

const EMPTY_INDEX = { pages: new Map<string, string>(), assets: new Set<string>(), base: '/' };

describe('code-walkthrough variants', () => {
  it('with a language; a quoted line number is read as a number; trailing newline dropped', () => {
    expect(dataOf(fixture('code-walkthrough/with-language.md'), 'code-walkthrough')).toEqual({
      id: 'code-walkthrough-with-language-code-walkthrough-1',
      title: 'A full physical backup of MariaDB',
      language: 'bash',
      description: 'Take the copy, then make it consistent.',
      code: 'mariadb-backup --backup --target-dir=/srv/base --user=backup\nmariadb-backup --prepare --target-dir=/srv/base\nchown -R mysql:mysql /srv/base',
      annotations: [
        { line: 1, text: 'Copies the data files while the server keeps running.' },
        { line: 2, text: 'Applies the redo log so the copy is **consistent**.' },
        { line: 3, text: 'The server must own the files it will start from.' },
      ],
    });
  });

  it('without a language', () => {
    const w = dataOf(fixture('code-walkthrough/without-language.md'), 'code-walkthrough');
    expect(w.language).toBeUndefined();
    expect(w.description).toBeUndefined();
    expect(w.code.split('\n')).toEqual(['15 2 * * * /usr/local/bin/nightly-dump', '0 4 * * 0 /usr/local/bin/weekly-base-backup']);
    expect(w.annotations.map((a) => a.line)).toEqual([1, 2]);
  });
});

describe('invalid code walkthroughs', () => {
  it('an annotation past the last line of code', () => {
    const page = fixture('code-walkthrough/invalid-line-out-of-range.md');
    expect(page.problems.map(seen)).toEqual([
      {
        name: 'AnnotationOutOfRange',
        severity: 'error',
        file: 'code-walkthrough/invalid-line-out-of-range.md',
        line: 9,
        block: 'code-walkthrough',
        path: 'annotations.1.line',
        message: 'Annotation points at line 5, but the code has 3 lines.',
      },
    ]);
    expect(page.problems[0]?.hint).toBe('Use a line number from 1 to 3, counted from the first line of "code".');
  });

  it('line 0 is not a line either', () => {
    const page = parseLesson(
      '```code-walkthrough\ncode: |\n  one\n  two\nannotations:\n  - line: 0\n    text: x\n```\n',
      'w.md',
      EMPTY_INDEX,
      blockRegistry,
    );
    expect(page.problems.map((p) => [p.severity, p.path])).toEqual([['error', 'annotations.0.line']]);
  });
});
