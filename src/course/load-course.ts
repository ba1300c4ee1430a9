/**
 * Reads a course folder from disk: every .md file is a page, every other
 * file an asset. This is the file-system edge of the lesson pipeline; the
 * parsing itself is pure (src/lesson).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BLOCK_TYPES, type BlockType } from '../blocks/registry.ts';
import { checkAnchors } from '../lesson/anchors.ts';
import type { Problem } from '../lesson/errors.ts';
import { routeOf, type CourseIndex } from '../lesson/links.ts';
import { emptyCounts, parseLesson, type Lesson } from '../lesson/parse-lesson.ts';

export interface NavSection {
  /** Folder path relative to the course ('' for the root). */
  route: string;
  title: string;
  /** The folder's README.md / index.md, if any. */
  index: Lesson | undefined;
  pages: Lesson[];
  sections: NavSection[];
}

export interface Course {
  dir: string;
  index: CourseIndex;
  /** Every page in reading order (depth-first over the navigation). */
  lessons: Lesson[];
  nav: NavSection;
  problems: Problem[];
  blockCounts: Record<BlockType, number>;
}

const SKIP_DIR = new Set(['node_modules', 'site', '__pycache__']);

function walk(dir: string, root: string, pages: string[], assets: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const st = statSync(abs);
    if (st.isDirectory()) {
      if (!SKIP_DIR.has(name)) walk(abs, root, pages, assets);
    } else if (st.isFile()) {
      const rel = relative(root, abs).split(sep).join('/');
      (/\.md$/i.test(name) ? pages : assets).push(rel);
    }
  }
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
const isIndexFile = (f: string) => /(^|\/)(readme|index)\.md$/i.test(f);

export function loadCourse(dir: string, base = '/'): Course {
  const pages: string[] = [];
  const assets: string[] = [];
  walk(dir, dir, pages, assets);
  pages.sort(byName);
  // Two files for one route (README.md and index.md): the first wins, like MkDocs.
  const routes = new Map<string, string>();
  const seen = new Set<string>();
  for (const p of pages) {
    const r = routeOf(p);
    if (!seen.has(r)) {
      seen.add(r);
      routes.set(p, r);
    }
  }
  const index: CourseIndex = { pages: routes, assets: new Set(assets), base };
  // A UTF-8 byte order mark would hide the front matter's opening ---.
  const lessons = [...routes.keys()].map((f) => parseLesson(readFileSync(join(dir, f), 'utf8').replace(/^\uFEFF/, ''), f, index));
  checkAnchors(lessons);
  const nav = buildNav(lessons);
  const ordered: Lesson[] = [];
  const visitNav = (s: NavSection) => {
    if (s.index) ordered.push(s.index);
    ordered.push(...s.pages);
    s.sections.forEach(visitNav);
  };
  visitNav(nav);
  const blockCounts = emptyCounts();
  for (const l of lessons) for (const t of BLOCK_TYPES) blockCounts[t] += l.blockCounts[t];
  return { dir, index, lessons: ordered, nav, problems: ordered.flatMap((l) => l.problems), blockCounts };
}

function buildNav(lessons: Lesson[]): NavSection {
  const root: NavSection = { route: '', title: 'Home', index: undefined, pages: [], sections: [] };
  const sectionFor = (folder: string): NavSection => {
    if (folder === '') return root;
    const parentPath = folder.includes('/') ? folder.slice(0, folder.lastIndexOf('/')) : '';
    const parent = sectionFor(parentPath);
    let s = parent.sections.find((x) => x.route === folder);
    if (!s) {
      const name = folder.slice(folder.lastIndexOf('/') + 1);
      s = {
        route: folder,
        title: name.replace(/[-_]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase()),
        index: undefined,
        pages: [],
        sections: [],
      };
      parent.sections.push(s);
      parent.sections.sort((a, b) => byName(a.route, b.route));
    }
    return s;
  };
  for (const l of lessons) {
    const folder = l.file.includes('/') ? l.file.slice(0, l.file.lastIndexOf('/')) : '';
    const s = sectionFor(folder);
    if (isIndexFile(l.file)) {
      s.index = l;
      if (folder !== '') s.title = l.title;
    } else s.pages.push(l);
  }
  return root;
}
