/** Where builds keep what they reuse (DRILLBOOK_CACHE_DIR's default); a leaf, read before anything else loads. */
export const DEFAULT_CACHE_DIR = './node_modules/.cache/drillbook';

/**
 * Set by the CLI (main.ts) to the folder of Node's compile cache it enabled:
 * a worker thread does not inherit the cache, so code that starts one gives
 * it `workerEnv()`.
 */
export const COMPILE_CACHE_ENV = 'DRILLBOOK_COMPILE_CACHE';

/** A worker thread's environment: this process's, with Node's compile cache when the CLI enabled one (its modules then load from compiled code). */
export function workerEnv(): NodeJS.ProcessEnv {
  const compiled = process.env[COMPILE_CACHE_ENV];
  return compiled ? { ...process.env, NODE_COMPILE_CACHE: compiled } : { ...process.env };
}
