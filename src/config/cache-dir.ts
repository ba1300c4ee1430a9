/** Where builds keep what they reuse (DRILLBOOK_CACHE_DIR's default); a leaf, read before anything else loads. */
export const DEFAULT_CACHE_DIR = './node_modules/.cache/drillbook';
