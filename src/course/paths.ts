/** Path tests shared by the course reader and the dev server (no I/O: the paths are compared as written). */
import { isAbsolute, relative, sep } from 'node:path';

/** `inner` is `outer` or inside it (both absolute). */
export const isWithin = (outer: string, inner: string): boolean => {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};
