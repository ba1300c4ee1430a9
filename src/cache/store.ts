/**
 * What one build keeps for the next, by content hash: a page's parse, a
 * Markdown part's HTML, a highlighted code block, a diagram's check, the
 * search index. Each kind is a namespace: one file in the cache dir
 * (DRILLBOOK_CACHE_DIR), read whole on first use, written whole by
 * `flushCaches()` at the end of a build or check with only the entries that
 * run used (so the files never grow past one course's worth).
 *
 * Keys are hashes of everything the value depends on, the code that makes
 * it included (`codeVersion`): a changed page, or a changed Drillbook,
 * simply misses. A cache file that cannot be read is ignored (and
 * rewritten). Nothing here is needed for correctness: deleting the folder
 * only makes the next build slower.
 *
 * The registry lives on globalThis: the dev server loads our modules twice
 * (natively for the config, through Vite for the pages) and both must share
 * one cache. (A build's pages import the modules the config loaded:
 * src/integration/own-modules.ts.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';

/**
 * The namespace of the compressed copies of mermaid's and KaTeX's prebuilt
 * modules, which every site publishes (src/integration/vendor.ts): they
 * depend on the installed packages only, never on a course, so a course's
 * entries can be emptied without them (`bench build`'s cold build).
 */
export const VENDOR_SPACE = 'vendor';

/** The namespaces whose entries depend only on the installed Drillbook, not on any course. */
export const INSTALL_SPACES: readonly string[] = [VENDOR_SPACE];

interface Namespace {
  file: string;
  /** Entries read from disk, not yet asked for. */
  stored: Map<string, unknown>;
  /** Entries this run asked for or added: what is written back. */
  used: Map<string, unknown>;
  /** Entries the file held when read. */
  loaded: number;
  dirty: boolean;
  /** Keys this run computed and set (not found in the cache): what `addedEntries` hands on. */
  added: Set<string>;
}

const REGISTRY = Symbol.for('drillbook.caches');
interface Registry {
  dir: string | undefined;
  spaces: Map<string, Namespace>;
  /** codeVersion(), once computed. */
  version?: string;
}
const store = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
const registry = (): Registry => (store[REGISTRY] ??= { dir: undefined, spaces: new Map() });

/**
 * Where the caches live; until it is set (tests, tools) caching is off and
 * `cached` just computes. Another folder starts afresh: what was read from
 * the previous one is forgotten, not written into the new one.
 */
export function useCacheDir(dir: string | undefined): void {
  const reg = registry();
  if (reg.dir !== dir) reg.spaces.clear();
  reg.dir = dir;
}

export const hash = (...parts: (string | Uint8Array)[]) => hashOf(parts);

/** `hash` of parts taken one at a time: a part (a file read for it) can be dropped once it is hashed. */
export function hashOf(parts: Iterable<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url').slice(0, 32);
}

/** The folders of src/ whose files make pages out of course files. */
const PIPELINE = ['lesson', 'blocks', 'render', 'problems', 'course', 'cache', 'components', 'pages', 'layouts', 'integration'];

/**
 * Drillbook's src/ folder: this module's parent, or, when this module runs
 * bundled into Astro's build (its file is then a chunk in the output
 * folder), the project's src/ (Astro's root is the working directory).
 */
export function sourceDir(moduleUrl: string = import.meta.url, cwd: string = process.cwd()): string | undefined {
  const here = join(dirname(fileURLToPath(moduleUrl)), '..');
  for (const dir of [here, join(cwd, 'src')]) if (existsSync(join(dir, 'lesson')) && existsSync(join(dir, 'render'))) return dir;
  return undefined;
}

/**
 * A hash of the code that turns course files into pages and of the
 * installed packages: every source file of the site pipeline, and the
 * lockfile. A change to any of them makes every cached entry miss.
 *
 * Computed once per process and shared through the registry, so the copy of
 * this module bundled into the pages agrees with the CLI's. Where the source
 * cannot be found, the version is new for this process: nothing cached
 * earlier is used, rather than HTML an older Drillbook made.
 */
export function codeVersion(): string {
  const reg = registry();
  if (reg.version) return reg.version;
  const src = sourceDir();
  const h = createHash('sha256');
  if (src === undefined) h.update(`no source found: ${process.pid} ${Date.now()} ${Math.random()}`);
  else {
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const abs = join(dir, name);
        if (statSync(abs).isDirectory()) walk(abs);
        else if (/\.(ts|astro|mjs|css)$/.test(name)) h.update(relative(src, abs)).update(readFileSync(abs));
      }
    };
    for (const part of PIPELINE) if (existsSync(join(src, part))) walk(join(src, part));
    const lock = join(src, '..', 'package-lock.json');
    if (existsSync(lock)) h.update(readFileSync(lock));
  }
  reg.version = h.digest('base64url').slice(0, 16);
  return reg.version;
}

/** The file a namespace of the cache in `dir` is kept in. */
export const cacheFile = (dir: string, space: string) => join(dir, `${space}.v8`);

function namespace(name: string): Namespace | undefined {
  const reg = registry();
  if (reg.dir === undefined) return undefined;
  let ns = reg.spaces.get(name);
  if (!ns) {
    const file = cacheFile(reg.dir, name);
    let stored = new Map<string, unknown>();
    try {
      if (existsSync(file)) stored = deserialize(readFileSync(file)) as Map<string, unknown>;
      if (!(stored instanceof Map)) stored = new Map();
    } catch {
      stored = new Map();
    }
    ns = { file, stored, used: new Map(), loaded: stored.size, dirty: false, added: new Set() };
    reg.spaces.set(name, ns);
  }
  return ns;
}

/** The cached value of `key` in `space`, or undefined. */
export function cacheGet<T>(space: string, key: string): T | undefined {
  const ns = namespace(space);
  if (!ns) return undefined;
  if (ns.used.has(key)) return ns.used.get(key) as T;
  if (!ns.stored.has(key)) return undefined;
  const v = ns.stored.get(key);
  ns.used.set(key, v);
  return v as T;
}

export function cacheSet(space: string, key: string, value: unknown): void {
  const ns = namespace(space);
  if (!ns) return;
  ns.used.set(key, value);
  ns.added.add(key);
  ns.dirty = true;
}

/** Cache entries by namespace, as one thread hands them to another. */
export type CacheEntries = [space: string, entries: [key: string, value: unknown][]][];

/** What this thread computed and set in `spaces` (not what it found), for another thread of the same build (`importEntries`). */
export function addedEntries(spaces: string[]): CacheEntries {
  return spaces.flatMap((space): CacheEntries => {
    const ns = namespace(space);
    return ns ? [[space, [...ns.added].map((k): [string, unknown] => [k, ns.used.get(k)])]] : [];
  });
}

/**
 * Entries another thread computed (`addedEntries`), as if read from the cache
 * files: found by `cacheGet`, and written by `flushCaches` when this run uses
 * them (so they reach the cache files even when nothing else changed).
 */
export function importEntries(entries: CacheEntries): void {
  for (const [space, list] of entries) {
    const ns = namespace(space);
    if (!ns || list.length === 0) continue;
    for (const [k, v] of list) if (!ns.used.has(k)) ns.stored.set(k, v);
    ns.dirty = true;
  }
}

/** `compute()`'s value, from the cache when `key` is there. */
export async function cached<T>(space: string, key: string, compute: () => Promise<T>): Promise<T> {
  const hit = cacheGet<T>(space, key);
  if (hit !== undefined) return hit;
  const v = await compute();
  cacheSet(space, key, v);
  return v;
}

export function cachedSync<T>(space: string, key: string, compute: () => T): T {
  const hit = cacheGet<T>(space, key);
  if (hit !== undefined) return hit;
  const v = compute();
  cacheSet(space, key, v);
  return v;
}

/**
 * Writes every namespace this run touched, each atomically: only the entries
 * it used (a whole build or check), or with `keepUnused` the entries read
 * too (a dev server, which renders only the pages it is asked for).
 */
export function flushCaches({ keepUnused = false } = {}): void {
  const reg = registry();
  for (const ns of reg.spaces.values()) {
    const shrinks = !keepUnused && ns.used.size < ns.loaded;
    if (!ns.dirty && !shrinks) continue;
    const entries = keepUnused ? new Map([...ns.stored, ...ns.used]) : ns.used;
    try {
      mkdirSync(dirname(ns.file), { recursive: true });
      const tmp = `${ns.file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(entries));
      renameSync(tmp, ns.file);
      ns.dirty = false;
      ns.loaded = entries.size;
    } catch {
      // A cache that cannot be written only costs time next run.
      try {
        unlinkSync(`${ns.file}.${process.pid}.tmp`);
      } catch {
        // Nothing was written.
      }
    }
  }
}
