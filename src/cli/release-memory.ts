/**
 * Memory a long command no longer needs, given back to the system before its
 * next step starts another process (the build's search indexer, when the
 * build runs without the launcher: `./drillbook build` makes the index after
 * the build's process ends instead, search-index.ts).
 *
 * A build's heap is sized for rendering: when Astro returns, the main
 * thread's V8 heap holds ~130-150 MB of which ~80 MB are live. A plain full
 * garbage collection (`--expose-gc`'s gc()) frees the objects but V8 keeps
 * their pages for reuse (~1 MB less RSS). V8's memory-reducing collection
 * (Isolate::LowMemoryNotification, which the inspector's
 * HeapProfiler.collectGarbage runs) also shrinks the heap and gives this
 * thread's pooled pages back: the build's RSS went from 404-421 to
 * 328-339 MB, in ~250 ms of this thread (docs/performance.md). Pages of
 * worker threads that have ended are not this thread's; V8 frees them 8 s
 * after the worker. Node has no other call for it; the in-process inspector
 * session needs no debugger, port or flag.
 */
import { Session } from 'node:inspector/promises';

/** Runs V8's memory-reducing full collection on this thread; resolves when it is done. */
export async function releaseMemory(): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
}
