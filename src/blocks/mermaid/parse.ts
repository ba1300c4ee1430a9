/**
 * Mermaid's own parser, run at build time in Node, so a diagram with a syntax
 * error is reported at its file and line like any block error instead of
 * failing only in the reader's browser.
 *
 * It is the build readers' browsers load (the site's `mermaid.esm.min.mjs`,
 * vendor-path.ts), so the build and the page agree on what parses. That
 * build is also quicker to load than the package's main entry, which
 * imports each of mermaid's dependencies module by module (~1,000 modules:
 * in a cold build the diagram checker used 413-569 ms of its thread's CPU
 * with it, 302-366 ms with the browser build, and ~10 MB less memory).
 *
 * `mermaid.parse` needs no DOM for parsing, with one exception: while it
 * reads a diagram, mermaid cleans label text with DOMPurify, which without a
 * window exports no `sanitize` or `addHook` (mermaid then throws "DOMPurify.
 * addHook is not a function" for flowcharts, state, class and gantt
 * diagrams). Nothing is rendered here, so DOMPurify's instance is given those
 * functions as no-ops that return the text unchanged (shimPurify), only
 * where DOMPurify has no DOM, i.e. only in Node. The browser build carries
 * its own DOMPurify, which one of its chunks exports (to its other chunks):
 * it is found there by its shape. Should a mermaid release stop exporting
 * it, the package's main entry is used instead, with the `dompurify`
 * package it imports shimmed the same way. mermaid loads on the first
 * diagram, not before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cacheGet, cacheSet, codeVersion, hash } from '../../cache/store.ts';
import { workerEnv } from '../../config/cache-dir.ts';
import { MERMAID_PACKAGE_FILES } from './vendor-path.ts';

type Mermaid = typeof import('mermaid').default;

let loading: Promise<Mermaid> | undefined;

/** Which of mermaid's builds this thread loaded: the browser's (`site`), or the package's main entry (`package`). */
export let mermaidBuild: 'site' | 'package' | undefined;

/** DOMPurify's instance without a DOM: no-op hooks, and a `sanitize` that returns the text as it is. */
function shimPurify(p: Record<string, unknown>): void {
  if (typeof p['sanitize'] === 'function') return;
  p['sanitize'] = (s: unknown) => String(s);
  for (const name of ['addHook', 'removeHook', 'removeHooks', 'removeAllHooks', 'setConfig', 'clearConfig']) p[name] = () => undefined;
}

/** Whether a module's export is DOMPurify's instance: a function carrying its version and its list of removed nodes. */
const isPurify = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'function' &&
  typeof (v as { version?: unknown }).version === 'string' &&
  Array.isArray((v as { removed?: unknown }).removed);

/**
 * The browser build's entry, once DOMPurify in its chunks is shimmed; undefined when no chunk the entry imports
 * exports it. The chunks are imported (and evaluated) before the entry, as the entry itself would import them.
 */
async function siteBuild(): Promise<Mermaid | undefined> {
  const root = dirname(createRequire(import.meta.url).resolve('mermaid/package.json'));
  const entry = join(root, MERMAID_PACKAGE_FILES.entry);
  const chunks = [...readFileSync(entry, 'utf8').matchAll(/(?:from|import)\s*"(\.\/chunks\/[^"]+\.mjs)"/g)].map((m) => m[1] as string);
  for (const chunk of chunks) {
    const exported = (await import(pathToFileURL(join(dirname(entry), chunk)).href)) as Record<string, unknown>;
    const purify = Object.values(exported).find(isPurify);
    if (purify) {
      shimPurify(purify);
      return ((await import(pathToFileURL(entry).href)) as { default: Mermaid }).default;
    }
  }
  return undefined;
}

async function load(): Promise<Mermaid> {
  let mermaid = await siteBuild();
  if (mermaid) mermaidBuild = 'site';
  else {
    shimPurify((await import('dompurify')).default as unknown as Record<string, unknown>);
    mermaid = (await import('mermaid')).default;
    mermaidBuild = 'package';
  }
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  return mermaid;
}

export interface DiagramError {
  /** What mermaid says is wrong, on one line. */
  detail: string;
  /** 1-based line in the diagram source mermaid points at, when it says. */
  line: number | undefined;
}

/**
 * Diagrams being parsed now, by key: by the worker (checkDiagrams) or in
 * this thread. A page's check waits for its own diagrams only, and a diagram
 * several pages share is parsed once.
 */
const pending = new Map<string, Promise<DiagramError | null>>();

/**
 * The error mermaid's parser reports for `source`, or undefined when it
 * parses. Results are kept in the build cache by the diagram's text (and
 * the installed mermaid, through codeVersion): an unchanged diagram is not
 * parsed again, and mermaid is not even loaded when every diagram is known.
 * A diagram the worker has been given is waited for, not parsed again here.
 */
export async function parseDiagram(source: string): Promise<DiagramError | undefined> {
  const key = diagramKey(source);
  let found = pending.get(key);
  if (!found) {
    const hit = cacheGet<DiagramError | null>('diagrams', key);
    if (hit !== undefined) return hit ?? undefined;
    const now = parseDiagramNow(source).then((e) => {
      cacheSet('diagrams', key, e ?? null);
      return e ?? null;
    });
    found = now.finally(() => pending.delete(key));
    pending.set(key, found);
  }
  return (await found) ?? undefined;
}

const diagramKey = (source: string) => hash(codeVersion(), source);

/** Fewer diagrams to parse than this are parsed in this thread: starting a worker and loading mermaid in it takes about a second. */
const WORKER_MIN = 8;

/**
 * Gives every diagram of `sources` that the build cache does not know yet
 * to a worker thread (parse-worker.ts), which parses them in order and
 * reports each as it goes: parseDiagram on one of them waits for that one
 * only (a page can be built while the worker is still on later pages'
 * diagrams). Each result joins the build cache. The promise settles when
 * the worker has parsed them all; if it fails, every diagram not yet
 * reported fails with its error. Where the worker's module cannot be found
 * (this code bundled into a site build), it does nothing: parseDiagram then
 * parses in this thread as before; so it does for fewer than WORKER_MIN
 * diagrams.
 */
export function checkDiagrams(sources: string[]): Promise<void> {
  const todo = [...new Set(sources)]
    .map((source) => ({ source, key: diagramKey(source) }))
    .filter(({ key }) => !pending.has(key) && cacheGet('diagrams', key) === undefined);
  const script = new URL('./parse-worker.ts', import.meta.url);
  // A few new diagrams (an author's edit in the dev server) are parsed in this thread, where mermaid stays loaded.
  if (todo.length < WORKER_MIN || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return Promise.resolve();
  // With Node's compile cache (workerEnv), mermaid's modules load from compiled code: ~0.25 s less CPU.
  const worker = new Worker(script, {
    workerData: todo.map((t) => t.source),
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
    env: workerEnv(),
  });
  const results = todo.map(({ key }) => {
    let settle!: { ok: (e: DiagramError | null) => void; fail: (err: Error) => void };
    const promise = new Promise<DiagramError | null>((ok, fail) => (settle = { ok, fail }));
    // Handled here too: a diagram whose page check stopped at an earlier failure is never awaited.
    promise.catch(() => undefined);
    pending.set(key, promise);
    return { key, promise, ...settle };
  });
  let reported = 0;
  worker.on('message', ([i, e]: [number, DiagramError | null]) => {
    const r = results[i];
    if (!r) return;
    cacheSet('diagrams', r.key, e);
    pending.delete(r.key);
    r.ok(e);
    if (++reported === results.length) void worker.terminate();
  });
  const fail = (err: Error) => {
    for (const r of results) {
      if (pending.get(r.key) === r.promise) pending.delete(r.key);
      r.fail(err); // No effect on one already reported.
    }
    void worker.terminate();
  };
  worker.once('error', fail);
  worker.once('exit', (code) => fail(new Error(`the diagram checker stopped (exit ${code})`)));
  return Promise.all(results.map((r) => r.promise)).then(() => undefined);
}

/** mermaid's parser on `source`, now, in this thread. */
export async function parseDiagramNow(source: string): Promise<DiagramError | undefined> {
  loading ??= load();
  const mermaid = await loading;
  try {
    await mermaid.parse(source);
    return undefined;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // jison: "Parse error on line 3:", the source line, a caret line, "Expecting ..., got 'X'"; langium: one line.
    const expecting = lines.find((l) => /^Expecting /.test(l));
    const first = (lines[0] ?? text).replace(/^Parsing failed:\s*/, '').replace(/:$/, '');
    const detail = (expecting ? `${first}: ${expecting}` : first).replace(/\s+/g, ' ');
    const line = /\bline (\d+)/.exec(first)?.[1];
    return { detail: detail.length > 300 ? `${detail.slice(0, 297)}…` : detail, line: line ? Number(line) : undefined };
  }
}
