/**
 * `drillbook build [--strict]`: the static site into dist/ (DRILLBOOK_OUT)
 * through Astro's programmatic build. --strict (CI, our own content) checks
 * the course first and fails, listing every error, before building anything;
 * the site code enforces the same rule, so a direct `astro build` with
 * DRILLBOOK_STRICT=1 fails too.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, contentDir, siteBase, siteOutDir, strictBuild } from '../course/config.ts';
import { flushCaches, useCacheDir, VENDOR_SPACE } from '../cache/store.ts';
import { changedPages, READ_AHEAD_MIN, startReadAhead } from '../course/read-ahead.ts';
import { endChildren } from './children.ts';
import { emptyOutput, inTheWay, listOutput, removeStale } from './output.ts';
import { precompress } from './compress.ts';
import { releaseMemory } from './release-memory.ts';
import { leaveNote, makeIndex, restoreIndex, SEARCH_DIR, searchKey } from './search-index.ts';
import { publishVendor, VENDOR_DIR, VENDOR_PUBLISHED } from '../integration/vendor.ts';

export async function runBuild(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      strict: true,
      options: { strict: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
    }).values;
  } catch (e) {
    process.stderr.write(`drillbook build: ${(e as Error).message}. usage: drillbook build [--strict] [--quiet]\n`);
    return 2;
  }
  if (opts.strict) process.env['DRILLBOOK_STRICT'] = '1';
  process.env['ASTRO_TELEMETRY_DISABLED'] = '1';
  useCacheDir(cacheDir());
  // The course is read and checked (diagrams parsed in a worker thread) while Astro starts and bundles; the pages wait
  // for it. When many pages changed since the build cache last had them, they are parsed in a worker thread too, while
  // this one imports Astro (read-ahead.ts). Not in a strict build, which reads the course before anything else.
  // The worker starts before this thread loads the parser (site-course.ts brings it): ~0.5 s earlier, and that much of
  // the second core that would otherwise be idle (alternating cold builds: medians 3.41 against 3.56 s).
  const folder = contentDir();
  const ahead =
    !strictBuild() && changedPages(folder, cacheDir()) >= READ_AHEAD_MIN
      ? startReadAhead({ folder, base: siteBase(), cacheDir: cacheDir() })
      : undefined;
  const { checkedSiteCourse, setReadAhead, StrictContentError } = await import('../course/site-course.ts');
  setReadAhead(ahead);
  const checked = checkedSiteCourse();
  checked.catch(() => undefined);
  if (strictBuild()) {
    try {
      await checked;
    } catch (e) {
      if (!(e instanceof StrictContentError)) throw e;
      // Every problem has been printed with the course's check; this says what it means.
      process.stderr.write(`drillbook build --strict: ${e.errors} content error(s) in ${e.dir}; nothing was built.\n`);
      return 1;
    }
  }
  const { build } = await import('astro');
  const out = siteOutDir();
  // The previous output is updated in place (output.ts): what this build does not write again is removed at the end.
  const before = listOutput(out);
  mkdirSync(out, { recursive: true });
  // mermaid's and KaTeX's modules (and their compressed copies) are written while Astro works. Their compressed copies
  // are kept apart from the course's (VENDOR_SPACE): they depend on the installed packages only.
  const publish = () => publishVendor(out).then(() => precompress(join(out, VENDOR_DIR), [], VENDOR_SPACE));
  let vendor = publish();
  process.env[VENDOR_PUBLISHED] = '1';
  vendor.catch(() => undefined);
  try {
    // Astro does not empty the output (emptyOutDir: false): it writes every file where it was.
    const astroBuild = () =>
      build({ root: process.cwd(), logLevel: opts.quiet ? 'warn' : 'info', vite: { build: { emptyOutDir: false } } });
    try {
      await astroBuild();
    } catch (e) {
      // A file of the previous output where this build needs a folder (or the other way round): it is built again into
      // an emptied output, as if there had been none.
      if (!inTheWay(e, out)) throw e;
      await vendor.catch(() => undefined);
      emptyOutput(out);
      before.clear();
      if (!opts.quiet)
        process.stdout.write(
          `\nthe previous output was in the way (${(e as NodeJS.ErrnoException).path}): building again into an empty ${out}\n`,
        );
      vendor = publish();
      await astroBuild();
    }
    // Every page waited for its own checks; the course's (a failure to run them, its problems printed) end here at the
    // latest.
    await checked;
    // The previous build's pages and assets that this one did not write, before the search index reads the pages: all
    // but the compressed copies and the index, which are written below.
    const vendorCompressed = await vendor;
    let stale = removeStale(out, before, (f) => !/\.(br|gz)$/.test(f) && !f.startsWith(`${SEARCH_DIR}/`));
    // Astro is done with Vite's esbuild service: stopped now, its memory is not held through indexing and compressing.
    await endChildren();
    await searchIndex(out, opts.quiet);
    // The index's copies are made with it (search-index.ts).
    const compressed = (await precompress(out, [VENDOR_DIR, SEARCH_DIR])) + vendorCompressed;
    stale += removeStale(out, before);
    flushCaches();
    if (!opts.quiet && stale > 0) process.stdout.write(`removed ${stale} file(s) of the previous build that this one did not write\n`);
    if (!opts.quiet) process.stdout.write(`compressed copies (.br, .gz): ${compressed} files\n`);
    return 0;
  } finally {
    await vendor.catch(() => undefined);
    // Vite's esbuild service and Pagefind's indexer are told to stop but not waited for: wait, so none outlives the build.
    await endChildren();
  }
}

/**
 * The site's search index (search-index.ts): from the build cache when every page is as it was; otherwise made after
 * this process ends when the launcher asks for that (it leaves a note), or made here.
 */
async function searchIndex(outDir: string, quiet: boolean): Promise<void> {
  const { key, pages } = searchKey(outDir);
  const hit = restoreIndex(outDir, key);
  if (!hit && leaveNote({ out: outDir, key, cacheDir: cacheDir(), quiet })) return;
  // While Pagefind's process reads the pages, this one gives back what rendering left (release-memory.ts): the
  // indexer's memory then adds to a smaller process, not to the build's peak.
  if (!hit) await makeIndex(outDir, key, releaseMemory);
  if (!quiet) process.stdout.write(`search index: ${pages} pages${hit ? ' (unchanged, from the build cache)' : ''}\n`);
}
