/** Pointing Drillbook at an MkDocs project: docs_dir is the content, site_name the title, nav the order. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { allSections } from '../../src/course/site-course.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { seen } from './support.ts';

describe('the mkdocs-project fixture', () => {
  const course = loadCourse(join(FIXTURES, 'mkdocs-project'));

  it('reads the pages of docs_dir, with paths relative to it, despite !!python/name and !ENV tags', () => {
    expect(course.dir).toBe(join(FIXTURES, 'mkdocs-project', 'docs'));
    expect(course.problems).toEqual([]);
    expect(course.lessons[0]).toMatchObject({ file: 'index.md', route: '', title: 'Restore Drills Handbook' });
  });

  it('takes the site title from site_name', () => {
    expect(course.title).toBe('Restore Drills Handbook');
  });

  it('orders sections and pages as nav lists them, and names a section after its nav group', () => {
    expect(course.lessons.map((l) => l.file)).toEqual([
      'index.md',
      'restores/full-restore.md',
      'restores/checksums.md',
      'basics/retention.md',
    ]);
    expect(allSections(course.nav).map((s) => [s.route, s.title])).toEqual([
      ['', 'Home'],
      ['restores', 'Restore drills'],
      ['basics', 'Basics'],
    ]);
  });
});

describe('mkdocs.yml that cannot be fully used', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const project = (config: string, files: Record<string, string> = {}) => {
    dir = mkdtempSync(join(tmpdir(), 'drillbook-mkdocs-'));
    writeFileSync(join(dir, 'mkdocs.yml'), config);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    return loadCourse(dir);
  };

  it('is an error, and reads nothing (never the repository root), when docs_dir names no folder', () => {
    const c = project('site_name: Drills\ndocs_dir: lessons\n', { 'README.md': '# Home\n' });
    expect(c.pages).toEqual([]);
    expect(c.lessons).toEqual([]);
    expect(c.title).toBe('Drills');
    expect(c.problems.map(seen)).toEqual([
      {
        name: 'MkDocsDocsDirMissing',
        severity: 'error',
        file: 'mkdocs.yml',
        line: 1,
        block: 'page',
        path: '',
        message: 'mkdocs.yml: the pages folder docs_dir "lessons" does not exist, so there is no course to read; MkDocs stops here too.',
      },
    ]);
  });

  it('is the same error when docs_dir is not given and there is no docs/ folder', () => {
    const c = project('site_name: Drills\n', { 'README.md': '# Home\n', 'notes/a.md': '# A\n' });
    expect(c.pages).toEqual([]);
    expect(c.problems.map((p) => [p.name, p.severity, p.message])).toEqual([
      [
        'MkDocsDocsDirMissing',
        'error',
        'mkdocs.yml: the pages folder "docs" (MkDocs\' default docs_dir) does not exist, so there is no course to read; MkDocs stops here too.',
      ],
    ]);
  });

  it('ignores a mkdocs.yml whose YAML does not parse, with a warning on its line', () => {
    const c = project('site_name: Drills\nnav: [index.md\n', { 'docs/index.md': '# Home\n' });
    expect(c.title).toBeUndefined();
    expect(c.problems.map((p) => [p.name, p.file, p.line])).toEqual([['MkDocsConfig', 'mkdocs.yml', 3]]);
    expect(c.problems[0]?.message.startsWith('mkdocs.yml: its YAML does not parse, so it is ignored: ')).toBe(true);
  });

  it('reads the folder itself with docs_dir: ., in nav order, and publishes neither mkdocs.yml nor drillbook.yml', () => {
    const c = project('site_name: Drills\ndocs_dir: .\nnav:\n  - index.md\n  - b.md\n  - a.md\n', {
      'index.md': '# Home\n',
      'a.md': '# A\n',
      'b.md': '# B\n',
      'drillbook.yml': 'links: strict\n',
      'img/map.png': 'png',
    });
    expect(c.lessons.map((l) => l.file)).toEqual(['index.md', 'b.md', 'a.md']);
    expect([...c.index.assets]).toEqual(['img/map.png']);
    expect(c.problems).toEqual([]);
  });

  it('uses docs/ when mkdocs.yml does not say, keeping name order without nav', () => {
    const c = project('site_name: Drills\n', { 'docs/index.md': '# Home\n', 'docs/b.md': '# B\n', 'docs/a.md': '# A\n' });
    expect(c.lessons.map((l) => l.file)).toEqual(['index.md', 'a.md', 'b.md']);
    expect(c.problems).toEqual([]);
  });
});

describe('pages that are not lessons', () => {
  const course = loadCourse(join(FIXTURES, 'machinery'));

  it("are read, checked and counted, but are not in the navigation or the reading order (template other than a lesson's, search: exclude)", () => {
    expect(course.pages.map((l) => l.file).sort()).toEqual(['README.md', 'invalid-admin.md', 'lesson.md', 'print.md', 'tags.md']);
    expect(course.lessons.map((l) => l.file)).toEqual(['README.md', 'lesson.md', 'tags.md']);
    expect(allSections(course.nav).flatMap((s) => s.pages.map((p) => p.file))).toEqual(['lesson.md', 'tags.md']);
    // invalid-admin.md has a broken quiz: reported like any page's.
    expect(course.problems.map((p) => [p.file, p.name])).toEqual([['invalid-admin.md', 'QuizNoCorrect']]);
    expect(course.blockCounts.quiz).toBe(2);
  });

  it('Markdown under assets/ is an asset, not a page', () => {
    expect(course.pages.some((l) => l.file.startsWith('assets/'))).toBe(false);
    expect(course.index.assets.has('assets/snippets/intro.md')).toBe(true);
  });
});
