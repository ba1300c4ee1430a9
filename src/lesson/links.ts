/**
 * Link and image resolution with MkDocs' rules (FORMAT.md §3), as pure path
 * arithmetic over a course index:
 * - `.md` links are relative to the .md file (raw spaces and %20 alike) and
 *   become site routes, keeping their #anchor;
 * - Markdown images are relative to the .md file;
 * - raw HTML `<img src>` is relative to the page's directory URL
 *   (`/Section/page/`), which is one level deeper than the file.
 */
import type { MathSyntax } from './math.ts';
import type { SmartSymbols } from './smart-symbols.ts';

export interface CourseIndex {
  /** Course-relative .md path → route ('' for the course's home page). */
  pages: ReadonlyMap<string, string>;
  /** Course-relative paths of every non-Markdown file. */
  assets: ReadonlySet<string>;
  /** Site base path, starting and ending with '/'. */
  base: string;
  /**
   * Whether a module an MDX page imports by package name (`@scope/pkg/x`)
   * can be found; the course loader asks the project's node_modules.
   * Without it, such imports are taken as found.
   */
  moduleExists?: (spec: string) => boolean;
  /**
   * Markdown extensions the course's mkdocs.yml turns on that change typed
   * text (pymdownx.smartsymbols); off without mkdocs.yml or when not listed.
   */
  smartSymbols?: SmartSymbols;
  /** pymdownx.arithmatex's delimiters, when mkdocs.yml lists it: math in the prose is typeset. */
  math?: MathSyntax;
}

/** Where a link or image points: its site URL, or what was looked for in vain (a page, or another file); null when not ours to check. */
export type Resolution = { ok: true; url: string } | { ok: false; resolved: string; file?: boolean } | null;

/** Normalises a relative posix path; returns null when it climbs above the root. */
export function normalisePath(path: string): string | null {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** A page file of a course: Markdown, or MDX. */
export const PAGE_FILE = /\.mdx?$/i;

/** The route of a course-relative page path: `A/b.md` → `A/b`, `A/README.md` → `A`, `A/c.mdx` → `A/c`. */
export function routeOf(file: string): string {
  const noExt = file.replace(PAGE_FILE, '');
  const base = noExt.slice(noExt.lastIndexOf('/') + 1);
  return /^(readme|index)$/i.test(base) ? dirname(noExt) : noExt;
}

export function routeUrl(route: string, base: string): string {
  return route === '' ? base : `${base}${route.split('/').map(encodeURIComponent).join('/')}/`;
}

export function assetUrl(path: string, base: string): string {
  return base + path.split('/').map(encodeURIComponent).join('/');
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

function splitUrl(url: string): { path: string; suffix: string } {
  const i = url.search(/[?#]/);
  const raw = i < 0 ? url : url.slice(0, i);
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch {
    // A stray % is kept literally, as a browser would.
  }
  return { path: path.trim(), suffix: i < 0 ? '' : url.slice(i) };
}

function fromDir(dir: string, path: string): string | null {
  return normalisePath(path.startsWith('/') ? path : `${dir}/${path}`);
}

/**
 * Resolves a Markdown link (a page, an asset or a folder of the course); a
 * link to a file with an extension that the course does not hold is
 * missing, like a missing page. Null means "not ours to check" (external,
 * anchor, a path without an extension that is not a folder of the course).
 */
export function resolveLink(index: CourseIndex, fromFile: string, url: string): Resolution {
  if (EXTERNAL.test(url.trim())) return null;
  const { path, suffix } = splitUrl(url.trim());
  if (path === '') return null;
  const target = fromDir(dirname(fromFile), path);
  if (PAGE_FILE.test(path)) {
    const route = target === null ? undefined : index.pages.get(target);
    return route === undefined ? { ok: false, resolved: target ?? path } : { ok: true, url: routeUrl(route, index.base) + suffix };
  }
  if (target !== null && index.assets.has(target)) return { ok: true, url: assetUrl(target, index.base) + suffix };
  if (path.endsWith('/')) {
    // A folder of the course (its section page): relative to the file, else (MkDocs URLs) to the page's URL.
    for (const folder of [target, fromDir(routeOf(fromFile), path)]) {
      if (folder !== null && hasFolder(index, folder)) return { ok: true, url: routeUrl(folder, index.base) + suffix };
    }
  }
  if (/\.[A-Za-z0-9]{1,10}$/.test(path.slice(path.lastIndexOf('/') + 1))) return { ok: false, resolved: target ?? path, file: true };
  return null;
}

/** Whether `folder` holds a page of the course (so the site has a route for it). */
function hasFolder(index: CourseIndex, folder: string): boolean {
  if (folder === '') return true;
  for (const p of index.pages.keys()) if (p.startsWith(`${folder}/`)) return true;
  return false;
}

/** Resolves an image: Markdown images from the file's folder, raw HTML ones from the page URL. */
export function resolveImage(index: CourseIndex, fromFile: string, url: string, kind: 'md-image' | 'html-image'): Resolution {
  if (EXTERNAL.test(url.trim()) || url.trim().startsWith('data:')) return null;
  const { path } = splitUrl(url.trim());
  if (path === '') return null;
  const dir = kind === 'md-image' ? dirname(fromFile) : routeOf(fromFile);
  const target = fromDir(dir, path);
  if (target !== null && index.assets.has(target)) return { ok: true, url: assetUrl(target, index.base) };
  return { ok: false, resolved: target ?? path };
}

/**
 * The route of a front matter prerequisite: a page slug relative to the
 * page's folder (`physical-copies`, `../Backups/pitr`, `.md` optional), else
 * relative to the course root (`foundations/basics`); a folder stands for its
 * README.md / index.md. Undefined when no such page exists.
 */
export function resolvePrerequisite(index: CourseIndex, fromFile: string, slug: string): string | undefined {
  const path = slug.trim().replace(PAGE_FILE, '').replace(/\/+$/, '');
  if (path === '' || EXTERNAL.test(path)) return undefined;
  for (const base of [fromDir(dirname(fromFile), path), fromDir('', path)]) {
    if (base === null) continue;
    for (const candidate of [
      `${base}.md`,
      `${base}.mdx`,
      `${base}/README.md`,
      `${base}/index.md`,
      `${base}/index.mdx`,
      `${base}/README.mdx`,
    ]) {
      const route = index.pages.get(candidate);
      if (route !== undefined) return route;
    }
  }
  return undefined;
}

/**
 * The page and anchor a link points into (`page.md#anchor`, or `#anchor` on
 * the page itself), when the page is in the course; null for links without
 * an anchor, external links and links to missing pages (reported elsewhere).
 */
export function anchorTarget(index: CourseIndex, fromFile: string, url: string): { route: string; anchor: string } | null {
  const u = url.trim();
  const hash = u.indexOf('#');
  if (hash < 0) return null;
  let anchor = u.slice(hash + 1);
  try {
    anchor = decodeURIComponent(anchor);
  } catch {
    // A stray % is kept literally, as a browser would.
  }
  if (anchor === '') return null;
  if (hash === 0) return { route: routeOf(fromFile), anchor };
  if (EXTERNAL.test(u)) return null;
  const { path } = splitUrl(u);
  if (!PAGE_FILE.test(path)) return null;
  const target = fromDir(dirname(fromFile), path);
  const route = target === null ? undefined : index.pages.get(target);
  return route === undefined ? null : { route, anchor };
}
