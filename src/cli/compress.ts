/**
 * Pre-compressed copies of the built site's text files: `x.br` (brotli) and
 * `x.gz` (gzip) beside each `x` the server sends as it is (HTML, JavaScript,
 * CSS, SVG, JSON), so `./drillbook up` sends pages compressed without
 * compressing on every request (@fastify/static's preCompressed picks the
 * copy the browser accepts). Files under MIN_BYTES are left alone (the
 * headers would outweigh the saving), and so are Pagefind's index files,
 * which are compressed already.
 *
 * Compression runs on libuv's thread pool, in parallel; results are kept in
 * the build cache by the file's content, so an unchanged file (mermaid's
 * modules, the same page) is compressed once.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { cacheGet, cacheSet, hash } from '../cache/store.ts';

const COMPRESSIBLE = /\.(html|js|mjs|css|svg|json|txt|xml)$/;
const MIN_BYTES = 1024;
const br = promisify(brotliCompress);
const gz = promisify(gzip);

function files(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(dir, join(rel, e.name)) : COMPRESSIBLE.test(e.name) ? [join(rel, e.name)] : [],
  );
}

/** Writes the .br and .gz copies; returns how many files got them. */
export async function precompress(outDir: string): Promise<number> {
  let count = 0;
  await Promise.all(
    files(outDir).map(async (f) => {
      const path = join(outDir, f);
      const body = readFileSync(path);
      if (body.length < MIN_BYTES) return;
      const key = hash('precompress-v1', body);
      let copies = cacheGet<{ br: Buffer; gz: Buffer }>('compressed', key);
      if (!copies) {
        const [b, g] = await Promise.all([
          br(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
          gz(body, { level: 9 }),
        ]);
        copies = { br: b, gz: g };
        cacheSet('compressed', key, copies);
      }
      writeFileSync(`${path}.br`, copies.br);
      writeFileSync(`${path}.gz`, copies.gz);
      count++;
    }),
  );
  return count;
}
