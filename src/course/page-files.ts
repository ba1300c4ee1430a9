/**
 * The page files of a course folder, listed without reading one: what a
 * build needs to know before the course is parsed (how many pages changed
 * since the build cache had them, read-ahead.ts; whether any is MDX). Kept
 * apart from load-course.ts, which brings the whole parser with it: a build
 * lists the pages and starts parsing them in a worker thread before this
 * thread loads the parser for itself.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PAGE_FILE } from '../lesson/links.ts';
import { readMkDocs } from './mkdocs.ts';

const SKIP_DIR = new Set(['node_modules', 'site', '__pycache__']);

export interface Listing {
  pages: string[];
  assets: string[];
  /** Entries that could not be followed, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** Lists the folder recursively; `seen` holds the real paths of folders already listed (folder links may loop). */
export function walk(dir: string, root: string, out: Listing, seen = new Set<string>([realpathSync(dir)])): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const abs = join(dir, name);
    const rel = relative(root, abs).split(sep).join('/');
    let st;
    try {
      st = statSync(abs);
    } catch {
      let link = false;
      try {
        link = lstatSync(abs).isSymbolicLink();
      } catch {
        // Gone since it was listed: reported as unreadable.
      }
      out.skipped.push({ file: rel, reason: link ? 'it is a symbolic link to something that does not exist' : 'it cannot be read' });
      continue;
    }
    if (st.isDirectory()) {
      if (SKIP_DIR.has(name)) continue;
      const real = realpathSync(abs);
      if (seen.has(real)) {
        out.skipped.push({ file: rel, reason: 'it is a link back to a folder that contains it' });
        continue;
      }
      walk(abs, root, out, new Set([...seen, real]));
    } else if (st.isFile()) {
      (PAGE_FILE.test(name) && !isAssetPath(rel) ? out.pages : out.assets).push(rel);
    }
  }
}

export const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });

/** Markdown under an `assets/` folder is an asset, not a page (FORMAT.md §3). */
const isAssetPath = (rel: string) => rel.split('/').slice(0, -1).includes('assets');

/**
 * The page files of the course in `folder`, relative to `root` (mkdocs.yml's
 * docs_dir, or the folder), listed the way `loadCourse` lists them but
 * without reading one: for questions about the files alone (is there an MDX
 * page? which changed?) before the course has been read.
 */
export function listPageFiles(folder: string): { root: string; files: string[] } {
  const mkdocs = readMkDocs(folder);
  if (mkdocs && mkdocs.root === undefined) return { root: folder, files: [] };
  const root = mkdocs?.root ?? folder;
  const listing: Listing = { pages: [], assets: [], skipped: [] };
  walk(root, root, listing);
  return { root, files: listing.pages.sort(byName) };
}
