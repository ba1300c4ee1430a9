import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mermaidMarkup } from '../../src/blocks/mermaid/markup.ts';
import { checkDiagrams, mermaidBuild, parseDiagram, parseDiagramNow } from '../../src/blocks/mermaid/parse.ts';
import { useCacheDir } from '../../src/cache/store.ts';
import { COMPILE_CACHE_ENV } from '../../src/config/cache-dir.ts';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { hasChecks, startVerify, verifyCourse } from '../../src/course/verify.ts';
import { fixture, fixtureCourse, FIXTURES, proseHtml } from '../helpers/fixtures.ts';
import { blocksOf, dataOf } from './support.ts';

describe('mermaid diagrams', () => {
  const page = fixture('mermaid/diagrams.md');

  it('reads every diagram kind as its own block with stable, numbered ids', () => {
    expect(page.problems).toEqual([]);
    expect(page.blockCounts.mermaid).toBe(8);
    expect(blocksOf(page).map((b) => b.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `mermaid-diagrams-mermaid-${n}`));
  });

  it('keeps each source verbatim (not YAML), first line naming the diagram kind', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => dataOf(page, 'mermaid', n).source.split('\n')[0]?.split(' ')[0]);
    expect(kinds).toEqual(['flowchart', 'graph', 'sequenceDiagram', 'gantt', 'classDiagram', 'gitGraph', 'erDiagram', 'stateDiagram-v2']);
    expect(dataOf(page, 'mermaid', 1).source).toBe(
      'graph TD\n    S[Sunday<br>base backup] --> W[Weekday<br>WAL segments]\n    W --> R{Restore<br>target?}',
    );
  });

  it('reports an empty diagram', () => {
    const empty = parseLesson('```mermaid\n\n```\n', 'm.md', { pages: new Map(), assets: new Set(), base: '/' }, blockRegistry);
    expect(empty.problems.map((p) => [p.name, p.line, p.block, p.message])).toEqual([['EmptyBlock', 1, 'mermaid', 'The block is empty.']]);
  });
});

describe('Mermaid fences that are not blocks', () => {
  const page = fixture('mermaid/in-prose.md');

  it('are not counted as blocks (only column-1 ``` fences are)', () => {
    expect(page.blockCounts.mermaid).toBe(0);
    expect(blocksOf(page)).toEqual([]);
    expect(page.problems).toEqual([]);
  });

  it('draw with the mermaid block’s markup, inside the admonition and from a ~~~ fence', async () => {
    expect(page.proseDiagrams).toBe(2);
    const html = await proseHtml(page);
    expect(html).toContain(
      '<div class="admonition-body"><p>The diagram sits inside the note, so its fence is indented:</p>\n<db-mermaid id="mermaid-in-prose-diagram-1" class="db-block db-mermaid"><figure class="mermaid-figure"><pre class="mermaid-source" tabindex="0"><code>flowchart LR\n    Dump[Nightly dump] --> Scratch[Scratch server]',
    );
    expect(html).toContain('<db-mermaid id="mermaid-in-prose-diagram-2" class="db-block db-mermaid">');
    expect(html).toContain('<code>sequenceDiagram\n    participant Cron');
    expect(html).not.toContain('language-mermaid');
    expect(html).not.toContain('shiki');
  });

  it('are the same markup as a mermaid block', () => {
    expect(mermaidMarkup('x', 'graph TD\n  A --> B')).toBe(
      '<db-mermaid id="x" class="db-block db-mermaid"><figure class="mermaid-figure"><pre class="mermaid-source" tabindex="0"><code>graph TD\n  A --&gt; B</code></pre></figure></db-mermaid>',
    );
  });
});

describe("mermaid's parser at build and check time", () => {
  it('accepts every diagram kind real courses use, blocks and fences in prose', async () => {
    const course = await verifyCourse({
      ...fixtureCourse(),
      pages: [fixture('mermaid/diagrams.md'), fixture('mermaid/in-prose.md')],
      problems: [],
    });
    expect(course.problems).toEqual([]);
  }, 60_000);

  it("runs the build of mermaid that readers' browsers load, with DOMPurify found in its chunks", async () => {
    // Flowcharts clean their labels with DOMPurify: without the shim in the browser build's own copy this fails with
    // "addHook is not a function".
    expect(await parseDiagramNow('flowchart LR\n  A["a <b>label</b>"] --> B')).toBeUndefined();
    expect(mermaidBuild).toBe('site');
    expect((await parseDiagramNow('graph TD\n  A --> --> B'))?.detail).toMatch(/^Parse error on line 2: Expecting /);
  }, 60_000);

  it('has a page without diagrams ready before the worker has parsed the new ones, and each page once its own are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-page-checks-'));
    useCacheDir(join(dir, 'cache'));
    try {
      // Nine diagrams no build has seen (eight go to the worker at once, parse.ts WORKER_MIN); the last, whose fence
      // opens at line 41, does not parse.
      const tag = `T${Date.now()}`;
      const diagrams = [...Array.from({ length: 8 }, (_, i) => `graph TD\n  ${tag}A${i} --> B${i}`), `graph TD\n  ${tag} --> --> B`];
      const source = diagrams.map((d) => `\`\`\`mermaid\n${d}\n\`\`\`\n`).join('\n');
      const index = { pages: new Map(), assets: new Set<string>(), base: '/' };
      const drawn = { ...parseLesson(source, 'drawn.md', index, blockRegistry), route: 'drawn' };
      const prose = { ...parseLesson('# Prose\n\nNo diagram here.\n', 'prose.md', index, blockRegistry), route: 'prose' };
      const course = { ...fixtureCourse(), pages: [drawn, prose], problems: [] };
      const checking = startVerify(course);
      let allDone = false;
      void checking.done.then(() => (allDone = true));
      expect(hasChecks(prose)).toBe(false);
      expect(hasChecks(drawn)).toBe(true);
      await checking.pages.get(prose);
      // The worker is still loading mermaid: the prose page did not wait for it.
      expect(allDone).toBe(false);
      await checking.pages.get(drawn);
      expect(blocksOf(drawn).map((b) => b.ok)).toEqual([true, true, true, true, true, true, true, true, false]);
      expect(drawn.problems.map((p) => [p.name, p.line])).toEqual([['DiagramSyntax', 41]]);
      expect((await checking.done).problems).toEqual(drawn.problems);
    } finally {
      useCacheDir(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reports a syntax error at the file line mermaid stops at, and turns the block into an error box', async () => {
    const page = loadCourse(FIXTURES).pages.find((p) => p.file === 'mermaid/invalid-syntax.md');
    if (!page) throw new Error('no fixture');
    const course = await verifyCourse({ ...fixtureCourse(), pages: [page], problems: [] });
    expect(course.problems.map((p) => [p.name, p.line, p.block, p.path, p.message])).toEqual([
      [
        'DiagramSyntax',
        9,
        'mermaid',
        '',
        expect.stringMatching(
          /^The diagram does not parse \(mermaid's parser stops at line 12 of the file\): Parse error on line 3: Expecting .*/,
        ),
      ],
      [
        'DiagramSyntax',
        16,
        'mermaid',
        '',
        expect.stringMatching(/^The diagram does not parse \(mermaid's parser stops at line 19 of the file\): /),
      ],
    ]);
    const blocks = blocksOf(page);
    expect(blocks.map((b) => b.ok)).toEqual([false, true]);
    expect(blocks[0]?.ok === false && blocks[0].source).toContain('B --> --> C ((');
  }, 60_000);

  it('checks many new diagrams in a worker thread, which loads mermaid through the compile cache and finds what this thread would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-diagrams-'));
    const compiled = join(dir, 'compiled');
    const before = process.env[COMPILE_CACHE_ENV];
    process.env[COMPILE_CACHE_ENV] = compiled;
    useCacheDir(join(dir, 'cache'));
    try {
      // Eight or more new diagrams go to the worker (parse.ts WORKER_MIN); one of them does not parse.
      const sources = [...Array.from({ length: 8 }, (_, i) => `graph TD\n  A${i} --> B${i}`), 'graph TD\n  A --> --> B'];
      await checkDiagrams(sources);
      // The worker kept its results in the build cache: what parseDiagram finds there is what mermaid says in this thread.
      const found = await Promise.all(sources.map((s) => parseDiagram(s)));
      const here = await Promise.all(sources.map((s) => parseDiagramNow(s)));
      expect(found).toEqual(here);
      expect(found.map((f) => f === undefined)).toEqual([true, true, true, true, true, true, true, true, false]);
      // This thread runs without a compile cache: the compiled modules there are the worker's.
      expect(readdirSync(compiled, { recursive: true }).length).toBeGreaterThan(0);
    } finally {
      useCacheDir(undefined);
      if (before === undefined) delete process.env[COMPILE_CACHE_ENV];
      else process.env[COMPILE_CACHE_ENV] = before;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is run by the check command (not only by the site build)', () => {
    const r = spawnSync(process.execPath, ['src/cli/main.ts', 'check', join(FIXTURES, 'mermaid'), '--json'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const report = JSON.parse(r.stdout) as { problems: { file: string; line: number; name: string }[] };
    expect(report.problems.map((p) => [p.file, p.line, p.name])).toEqual([
      ['invalid-syntax.md', 9, 'DiagramSyntax'],
      ['invalid-syntax.md', 16, 'DiagramSyntax'],
    ]);
  }, 60_000);
});
