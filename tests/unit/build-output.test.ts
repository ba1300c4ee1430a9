import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyOutput, inTheWay, listOutput, removeStale } from '../../src/cli/output.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An output folder holding `files` (path → content), written by a build a minute ago. */
function output(files: Record<string, string>): string {
  const out = mkdtempSync(join(tmpdir(), 'drillbook-output-'));
  dirs.push(out);
  const then = new Date(Date.now() - 60_000);
  for (const [path, content] of Object.entries(files)) {
    write(out, path, content);
    // (The file system's clock may tick more coarsely than this test runs: a previous build was seconds ago at least.)
    utimesSync(join(out, path), then, then);
  }
  return out;
}
function write(out: string, path: string, content: string) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), content);
}
const tree = (out: string) => (readdirSync(out, { recursive: true }) as string[]).sort();

describe('the build output, updated in place', () => {
  it('keeps every file the build wrote again, even with the same content, and removes what it did not, with folders left empty', () => {
    const out = output({
      'index.html': 'home',
      'old-page/index.html': 'gone since',
      'old-page/index.html.br': 'x',
      '_astro/page.abc.js': 'old hash',
      'a/b/c/deep.html': 'gone too',
      'a/kept.html': 'kept',
      '.git/HEAD': 'a published repository',
    });
    const before = listOutput(out);
    expect([...before.keys()].sort()).not.toContain('.git/HEAD');
    // The build: the same home page, another asset, one file of a/ again.
    write(out, 'index.html', 'home');
    write(out, '_astro/page.def.js', 'new hash');
    write(out, 'a/kept.html', 'kept');
    expect(removeStale(out, before)).toBe(4);
    expect(tree(out)).toEqual(['.git', '.git/HEAD', '_astro', '_astro/page.def.js', 'a', 'a/kept.html', 'index.html']);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('home');
  });

  it('removes only what the filter accepts, so a later step can still write the rest', () => {
    const out = output({ 'old/index.html': 'x', 'old/index.html.br': 'y', 'pagefind/fragment/en_1.pf_fragment': 'z' });
    const before = listOutput(out);
    expect(removeStale(out, before, (f) => !/\.(br|gz)$/.test(f) && !f.startsWith('pagefind/'))).toBe(1);
    expect(tree(out)).toEqual(['old', 'old/index.html.br', 'pagefind', 'pagefind/fragment', 'pagefind/fragment/en_1.pf_fragment']);
    // What the first pass removed is not counted again.
    expect(removeStale(out, before)).toBe(2);
    expect(tree(out)).toEqual([]);
  });

  it('lists nothing where there is no output yet', () => {
    expect(listOutput(join(tmpdir(), 'drillbook-no-such-output')).size).toBe(0);
  });

  it('knows a previous file in the way of a folder the build needs, inside the output only', () => {
    const out = output({ quiz: 'an asset without an extension' });
    let error: unknown;
    try {
      mkdirSync(join(out, 'quiz', 'first'), { recursive: true });
    } catch (e) {
      error = e;
    }
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(inTheWay(error, out)).toBe(true);
    expect(inTheWay(Object.assign(new Error('x'), { code: 'ENOTDIR', path: '/etc/passwd/x' }), out)).toBe(false);
    expect(inTheWay(Object.assign(new Error('x'), { code: 'ENOENT', path: join(out, 'quiz') }), out)).toBe(false);
    expect(inTheWay(new Error('a page failed to render'), out)).toBe(false);
    emptyOutput(out);
    expect(existsSync(join(out, 'quiz'))).toBe(false);
  });
});

describe('drillbook build over a previous output', () => {
  it('builds through a file in the way of a page folder, then removes the pages and copies a later build no longer writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-inplace-'));
    dirs.push(dir);
    const course = join(dir, 'course');
    const out = join(dir, 'out');
    mkdirSync(join(course, 'part'), { recursive: true });
    writeFileSync(join(course, 'README.md'), '# Home\n\nSome text.\n');
    writeFileSync(join(course, 'part', 'one.md'), `# One\n\n${'The first page. '.repeat(100)}\n`);
    // A leftover file where the page's folder goes.
    mkdirSync(out);
    writeFileSync(join(out, 'part'), 'not a folder');
    const build = () =>
      spawnSync(process.execPath, ['src/cli/main.ts', 'build'], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, DRILLBOOK_CONTENT: course, DRILLBOOK_OUT: out, DRILLBOOK_CACHE_DIR: join(dir, 'cache') },
      });
    const first = build();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`the previous output was in the way (${join(out, 'part')}`);
    expect(statSync(join(out, 'part')).isDirectory()).toBe(true);
    expect(readFileSync(join(out, 'part', 'one', 'index.html'), 'utf8')).toContain('The first page.');
    expect(existsSync(join(out, 'part', 'one', 'index.html.br'))).toBe(true);

    // The page is renamed: the old one, its compressed copies and its folder go; the rest is written where it was.
    rmSync(join(course, 'part', 'one.md'));
    writeFileSync(join(course, 'part', 'two.md'), `# Two\n\n${'The second page. '.repeat(100)}\n`);
    const second = build();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/removed \d+ file\(s\) of the previous build that this one did not write/);
    expect(existsSync(join(out, 'part', 'one'))).toBe(false);
    expect(readFileSync(join(out, 'part', 'two', 'index.html'), 'utf8')).toContain('The second page.');
    expect(existsSync(join(out, 'part', 'two', 'index.html.br'))).toBe(true);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Some text.');
    // The search index was made after the old page was gone: it finds the new page only.
    const fragments = readdirSync(join(out, 'pagefind', 'fragment')).map((f) =>
      gunzipSync(readFileSync(join(out, 'pagefind', 'fragment', f))).toString('utf8'),
    );
    expect(fragments.some((f) => f.includes('The second page.'))).toBe(true);

    // Only the second page's text changes: every other page's search fragment is the same file as before, and stays.
    writeFileSync(join(course, 'part', 'two.md'), `# Two\n\n${'Changed text. '.repeat(100)}\n`);
    expect(build().status).toBe(0);
    const after = readdirSync(join(out, 'pagefind', 'fragment')).map((f) =>
      gunzipSync(readFileSync(join(out, 'pagefind', 'fragment', f))).toString('utf8'),
    );
    expect(after.some((f) => f.includes('Some text.'))).toBe(true);
    expect(after.some((f) => f.includes('Changed text.'))).toBe(true);
    expect(fragments.some((f) => f.includes('The first page.'))).toBe(false);
  }, 240_000);
});

describe('the search index, made after the build process ends', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  /** Every file under `dir` (relative path → content). */
  const files = (dir: string) =>
    new Map(
      (readdirSync(dir, { recursive: true }) as string[])
        .sort()
        .flatMap((f) => (statSync(join(dir, f)).isFile() ? [[f, readFileSync(join(dir, f))]] : [])),
    );

  it('gives the same index as a build that makes it in its own process, and a later build with the same pages takes it from the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-search-'));
    dirs.push(dir);
    const course = join(dir, 'course');
    mkdirSync(course);
    writeFileSync(join(course, 'README.md'), '# Home\n\nWelcome to the restore drills.\n');
    writeFileSync(join(course, 'pitr.md'), `# Point in time\n\n${'Replay the WAL up to the moment before the mistake. '.repeat(40)}\n`);
    const env = (name: string) => ({
      ...process.env,
      DRILLBOOK_CONTENT: course,
      DRILLBOOK_OUT: join(dir, `out-${name}`),
      DRILLBOOK_CACHE_DIR: join(dir, `cache-${name}`),
    });
    const run = (cmd: string, args: string[], name: string) =>
      spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000, env: env(name) });

    // The launcher's build: the index is made by its second step, which says so.
    const launched = run('./drillbook', ['build'], 'launcher');
    expect(launched.status, launched.stderr).toBe(0);
    expect(launched.stdout).toMatch(/^search index: \d+ pages$/m);
    // A build run by itself makes the index in its own process.
    const alone = run(process.execPath, ['src/cli/main.ts', 'build'], 'alone');
    expect(alone.status, alone.stderr).toBe(0);
    // The second step's line comes after the build's last; a build alone indexes before it compresses.
    const order = (out: string) => out.indexOf('search index:') > out.indexOf('compressed copies');
    expect(order(launched.stdout)).toBe(true);
    expect(order(alone.stdout)).toBe(false);
    const index = files(join(dir, 'out-launcher', 'pagefind'));
    expect(index.size).toBeGreaterThan(5);
    expect([...index.keys()]).toContain('pagefind.js.br');
    expect(gunzipSync(index.get('pagefind.js.gz')!)).toEqual(index.get('pagefind.js'));
    expect(index).toEqual(files(join(dir, 'out-alone', 'pagefind')));
    // The note between the two steps is gone.
    expect(readdirSync(join(dir, 'cache-launcher')).filter((f) => f.startsWith('search-index'))).toEqual([]);

    // The same pages again: the index (its compressed copies too) comes from the build cache, as it was.
    const again = run('./drillbook', ['build'], 'launcher');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^search index: \d+ pages \(unchanged, from the build cache\)$/m);
    expect(files(join(dir, 'out-launcher', 'pagefind'))).toEqual(index);
  }, 240_000);

  it('leaves a note for the second step when the launcher asks, and the second step makes the index and removes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-search-note-'));
    dirs.push(dir);
    const course = join(dir, 'course');
    mkdirSync(course);
    writeFileSync(join(course, 'README.md'), '# Home\n\nBase backups and WAL archives.\n');
    const note = join(dir, 'note.json');
    const out = join(dir, 'out');
    const env = { ...process.env, DRILLBOOK_CONTENT: course, DRILLBOOK_OUT: out, DRILLBOOK_CACHE_DIR: join(dir, 'cache') };
    const build = spawnSync(process.execPath, ['src/cli/main.ts', 'build', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...env, DRILLBOOK_SEARCH_INDEX_LATER: note },
    });
    expect(build.status, build.stderr).toBe(0);
    expect(JSON.parse(readFileSync(note, 'utf8'))).toMatchObject({ out, cacheDir: join(dir, 'cache'), quiet: true });
    expect(existsSync(join(out, 'pagefind'))).toBe(false);
    const step = spawnSync(process.execPath, ['src/cli/main.ts', 'search-index', note], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    expect(step.status, step.stderr).toBe(0);
    expect(step.stdout).toBe('');
    expect(existsSync(note)).toBe(false);
    const fragments = readdirSync(join(out, 'pagefind', 'fragment')).map((f) =>
      gunzipSync(readFileSync(join(out, 'pagefind', 'fragment', f))).toString('utf8'),
    );
    expect(fragments.some((f) => f.includes('Base backups and WAL archives.'))).toBe(true);
  }, 180_000);

  it('makes the index in the build process when the note cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-search-nonote-'));
    dirs.push(dir);
    const course = join(dir, 'course');
    mkdirSync(course);
    writeFileSync(join(course, 'README.md'), '# Home\n\nIncremental backups.\n');
    writeFileSync(join(dir, 'a-file'), '');
    const out = join(dir, 'out');
    const build = spawnSync(process.execPath, ['src/cli/main.ts', 'build', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      // A file where the note's folder would be.
      env: {
        ...process.env,
        DRILLBOOK_CONTENT: course,
        DRILLBOOK_OUT: out,
        DRILLBOOK_CACHE_DIR: join(dir, 'cache'),
        DRILLBOOK_SEARCH_INDEX_LATER: join(dir, 'a-file', 'note.json'),
      },
    });
    expect(build.status, build.stderr).toBe(0);
    expect(existsSync(join(out, 'pagefind', 'pagefind.js.br'))).toBe(true);
  }, 120_000);

  it('says which note it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-search-bad-'));
    dirs.push(dir);
    const note = join(dir, 'note.json');
    writeFileSync(note, '{"out": "/tmp/site"}');
    const step = spawnSync(process.execPath, ['src/cli/main.ts', 'search-index', note], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(step.status).toBe(2);
    expect(step.stderr).toBe(
      `drillbook search-index: cannot read the build's note ${note}: it is not a note a build wrote (out, key, cacheDir, quiet)\n`,
    );
    expect(existsSync(note)).toBe(true);
  });
});
