import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addedEntries, cacheFile, flushCaches, useCacheDir } from '../../src/cache/store.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { changedPages, startReadAhead } from '../../src/course/read-ahead.ts';
import { FIXTURES } from '../helpers/fixtures.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'drillbook-read-ahead-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  useCacheDir(undefined);
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('reading the course ahead in a worker thread', () => {
  it('hands every page on: this thread then parses none, and reads the course a parse of its own gives', async () => {
    const cache = tempDir();
    useCacheDir(cache);
    await startReadAhead({ folder: FIXTURES, base: '/', cacheDir: cache });
    const course = loadCourse(FIXTURES, '/');
    // Nothing was computed here: every page came from the worker's entries.
    expect(addedEntries(['pages'])).toEqual([['pages', []]]);
    useCacheDir(undefined);
    const own = loadCourse(FIXTURES, '/');
    expect(course.pages.length).toBeGreaterThan(20);
    expect(course.pages).toEqual(own.pages);
    expect(course.problems).toEqual(own.problems);
  }, 60_000);

  it('says so when it fails, and settles, so this thread reads the course itself', async () => {
    const cache = tempDir();
    const notAFolder = join(cache, 'course.md');
    writeFileSync(notAFolder, '# A file, not a course folder\n');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    await startReadAhead({ folder: notAFolder, base: '/', cacheDir: cache });
    expect(said.join('')).toMatch(
      /^\[drillbook\] reading the course ahead failed \(.*course\.md.*\); it is read in the main thread instead\n$/,
    );
  }, 60_000);

  it('is worth starting when many pages changed since the cache last had them', () => {
    const folder = tempDir();
    const cache = tempDir();
    mkdirSync(join(folder, 'part'));
    for (const f of ['index.md', 'part/a.md', 'part/b.md']) writeFileSync(join(folder, f), `# ${f}\n`);
    // No page cache yet: every page.
    expect(changedPages(folder, cache)).toBe(3);
    useCacheDir(cache);
    loadCourse(folder, '/');
    flushCaches();
    const written = new Date(Date.now() - 60_000);
    utimesSync(cacheFile(cache, 'pages'), written, written);
    const before = new Date(written.getTime() - 60_000);
    for (const f of ['index.md', 'part/a.md', 'part/b.md']) utimesSync(join(folder, f), before, before);
    expect(changedPages(folder, cache)).toBe(0);
    // One page saved since.
    writeFileSync(join(folder, 'part/b.md'), '# b, edited\n');
    expect(changedPages(folder, cache)).toBe(1);
  });

  it('starts before the build loads the parser: the build command reaches it without loading Markdown or the lesson parser', () => {
    // A child process records every module it loads while importing the build command (src/cli/build.ts), which
    // starts the read ahead before it imports the course's modules.
    const script = [
      "import { registerHooks } from 'node:module';",
      'const seen = [];',
      'registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });',
      `await import(${JSON.stringify(new URL('../../src/cli/build.ts', import.meta.url).href)});`,
      'console.log(JSON.stringify(seen));',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout) as string[];
    expect(loaded.some((u) => u.endsWith('/src/course/read-ahead.ts'))).toBe(true);
    expect(loaded.filter((u) => /\/src\/lesson\/parse-lesson\.ts$|\/node_modules\/(micromark|shiki|astro)\//.test(u))).toEqual([]);
  });
});
