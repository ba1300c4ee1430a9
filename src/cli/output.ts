/**
 * The build's output folder, updated in place. A build writes every file
 * of the site again where it was, instead of deleting the previous output
 * and creating it anew: on ext4, creating files while thousands were just
 * deleted is slow (the kernel scans the inode table for recently freed inodes
 * it will not hand out yet; `perf` showed ~10 % of a cold build's CPU in
 * `ext4_create` → `recently_deleted` while the old output was deleted in the
 * background). What the build did not write (a page removed since, an asset
 * under an old hash, a search fragment) still has the modification and change
 * times it had before the build: it is removed at the end (`removeStale`).
 * (A file written again within the same tick of the file system's clock as
 * before would look unchanged; the previous build ended seconds before, at
 * least.)
 */
import { lstatSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Every file under the output folder with its times (`.git` left out: a published repository's own). */
export type OutputListing = Map<string, string>;

/** What is in `out` now (nothing if it does not exist). */
export function listOutput(out: string): OutputListing {
  const found: OutputListing = new Map();
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(join(out, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel === '' ? e.name : join(rel, e.name);
      if (rel === '' && e.name === '.git') continue;
      if (e.isDirectory()) walk(path);
      else found.set(path, stamp(join(out, path)) ?? '');
    }
  };
  walk('');
  return found;
}

/** A file's modification and change times: any write changes both. */
function stamp(path: string): string | undefined {
  try {
    const s = lstatSync(path, { bigint: true });
    return `${s.mtimeNs}/${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/**
 * Removes the files of `before` (listed before the build) that the build
 * did not write, of those `which` accepts, and folders left empty by that;
 * returns how many files.
 */
export function removeStale(out: string, before: OutputListing, which: (path: string) => boolean = () => true): number {
  let removed = 0;
  const dirs = new Set<string>();
  for (const [path, was] of before) {
    if (!which(path) || stamp(join(out, path)) !== was) continue;
    unlinkSync(join(out, path));
    removed++;
    for (let d = path; d.includes('/');) dirs.add((d = d.slice(0, d.lastIndexOf('/'))));
  }
  // Deepest first, so a parent is tried after its children.
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(join(out, dir));
    } catch {
      // Not empty: the build wrote into it.
    }
  }
  return removed;
}

/**
 * Whether `e` is a write that failed because the previous output has a file
 * where a folder is needed, or a folder where a file is (a page now at a
 * path that was an asset's): the caller empties the output and builds again.
 */
export function inTheWay(e: unknown, out: string): boolean {
  const { code, path } = (e ?? {}) as NodeJS.ErrnoException;
  if (code !== 'ENOTDIR' && code !== 'EEXIST' && code !== 'EISDIR') return false;
  const rel = path === undefined ? '..' : relative(out, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..';
}

/** Everything in `out` deleted but `.git` (as Astro empties an output). */
export function emptyOutput(out: string): void {
  for (const name of readdirSync(out)) if (name !== '.git') rmSync(join(out, name), { recursive: true, force: true });
}
