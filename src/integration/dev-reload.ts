/**
 * The author's loop in `drillbook dev`: saving any file of the course folder
 * re-reads the course (unchanged pages from the build cache, so a save costs
 * about one page's parse and checks), prints the saved file's problems (or
 * that it has none now) in the terminal, and reloads the browser's page,
 * which the dev server renders from the new read: text, blocks and error
 * boxes. Added and removed pages work too: Astro's route cache and the MDX
 * page list are invalidated with the course.
 *
 * Editors save in bursts (write, rename, chmod): events closer than
 * DEBOUNCE_MS are one change.
 */
import { relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ViteDevServer } from 'vite';
import { flushCaches } from '../cache/store.ts';
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

/** Watches the course folder of a dev server (Vite's configureServer hook). */
export function watchCourse(server: ViteDevServer, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  const dir = siteCourse().dir;
  server.watcher.add(dir);
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const flush = () => {
    const files = [...pending];
    pending = new Set();
    running = running.then(async () => {
      const t0 = performance.now();
      reloadSiteCourse(files.map((f) => relative(dir, f).split(sep).join('/')));
      try {
        await checkedSiteCourse();
      } catch (e) {
        log(`[drillbook] ${(e as Error).message}`);
      }
      invalidate(server, [`\0${MDX_PAGES_MODULE}`], files);
      server.environments.client.hot.send({ type: 'full-reload', path: '*' });
      flushCaches({ keepUnused: true });
      log(`[drillbook] course read again in ${Math.round(performance.now() - t0)} ms; page reloaded`);
    });
  };
  const onEvent = (file: string) => {
    const rel = relative(dir, file);
    if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  };
  server.watcher.on('change', onEvent);
  server.watcher.on('add', onEvent);
  server.watcher.on('unlink', onEvent);
}
