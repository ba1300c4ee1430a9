/** Reading a course folder: files that collide on one route, links that lead nowhere. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { seen } from './support.ts';

let dir = '';
const course = (files: Record<string, string>, links: Record<string, string> = {}) => {
  dir = mkdtempSync(join(tmpdir(), 'drillbook-course-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  for (const [f, target] of Object.entries(links)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    symlinkSync(target, join(dir, f));
  }
  return loadCourse(dir);
};
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('two files for one route', () => {
  it('keeps index.md over README.md in one folder and names both files in a warning', () => {
    const c = course({ 'Drills/README.md': '# From the readme\n', 'Drills/index.md': '# From the index\n', 'Drills/pitr.md': '# PITR\n' });
    expect(c.lessons.map((l) => l.file)).toEqual(['Drills/index.md', 'Drills/pitr.md']);
    expect(c.problems.map(seen)).toEqual([
      {
        name: 'DuplicateRoute',
        severity: 'warning',
        file: 'Drills/README.md',
        line: 1,
        block: 'page',
        path: '',
        message: 'This page and "Drills/index.md" would both be served at /Drills/; only "Drills/index.md" is.',
      },
    ]);
  });

  it('reports Sec.md and Sec/README.md, and serves the kept one as the section page', () => {
    const c = course({ 'Sec.md': '# Section page\n', 'Sec/README.md': '# Section readme\n', 'Sec/inside.md': '# Inside\n' });
    expect(c.problems.map((p) => [p.name, p.file, p.message])).toEqual([
      ['DuplicateRoute', 'Sec/README.md', 'This page and "Sec.md" would both be served at /Sec/; only "Sec.md" is.'],
    ]);
    const sec = c.nav.sections.find((s) => s.route === 'Sec');
    expect(sec?.index?.file).toBe('Sec.md');
    expect(sec?.pages.map((l) => l.file)).toEqual(['Sec/inside.md']);
    expect(c.nav.pages).toEqual([]);
  });

  it('makes Other.md the page of the Other/ folder beside it (one route, no listing page over it)', () => {
    const c = course({ 'Other.md': '# Other things\n', 'Other/x.md': '# X\n' });
    expect(c.problems).toEqual([]);
    const other = c.nav.sections.find((s) => s.route === 'Other');
    expect([other?.index?.file, other?.title]).toEqual(['Other.md', 'Other things']);
  });
});

describe('symbolic links', () => {
  it('skips a link to a missing file with a warning and reads the rest', () => {
    const c = course({ 'README.md': '# Home\n' }, { 'old-notes.md': 'nowhere.md' });
    expect(c.lessons.map((l) => l.file)).toEqual(['README.md']);
    expect(c.problems.map(seen)).toEqual([
      {
        name: 'FileSkipped',
        severity: 'warning',
        file: 'old-notes.md',
        line: 1,
        block: 'page',
        path: '',
        message: 'This file was skipped: it is a symbolic link to something that does not exist.',
      },
    ]);
  });

  it('skips a folder link that loops back instead of walking it forever', () => {
    const c = course({ 'README.md': '# Home\n', 'Sub/page.md': '# Page\n' }, { 'Sub/up': '..' });
    expect(c.lessons.map((l) => l.file)).toEqual(['README.md', 'Sub/page.md']);
    expect(c.problems.map((p) => [p.name, p.file, p.message])).toEqual([
      ['FileSkipped', 'Sub/up', 'This file was skipped: it is a link back to a folder that contains it.'],
    ]);
  });
});
