/**
 * The build cache's code version: the pages' copy of the cache module (Astro
 * bundles it into a chunk of the output folder) must key entries by the same
 * source as the CLI's, or HTML an older Drillbook made is served after an
 * upgrade (it was: the bundled copy hashed an empty folder).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeVersion, sourceDir } from '../../src/cache/store.ts';

const SRC = resolve('src');
const out = mkdtempSync(join(tmpdir(), 'drillbook-chunks-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the code version of the build cache', () => {
  it('hashes the source beside the module, or, bundled into the output, the project source of the working directory', () => {
    expect(sourceDir()).toBe(SRC);
    mkdirSync(join(out, 'chunks'), { recursive: true });
    const chunk = pathToFileURL(join(out, 'chunks', 'store_x1.mjs')).href;
    expect(sourceDir(chunk, process.cwd())).toBe(SRC);
    // Found nowhere: no version shared with earlier runs (codeVersion then hashes this process, not an empty folder).
    expect(sourceDir(chunk, out)).toBeUndefined();
  });

  it('is computed once and shared by every copy of the module in the process', () => {
    const v = codeVersion();
    expect(v).toMatch(/^[\w-]{16}$/);
    const registry = (globalThis as Record<symbol, { version?: string }>)[Symbol.for('drillbook.caches')];
    expect(registry?.version).toBe(v);
  });
});
