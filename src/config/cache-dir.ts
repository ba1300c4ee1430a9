/** Where builds keep what they reuse (DRILLBOOK_CACHE_DIR's default); a leaf, read before anything else loads. */
export const DEFAULT_CACHE_DIR = './node_modules/.cache/drillbook';

/**
 * Set by the CLI (main.ts) to the folder of Node's compile cache it enabled:
 * a worker thread does not inherit the cache, so code that starts one passes
 * this on as the worker's NODE_COMPILE_CACHE.
 */
export const COMPILE_CACHE_ENV = 'DRILLBOOK_COMPILE_CACHE';
