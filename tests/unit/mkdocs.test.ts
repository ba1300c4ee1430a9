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

  it('reads the folder itself, with a warning, when docs_dir names no folder', () => {
    const c = project('site_name: Drills\ndocs_dir: lessons\n', { 'README.md': '# Home\n' });
    expect(c.lessons.map((l) => l.file)).toEqual(['README.md']);
    expect(c.title).toBe('Drills');
    expect(c.problems.map(seen)).toEqual([
      {
        name: 'MkDocsConfig',
        severity: 'warning',
        file: 'mkdocs.yml',
        line: 1,
        block: 'page',
        path: '',
        message: 'mkdocs.yml: docs_dir "lessons" is not a folder, so the pages are read from the folder of mkdocs.yml.',
      },
    ]);
  });

  it('ignores a mkdocs.yml whose YAML does not parse, with a warning on its line', () => {
    const c = project('site_name: Drills\nnav: [index.md\n', { 'docs/index.md': '# Home\n' });
    expect(c.title).toBeUndefined();
    expect(c.problems.map((p) => [p.name, p.file, p.line])).toEqual([['MkDocsConfig', 'mkdocs.yml', 3]]);
    expect(c.problems[0]?.message.startsWith('mkdocs.yml: its YAML does not parse, so it is ignored: ')).toBe(true);
  });

  it('uses docs/ when mkdocs.yml does not say, keeping name order without nav', () => {
    const c = project('site_name: Drills\n', { 'docs/index.md': '# Home\n', 'docs/b.md': '# B\n', 'docs/a.md': '# A\n' });
    expect(c.lessons.map((l) => l.file)).toEqual(['index.md', 'a.md', 'b.md']);
    expect(c.problems).toEqual([]);
  });
});
