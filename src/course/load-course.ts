/**
 * Reads a course folder from disk: every .md or .mdx file is a page (but
 * Markdown under an `assets/` folder is an asset, FORMAT.md §3), every other
 * file an asset, except the modules MDX pages import and `.astro`
 * components, which are built into the pages, not published as files. This
 * is the file-system edge of the lesson pipeline; the parsing itself is pure
 * (src/lesson).
 *
 * A page is a lesson unless its front matter marks it as the original
 * site's own machinery (a `template:` other than a lesson's or the home
 * page's, or `search: {exclude: true}`): such a page is read, checked and
 * counted, and built as a plain page, but it is not in the navigation,
 * previous/next or search.
 */
import { readFileSync } from 'node:fs';
import { appendProblems, expandSnippets, usesSnippets, type SnippetSettings } from './snippets.ts';
import { join, resolve } from 'node:path';
import { BLOCK_TYPES, blockRegistry, type BlockType, type CourseLesson } from '../blocks/registry.ts';
import { checkAnchors } from '../lesson/anchors.ts';
import { problem, type Problem } from '../problems/catalogue.ts';
import { dirname, normalisePath, routeOf, routeUrl, type CourseIndex } from '../lesson/links.ts';
import { emptyCounts, parseLesson } from '../lesson/parse-lesson.ts';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { cacheGet, cacheSet, codeVersion, hash } from '../cache/store.ts';
import { MKDOCS_CONFIG_NAMES, readMkDocs, type MkDocsProject } from './mkdocs.ts';
import { byName, walk, type Listing } from './page-files.ts';
import { applySettings, readCourseSettings, SETTINGS_FILE } from './settings.ts';

export interface NavSection {
  /** Folder path relative to the course ('' for the root). */
  route: string;
  title: string;
  /** The folder's README.md / index.md, if any. */
  index: CourseLesson | undefined;
  pages: CourseLesson[];
  sections: NavSection[];
}

export interface Course {
  /** The content root: the folder given, or the docs_dir of its mkdocs.yml. */
  dir: string;
  /** mkdocs.yml's site_name, when there is one. */
  title: string | undefined;
  index: CourseIndex;
  /** The lessons in reading order (depth-first over the navigation). */
  lessons: CourseLesson[];
  /** Every page read: the lessons, then the pages that are not lessons (isLesson), by name. */
  pages: CourseLesson[];
  nav: NavSection;
  problems: Problem[];
  blockCounts: Record<BlockType, number>;
  /**
   * Files outside the pages that the course was read from, absolute, each
   * with the pages (course-relative) that read it, for the dev server to
   * watch: the course's configuration (mkdocs.yml, mkdocs.yaml and
   * drillbook.yml, there or not; no pages), mkdocs.yml's `watch:` paths
   * (no pages), and every snippet file a page includes or looked for.
   */
  sources: Map<string, string[]>;
}

/** Templates of ordinary pages: MkDocs Material's default (`main.html`), a lesson, the course home. */
const LESSON_TEMPLATES = /^(main|lesson|home)(\.html)?$/i;

/** Whether a page is a lesson, rather than a page of the original site's machinery (FORMAT.md §3). */
export function isLesson(page: Pick<CourseLesson, 'meta'>): boolean {
  if (page.meta.search?.exclude === true) return false;
  const template = page.meta.template?.trim() ?? '';
  return template === '' || LESSON_TEMPLATES.test(template);
}

const isIndexFile = (f: string) => /(^|\/)(readme|index)\.mdx?$/i.test(f);

/** Source of components, never a file of the published site. */
const isComponentSource = (f: string) => /\.astro$/i.test(f);

/**
 * Whether a package an MDX page imports by name can be found from the
 * project (the build resolves it the same way); `astro:` modules are the
 * framework's own.
 */
function moduleExists(spec: string): boolean {
  if (spec.startsWith('astro:')) return true;
  try {
    import.meta.resolve(spec, pathToFileURL(resolve('package.json')).href);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads the course in `folder`: its pages, or, when it holds an mkdocs.yml,
 * the pages of that project's docs_dir in its nav order.
 */
export function loadCourse(folder: string, base = '/'): Course {
  const mkdocs = readMkDocs(folder);
  if (mkdocs && mkdocs.root === undefined) {
    // No pages folder: nothing to read (never the repository root), and the error says why.
    const nav: NavSection = { route: '', title: 'Home', index: undefined, pages: [], sections: [] };
    const index: CourseIndex = { pages: new Map(), assets: new Set(), base };
    return {
      dir: folder,
      title: mkdocs.siteName,
      index,
      lessons: [],
      pages: [],
      nav,
      problems: mkdocs.problems,
      blockCounts: emptyCounts(blockRegistry),
      sources: configSources(folder, mkdocs),
    };
  }
  const dir = mkdocs?.root ?? folder;
  const { settings, problems: settingsProblems } = readCourseSettings(folder);
  const listing: Listing = { pages: [], assets: [], skipped: [] };
  walk(dir, dir, listing);
  const { pages } = listing;
  // The settings file and, when docs_dir is the course folder itself (`docs_dir: .`), mkdocs.yml are the course's
  // configuration, not assets of the site.
  const atFolder = resolve(dir) === resolve(folder);
  const assets = listing.assets.filter((a) => !(atFolder && (a === SETTINGS_FILE || MKDOCS_CONFIG_NAMES.includes(a))));
  const courseProblems: Problem[] = [
    ...settingsProblems,
    ...(mkdocs?.problems ?? []),
    ...listing.skipped.map(({ file, reason }) => problem('FileSkipped', { file, line: 1, block: 'page' }, { reason })),
  ];
  pages.sort(byName);
  // Two files for one route (README.md and index.md, or Sec.md and Sec/README.md): the first by name wins
  // (index.md before README.md, as in MkDocs) and the other is reported.
  const routes = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const p of pages) {
    const r = routeOf(p);
    const kept = owner.get(r);
    if (kept === undefined) {
      owner.set(r, p);
      routes.set(p, r);
    } else courseProblems.push(problem('DuplicateRoute', { file: p, line: 1, block: 'page' }, { kept, url: routeUrl(r, base) }));
  }
  const assetSet = new Set(assets);
  const index: CourseIndex = {
    pages: routes,
    assets: assetSet,
    base,
    moduleExists,
    smartSymbols: mkdocs?.smartSymbols,
    math: mkdocs?.math,
  };
  const lessons: CourseLesson[] = [];
  // pymdownx.snippets: on when mkdocs.yml enables it, or when there is no mkdocs.yml (then the project is the
  // folder around the pages, as for `docs/`, and names are looked up there and in the pages folder).
  const projectDir = mkdocs ? resolve(folder) : resolve(folder, '..');
  const snippets: SnippetSettings | undefined =
    mkdocs === undefined
      ? { projectDir, basePaths: [projectDir, resolve(folder)], autoAppend: [] }
      : mkdocs.snippets && {
          projectDir,
          basePaths: mkdocs.snippets.basePaths.map((b) => resolve(projectDir, b)),
          autoAppend: mkdocs.snippets.autoAppend,
        };
  // A missing auto_append file is reported once, at mkdocs.yml, not on every page.
  if (mkdocs && snippets && snippets.autoAppend.length > 0) {
    const config = readFileSync(join(folder, mkdocs.configFile), 'utf8').split('\n');
    const lineOf = (name: string) => config.findIndex((l) => l.includes(name)) + 1 || 1;
    courseProblems.push(...appendProblems(snippets, mkdocs.configFile, lineOf));
  }
  // A page's parse depends on its text, the files of the course (links, images, imports), the extensions that change
  // typed text and the code: the cache key.
  const indexKey = hash(
    codeVersion(),
    base,
    JSON.stringify([...routes]),
    JSON.stringify(assets.slice().sort()),
    JSON.stringify([mkdocs?.smartSymbols ?? null, mkdocs?.math ?? null]),
  );
  const sources = configSources(folder, mkdocs);
  for (const f of routes.keys()) {
    let source: string;
    try {
      source = readFileSync(join(dir, f), 'utf8');
    } catch {
      courseProblems.push(problem('FileSkipped', { file: f, line: 1, block: 'page' }, { reason: 'it cannot be read' }));
      routes.delete(f);
      continue;
    }
    // A UTF-8 byte order mark would hide the front matter's opening ---.
    source = source.replace(/^\uFEFF/, '');
    if (snippets && (snippets.autoAppend.length > 0 || usesSnippets(source))) {
      const expanded = expandSnippets(source, f, snippets);
      for (const s of expanded.sources) {
        const pages = sources.get(s) ?? [];
        if (!pages.includes(f)) sources.set(s, [...pages, f]);
      }
      const lesson = parsePage(expanded.text, f, index, indexKey);
      // Problems on the page's own lines (a snippet's on the line that includes it).
      for (const p of lesson.problems) p.line = expanded.lineOf[p.line - 1] ?? p.line;
      lesson.problems.unshift(...expanded.problems);
      lessons.push(lesson);
    } else lessons.push(parsePage(source, f, index, indexKey));
  }
  checkAnchors(lessons);
  // What MDX pages import is built into them, not published beside them.
  for (const l of lessons)
    for (const imp of l.mdxImports) {
      if (!imp.source.startsWith('.')) continue;
      const target = normalisePath(`${dirname(l.file)}/${imp.source}`);
      if (target !== null) assetSet.delete(target);
    }
  for (const a of assetSet) if (isComponentSource(a)) assetSet.delete(a);
  const nav = buildNav(lessons.filter(isLesson));
  if (mkdocs && mkdocs.order.length > 0) followMkDocsNav(nav, mkdocs);
  const ordered: CourseLesson[] = [];
  const visitNav = (s: NavSection) => {
    if (s.index) ordered.push(s.index);
    ordered.push(...s.pages);
    s.sections.forEach(visitNav);
  };
  visitNav(nav);
  const others = lessons.filter((l) => !isLesson(l));
  const blockCounts = emptyCounts(blockRegistry);
  for (const l of lessons) for (const t of BLOCK_TYPES) blockCounts[t] += l.blockCounts[t];
  return {
    dir,
    title: mkdocs?.siteName,
    index,
    lessons: ordered,
    pages: [...ordered, ...others],
    nav,
    problems: applySettings([...courseProblems, ...ordered.flatMap((l) => l.problems), ...others.flatMap((l) => l.problems)], settings),
    blockCounts,
    sources,
  };
}

/** The course's configuration files (whether they exist or not) and mkdocs.yml's `watch:` paths, read by no page. */
function configSources(folder: string, mkdocs: MkDocsProject | undefined): Map<string, string[]> {
  const names = [...MKDOCS_CONFIG_NAMES, SETTINGS_FILE].map((n) => resolve(folder, n));
  return new Map([...names, ...(mkdocs?.watch ?? [])].map((p) => [p, []]));
}

/**
 * One page, from the build cache when it was read before with the same text
 * and course files: a fresh copy each time (the course checks that follow
 * add problems to it).
 */
function parsePage(source: string, file: string, index: CourseIndex, indexKey: string): CourseLesson {
  const key = hash(indexKey, file, source);
  const hit = cacheGet<Buffer>('pages', key);
  if (hit) return deserialize(hit) as CourseLesson;
  const lesson = parseLesson(source, file, index, blockRegistry);
  cacheSet('pages', key, serialize(lesson));
  return lesson;
}

function buildNav(lessons: CourseLesson[]): NavSection {
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
  const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');
  const folders = new Set<string>();
  for (const l of lessons) for (let f = folderOf(l.file); f !== ''; f = folderOf(f)) folders.add(f);
  for (const l of lessons) {
    const folder = folderOf(l.file);
    // `Sec.md` beside a `Sec/` folder is served at the folder's route, so it is that section's page.
    const indexOf = isIndexFile(l.file) ? folder : folders.has(l.route) ? l.route : undefined;
    if (indexOf !== undefined) {
      const s = sectionFor(indexOf);
      s.index = l;
      if (indexOf !== '') s.title = l.title;
    } else sectionFor(folder).pages.push(l);
  }
  return root;
}

/**
 * Orders the sidebar (and so the reading order) as mkdocs.yml's `nav:` does:
 * pages and sections by where they first appear in it, the rest after them by
 * name. A nav group whose pages are all in one folder names that section.
 */
function followMkDocsNav(nav: NavSection, mkdocs: MkDocsProject): void {
  const rank = new Map<string, number>();
  mkdocs.order.forEach((f, i) => {
    if (!rank.has(f)) rank.set(f, i);
  });
  const pageRank = (l: CourseLesson) => rank.get(l.file) ?? Infinity;
  const sectionRank = (s: NavSection): number =>
    Math.min(s.index ? pageRank(s.index) : Infinity, ...s.pages.map(pageRank), ...s.sections.map(sectionRank));
  const sort = (s: NavSection) => {
    s.pages.sort((a, b) => pageRank(a) - pageRank(b));
    s.sections.sort((a, b) => sectionRank(a) - sectionRank(b));
    s.sections.forEach(sort);
  };
  sort(nav);
  const byRoute = new Map<string, NavSection>();
  const all = (s: NavSection) => {
    byRoute.set(s.route, s);
    s.sections.forEach(all);
  };
  all(nav);
  for (const g of mkdocs.groups) {
    const folders = new Set(g.files.map((f) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '')));
    const [only] = folders;
    const section = folders.size === 1 && only !== undefined && only !== '' ? byRoute.get(only) : undefined;
    if (section) section.title = g.title;
  }
}
