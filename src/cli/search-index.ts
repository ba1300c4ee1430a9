/**
 * Full-text search that works offline: a Pagefind index written into the
 * built site (SEARCH_DIR), with the .br/.gz copies of its scripts and
 * styles. Kept in the build cache by the HTML of every page: a site whose
 * pages are the same gets the same index without running Pagefind.
 *
 * When the pages changed, the index is made in one of two places:
 *
 * - After the build's process has ended (`./drillbook build` and `up`, which
 *   set SEARCH_LATER_ENV): the build writes a note naming the output and its
 *   key, and the launcher runs `main.ts search-index NOTE` once the build's
 *   process is gone. When Astro returns, that process holds ~360 MB for a
 *   105-page course (its heap sized for rendering, the code it loaded), and
 *   Pagefind's indexer needs ~40 MB more; run one after the other, their
 *   memory never adds up, and the build's process need not give back its
 *   memory first. Alternating cold builds of the benchmark course against
 *   indexing in the build's process, three series: wall medians 4.02
 *   against 4.27 s and 4.22 against 4.63 s (one 4.58 against 4.43 s), CPU
 *   6.50 against 6.99, 6.67 against 7.61 (7.19 against 7.28) s, the same
 *   peak (docs/performance.md).
 * - In the build's own process (`node src/cli/main.ts build`, which has no
 *   launcher to run a second step): it first gives back what rendering left
 *   (release-memory.ts), three full garbage collections, so that the
 *   indexer's memory adds to a smaller process.
 *
 * Either way the index is the same bytes (a unit test compares the two).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheGet, cacheSet, codeVersion, flushCaches, hashOf, useCacheDir } from '../cache/store.ts';
import { compressedCopies } from './compress.ts';
import { endChildren } from './children.ts';

/** The index's folder in the site. */
export const SEARCH_DIR = 'pagefind';

/** Set by the launcher: where the build leaves its note when the index is to be made after its process ends. */
export const SEARCH_LATER_ENV = 'DRILLBOOK_SEARCH_INDEX_LATER';

/**
 * The note the build leaves for `search-index`. Checked by hand, not with a zod schema: this process is short, and
 * importing zod (or the settings, which use it) took ~47 ms of it.
 */
export interface SearchNote {
  /** The built site (DRILLBOOK_OUT) to index. */
  out: string;
  /** The build-cache key of its pages (searchKey), under which the index is kept. */
  key: string;
  /** The build cache folder the build used. */
  cacheDir: string;
  /** --quiet: no progress line. */
  quiet: boolean;
}

function readNote(text: string): SearchNote {
  const v = JSON.parse(text) as Partial<Record<keyof SearchNote, unknown>>;
  const ok = typeof v.out === 'string' && typeof v.key === 'string' && typeof v.cacheDir === 'string' && typeof v.quiet === 'boolean';
  if (!ok) throw new Error('it is not a note a build wrote (out, key, cacheDir, quiet)');
  return v as SearchNote;
}

/** Files under `dir`, relative, sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(rel, e.name)) : [join(rel, e.name)]))
    .sort();
}

/** The site's pages (what Pagefind reads): every .html file outside the index itself. */
const htmlFiles = (outDir: string) => filesUnder(outDir).filter((f) => f.endsWith('.html') && !f.startsWith(`${SEARCH_DIR}/`));

/** What a cached index holds: v2, the index with the compressed copies of its files. */
const FORMAT = 'search-index-v2';

/** The cache key of the site's index: this code and every page's path and HTML. */
export function searchKey(outDir: string): { key: string; pages: number } {
  const pages = htmlFiles(outDir);
  // Read and hashed one page at a time: the build's memory is at its highest when Astro returns, and the pages' text
  // all at once added ~10 MB to it.
  const key = hashOf(
    (function* () {
      yield FORMAT;
      yield codeVersion();
      for (const f of pages) yield* [f, readFileSync(join(outDir, f))];
    })(),
  );
  return { key, pages: pages.length };
}

/** Writes the index kept under `key` (its compressed copies included); false when the cache has none. */
export function restoreIndex(outDir: string, key: string): boolean {
  const hit = cacheGet<Map<string, Uint8Array>>('search', key);
  // Written whole, into an empty folder: Pagefind leaves a file it would write the same as it is, and the stale
  // sweep (output.ts) would take an unwritten file for one of the previous build's.
  rmSync(join(outDir, SEARCH_DIR), { recursive: true, force: true });
  if (!hit) return false;
  for (const [path, content] of hit) {
    mkdirSync(dirname(join(outDir, SEARCH_DIR, path)), { recursive: true });
    writeFileSync(join(outDir, SEARCH_DIR, path), content);
  }
  return true;
}

/**
 * Runs Pagefind over the site's pages, writes its index and the compressed
 * copies of its files, and keeps them all in the cache under `key`.
 * `whileReading` runs while Pagefind's process reads the pages.
 */
export async function makeIndex(outDir: string, key: string, whileReading?: () => Promise<void>): Promise<void> {
  const target = join(outDir, SEARCH_DIR);
  rmSync(target, { recursive: true, force: true });
  const pagefind = await import('pagefind');
  try {
    const { index, errors } = await pagefind.createIndex({});
    if (!index) throw new Error(errors.join('; '));
    const adding = index.addDirectory({ path: outDir });
    await whileReading?.();
    const added = await adding;
    if (added.errors.length > 0) throw new Error(added.errors.join('; '));
    const written = await index.writeFiles({ outputPath: target });
    if (written.errors.length > 0) throw new Error(written.errors.join('; '));
  } finally {
    await pagefind.close();
  }
  const files = new Map(filesUnder(target).map((f): [string, Uint8Array] => [f, readFileSync(join(target, f))]));
  // A few files (its scripts and styles; the index's own files are compressed already), all at once on the thread pool.
  const copies = await Promise.all([...files].map(async ([f, body]) => [f, await compressedCopies(f, body)] as const));
  for (const [f, copy] of copies) {
    if (!copy) continue;
    files.set(`${f}.br`, copy.br);
    files.set(`${f}.gz`, copy.gz);
    writeFileSync(join(target, `${f}.br`), copy.br);
    writeFileSync(join(target, `${f}.gz`), copy.gz);
  }
  cacheSet('search', key, files);
}

/**
 * What the build leaves for `search-index` when SEARCH_LATER_ENV names a file: true when it did. A note that cannot
 * be written (the cache folder not writable) is not an error: the build then makes the index itself.
 */
export function leaveNote(note: SearchNote): boolean {
  const file = process.env[SEARCH_LATER_ENV];
  if (!file) return false;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(note));
    return true;
  } catch {
    return false;
  }
}

/** `drillbook search-index NOTE` (run by the launcher after `build`): the index the build's note asks for. */
export async function runSearchIndex(args: string[]): Promise<number> {
  const [file] = args;
  let note: SearchNote;
  try {
    if (!file || args.length !== 1) throw new Error('usage: drillbook search-index NOTE (the launcher runs it after a build)');
    note = readNote(readFileSync(file, 'utf8'));
  } catch (e) {
    process.stderr.write(`drillbook search-index: cannot read the build's note ${file ?? ''}: ${(e as Error).message}\n`);
    return 2;
  }
  useCacheDir(note.cacheDir);
  try {
    await makeIndex(note.out, note.key);
  } catch (e) {
    process.stderr.write(`drillbook build: the search index of ${note.out} failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await endChildren();
  }
  flushCaches();
  unlinkSync(file);
  if (!note.quiet) process.stdout.write(`search index: ${htmlFiles(note.out).length} pages\n`);
  return 0;
}
