/**
 * Libraries the browser loads as their authors built them, published with
 * the site instead of bundled by each build: mermaid's ES module build (an
 * entry and ~100 chunks it imports by relative path, about 5.5 MB the reader
 * fetches only the parts of, and only when a diagram scrolls near), and
 * KaTeX's styles and fonts (~330 KB), linked only by pages with math.
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
import { KATEX_DIR, KATEX_PACKAGE_FILES } from '../render/katex-path.ts';

/** Every vendored file is published below this folder of the site. */
export const VENDOR_DIR = '_drillbook';

/** A package's folder. */
function packageRoot(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}

/** Site path (under MERMAID_DIR) → file on disk, for every module of mermaid's ES build. */
export function mermaidFiles(): Map<string, string> {
  const root = packageRoot('mermaid');
  const out = new Map<string, string>();
  out.set('mermaid.esm.min.mjs', join(root, MERMAID_PACKAGE_FILES.entry));
  const chunks = join(root, MERMAID_PACKAGE_FILES.chunks);
  for (const f of readdirSync(chunks)) if (f.endsWith('.mjs')) out.set(`chunks/mermaid.esm.min/${f}`, join(chunks, f));
  return out;
}

/**
 * Site path (under KATEX_DIR) → file on disk: KaTeX's styles and its fonts
 * in WOFF2 (the first format its @font-face rules offer, which every browser
 * we support takes), for pages with math (src/render/math.ts).
 */
export function katexFiles(): Map<string, string> {
  const root = packageRoot('katex');
  const out = new Map<string, string>([['katex.min.css', join(root, KATEX_PACKAGE_FILES.styles)]]);
  const fonts = join(root, KATEX_PACKAGE_FILES.fonts);
  for (const f of readdirSync(fonts)) if (f.endsWith('.woff2')) out.set(`fonts/${f}`, join(fonts, f));
  return out;
}

/** Site path (under the site base) → file on disk, for every vendored file. */
function vendorFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, file] of mermaidFiles()) out.set(`${MERMAID_DIR}/${path}`, file);
  for (const [path, file] of katexFiles()) out.set(`${KATEX_DIR}/${path}`, file);
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  woff2: 'font/woff2',
};

/**
 * Set (in process.env) by `drillbook build` when it has published the
 * vendored files itself, early, while Astro builds; the integration then
 * leaves them alone.
 */
export const VENDOR_PUBLISHED = 'DRILLBOOK_VENDOR_PUBLISHED';

/** Writes the vendored files into the built site at `out` (copies made in parallel, on libuv's thread pool). */
export async function publishVendor(out: string): Promise<number> {
  const files = vendorFiles();
  for (const path of files.keys()) mkdirSync(dirname(join(out, path)), { recursive: true });
  await Promise.all([...files].map(([path, file]) => copyFile(file, join(out, path))));
  return files.size;
}

/** Connect-style middleware serving the vendored files in dev, under `base`. */
export function vendorMiddleware(base: string) {
  const files = vendorFiles();
  const prefix = `${base}${VENDOR_DIR}/`;
  return (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const path = (req.url ?? '').split(/[?#]/)[0] ?? '';
    if (!path.startsWith(prefix)) return next();
    const file = files.get(`${VENDOR_DIR}/${normalize(path.slice(prefix.length)).split(sep).join('/')}`);
    if (!file || !existsSync(file)) return next();
    res.setHeader('content-type', CONTENT_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
    res.setHeader('content-length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
}
