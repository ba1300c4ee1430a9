/**
 * A build's course, parsed in a worker thread (read-ahead-worker.ts) while
 * this thread imports Astro and starts its build: on a course the build
 * cache has not seen, parsing every page (YAML, Markdown, zod) takes seconds
 * of one core, and importing Astro, Vite and rolldown takes more than a
 * second of this one, so the two overlap on two cores.
 *
 * The worker hands the pages on as build-cache entries (src/cache/store.ts),
 * which this thread takes in as if read from the cache file: it then reads
 * the course as a build with a warm cache does. Entries are keyed by content
 * and code, so a page is the same whichever thread parsed it. Only the parse
 * moves: the diagram checks and the rendering stay where they were (a worker
 * that also rendered the prose loaded shiki and the HTML pipeline a second
 * time and made cold builds slower, docs/performance.md).
 *
 * Nothing depends on the worker succeeding: if it fails or stops, the
 * promise settles and this thread parses whatever is missing itself (the
 * course's own errors are reported there, as without a read ahead).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { cacheFile, importEntries, type CacheEntries } from '../cache/store.ts';
import { workerEnv } from '../config/cache-dir.ts';
import { listPageFiles } from './page-files.ts';

export interface ReadAheadOptions {
  /** The course folder (DRILLBOOK_CONTENT). */
  folder: string;
  /** The site's base path. */
  base: string;
  /** The build cache folder: the worker finds there what earlier builds parsed, and parses the rest. */
  cacheDir: string;
}

/** What the worker posts: the page parses it computed, or why it stopped. */
export type ReadAheadMessage = { step: 'pages'; entries: CacheEntries } | { step: 'failed'; message: string };

/**
 * Fewer changed pages than this are parsed in this thread: starting the
 * worker and loading the parser in it costs ~0.4-0.7 s of CPU, about what
 * parsing 20-30 pages does, and a warm build would pay it for nothing.
 */
export const READ_AHEAD_MIN = 20;

/**
 * How many of the course's page files changed since the build cache's pages
 * were last written (all of them when there is no such file): a cheap guess,
 * from modification times, at how many pages the cache will miss. A wrong
 * guess costs time, never correctness (entries are keyed by content).
 */
export function changedPages(folder: string, cacheDir: string): number {
  let listing: { root: string; files: string[] };
  try {
    listing = listPageFiles(folder);
  } catch {
    return 0; // The course's own error is reported by the build.
  }
  let written: number;
  try {
    written = statSync(cacheFile(cacheDir, 'pages')).mtimeMs;
  } catch {
    return listing.files.length;
  }
  return listing.files.filter((f) => {
    try {
      return statSync(join(listing.root, f)).mtimeMs >= written;
    } catch {
      return true;
    }
  }).length;
}

/** Starts the worker; the promise settles when its pages are in this thread's build cache, or it stopped. */
export function startReadAhead(opts: ReadAheadOptions): Promise<void> {
  const worker = new Worker(new URL('./read-ahead-worker.ts', import.meta.url), { workerData: opts, env: workerEnv() });
  return new Promise<void>((done) => {
    worker.on('message', (m: ReadAheadMessage) => {
      if (m.step === 'failed')
        process.stderr.write(`[drillbook] reading the course ahead failed (${m.message}); it is read in the main thread instead\n`);
      else importEntries(m.entries);
      done();
      // Its work is handed on: the worker's memory goes now, not when it gets round to exiting.
      void worker.terminate();
    });
    worker.on('error', (e) => {
      process.stderr.write(`[drillbook] reading the course ahead stopped (${e.message}); it is read in the main thread instead\n`);
      done();
    });
    worker.on('exit', () => done());
  });
}
