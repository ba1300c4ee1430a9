/**
 * Libraries the browser loads as their authors built them, published with
 * the site instead of bundled by each build: mermaid's ES module build (an
 * entry and ~100 chunks it imports by relative path, about 5.5 MB the reader
 * fetches only the parts of, and only when a diagram scrolls near).
 * Bundling mermaid again on every build was most of the build's bundling
 * time and memory. Served from node_modules in dev; copied into the site at
 * build (copies, not links: nothing written into the site may reach
 * node_modules).
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { MERMAID_DIR, MERMAID_PACKAGE_FILES } from '../blocks/mermaid/vendor-path.ts';

/** The mermaid package's folder. */
function mermaidRoot(): string {
  return dirname(createRequire(import.meta.url).resolve('mermaid/package.json'));
}

/** Site path (under MERMAID_DIR) → file on disk, for every module of mermaid's ES build. */
export function mermaidFiles(): Map<string, string> {
  const root = mermaidRoot();
  const out = new Map<string, string>();
  out.set('mermaid.esm.min.mjs', join(root, MERMAID_PACKAGE_FILES.entry));
  const chunks = join(root, MERMAID_PACKAGE_FILES.chunks);
  for (const f of readdirSync(chunks)) if (f.endsWith('.mjs')) out.set(`chunks/mermaid.esm.min/${f}`, join(chunks, f));
  return out;
}

/**
 * Set (in process.env) by `drillbook build` when it has published the
 * vendored files itself, early, while Astro builds; the integration then
 * leaves them alone.
 */
export const VENDOR_PUBLISHED = 'DRILLBOOK_VENDOR_PUBLISHED';

/** Writes the vendored files into the built site at `out` (copies made in parallel, on libuv's thread pool). */
export async function publishVendor(out: string): Promise<number> {
  const files = mermaidFiles();
  for (const path of files.keys()) mkdirSync(dirname(join(out, MERMAID_DIR, path)), { recursive: true });
  await Promise.all([...files].map(([path, file]) => copyFile(file, join(out, MERMAID_DIR, path))));
  return files.size;
}

/** Connect-style middleware serving the vendored files in dev, under `base`. */
export function vendorMiddleware(base: string) {
  const files = mermaidFiles();
  const prefix = `${base}${MERMAID_DIR}/`;
  return (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const path = (req.url ?? '').split(/[?#]/)[0] ?? '';
    if (!path.startsWith(prefix)) return next();
    const file = files.get(normalize(path.slice(prefix.length)).split(sep).join('/'));
    if (!file || !existsSync(file)) return next();
    res.setHeader('content-type', 'text/javascript; charset=utf-8');
    res.setHeader('content-length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
}
