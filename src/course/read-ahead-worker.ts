/**
 * The worker thread of read-ahead.ts: parses the course as the site will
 * (`workerData`: ReadAheadOptions), finding what earlier builds parsed in the
 * build cache, and posts the page parses it computed as cache entries.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addedEntries, useCacheDir } from '../cache/store.ts';
import { loadCourse } from './load-course.ts';
import type { ReadAheadMessage, ReadAheadOptions } from './read-ahead.ts';

const post = (m: ReadAheadMessage) => parentPort?.postMessage(m);
const opts = workerData as ReadAheadOptions;

try {
  useCacheDir(opts.cacheDir);
  loadCourse(opts.folder, opts.base);
  post({ step: 'pages', entries: addedEntries(['pages']) });
} catch (e) {
  post({ step: 'failed', message: e instanceof Error ? e.message : String(e) });
}
