/**
 * The author's loop in `drillbook dev`: saving any file of the course folder
 * re-reads the course (unchanged pages from the build cache, so a save costs
 * about one page's parse and checks), prints the saved file's problems (or
 * that it has none now) in the terminal, and reloads the browser's page,
 * which the dev server renders from the new read: text, blocks and error
 * boxes. Added and removed pages work too: Astro's route cache and the MDX
 * page list are invalidated with the course. Files outside the pages that
 * the course was read from are watched as well (Course.sources): saving
 * mkdocs.yml or drillbook.yml reads the course again and prints all its
 * problems; saving a snippet file (or creating one a page names and did not
 * find) re-reads the pages that include it and prints theirs; mkdocs.yml's
 * `watch:` paths reload the page, as `mkdocs serve` does.
 *
 * Editors save in bursts (write, rename, chmod): events closer than
 * DEBOUNCE_MS are one change.
 */
import { relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ViteDevServer } from 'vite';
import { flushCaches } from '../cache/store.ts';
import { isWithin } from '../course/paths.ts';
import { checkedSiteCourse, reloadSiteCourse, siteCourse } from '../course/site-course.ts';
import { MDX_PAGES_MODULE } from './mdx-pages.ts';

const DEBOUNCE_MS = 25;

/** Invalidates a module (by id or file) in every server-side environment's graph and runner. */
function invalidate(server: ViteDevServer, ids: string[], files: string[]): void {
  for (const env of Object.values(server.environments)) {
    if (env.name === 'client') continue;
    const graph = env.moduleGraph;
    const mods = [...ids.map((id) => graph.getModuleById(id)), ...files.flatMap((f) => [...(graph.getModulesByFile(f) ?? [])])];
    for (const m of mods) if (m) graph.invalidateModule(m, undefined, Date.now(), true);
    const runner = (env as { runner?: { evaluatedModules: { getModuleById(id: string): unknown; invalidateModule(m: unknown): void } } })
      .runner;
    if (runner)
      for (const id of [...ids, ...mods.flatMap((m) => (m?.id ? [m.id] : []))]) {
        const rm = runner.evaluatedModules.getModuleById(id);
        if (rm) runner.evaluatedModules.invalidateModule(rm);
      }
    // Astro clears its route cache (getStaticPaths) on this event.
    env.hot.send('astro:content-changed', {});
  }
}

/** Watches the course folder of a dev server (Vite's configureServer hook), and the files outside it the course reads. */
export function watchCourse(server: ViteDevServer, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  const dir = siteCourse().dir;
  server.watcher.add(dir);
  let sources = siteCourse().sources;
  const watched = new Set<string>();
  // New sources appear as pages include new snippets: watched from the read that finds them.
  const watchSources = () => {
    const added = [...sources.keys()].filter((p) => !watched.has(p) && !isWithin(dir, p));
    for (const p of added) watched.add(p);
    if (added.length > 0) server.watcher.add(added);
  };
  watchSources();
  const pageOf = (file: string): string | undefined =>
    file !== dir && isWithin(dir, file) ? relative(dir, file).split(sep).join('/') : undefined;
  /** The sources `file` is or lies in (a `watch:` folder), with the pages that read them. */
  const sourcesOf = (file: string) => [...sources].filter(([p]) => isWithin(p, file));
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const flush = () => {
    const files = [...pending];
    pending = new Set();
    running = running.then(async () => {
      const t0 = performance.now();
      // Whose problems to print: a page's own; a snippet's, the pages that include it; a configuration file's, all.
      const changed = new Set<string>();
      let everything = false;
      for (const f of files) {
        const page = pageOf(f);
        if (page !== undefined) changed.add(page);
        for (const [, pages] of sourcesOf(f)) {
          if (pages.length === 0) everything = true;
          for (const p of pages) changed.add(p);
        }
      }
      reloadSiteCourse(everything ? undefined : [...changed]);
      try {
        await checkedSiteCourse();
      } catch (e) {
        log(`[drillbook] ${(e as Error).message}`);
      }
      try {
        sources = siteCourse().sources;
        watchSources();
      } catch {
        // The course could not be read; its error was printed above.
      }
      invalidate(server, [`\0${MDX_PAGES_MODULE}`], files);
      server.environments.client.hot.send({ type: 'full-reload', path: '*' });
      flushCaches({ keepUnused: true });
      log(`[drillbook] course read again in ${Math.round(performance.now() - t0)} ms; page reloaded`);
    });
  };
  const onEvent = (file: string) => {
    if (pageOf(file) === undefined && sourcesOf(file).length === 0) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  };
  server.watcher.on('change', onEvent);
  server.watcher.on('add', onEvent);
  server.watcher.on('unlink', onEvent);
}
