/**
 * Markdown fields of blocks are read with the page: links, images,
 * admonitions and their problems. Text fields (quiz feedback, narration,
 * annotations, hints) are not Markdown: what they hold is shown as written.
 */
import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { blockMarkdownHtml } from '../../src/render/prose.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, seen } from './support.ts';

const html = async (file: string, type: string, path: string) => {
  const block = blocksOf(fixture(file)).find((b) => b.type === type);
  if (!block?.ok) throw new Error(`no valid ${type} on ${file}`);
  return blockMarkdownHtml(block.prose, path);
};

describe('links and images inside block Markdown', () => {
  const FILE = 'page/block-markdown.md';

  it('point .md links at site routes, keeping anchors, in every kind of block with Markdown fields', async () => {
    expect(await html(FILE, 'exercise', 'scenario')).toContain('<a href="/page/no-blocks/">the page without blocks</a>');
    expect(await html(FILE, 'exercise', 'tasks.0.answer')).toContain('href="/page/Other%20Notes/target%20page/#mount-points"');
    expect(await html(FILE, 'code-walkthrough', 'description')).toContain('<a href="/">the home page</a>');
    expect(await html(FILE, 'terminal', 'description')).toContain('<a href="/page/no-blocks/">the runbook</a>');
  });

  it('leave text fields out: they are not read as Markdown, so their link syntax is not a link', () => {
    const fields = (type: string) => {
      const b = blocksOf(fixture(FILE)).find((x) => x.type === type);
      return b?.ok ? Object.keys(b.prose) : [];
    };
    expect(fields('quiz')).toEqual([]);
    expect(fields('terminal')).toEqual(['description']);
    expect(fields('code-walkthrough')).toEqual(['description']);
  });

  it('resolve Markdown images relative to the page file', async () => {
    expect(await html(FILE, 'exercise', 'scenario')).toContain('<img src="/assets/diagram.svg" alt="Base backup, then WAL">');
  });

  it('render !!! admonitions as admonitions, not as indented code', async () => {
    const solution = await html(FILE, 'exercise', 'solution');
    expect(solution).toContain('<div class="admonition tip" role="note"><p class="admonition-title">Before you start</p>');
    expect(solution).not.toContain('<pre');
  });

  it('leave the page without problems when every reference resolves', () => {
    expect(fixture(FILE).problems).toEqual([]);
  });

  it("report a missing page and a missing image at the block's opening line, naming the field", async () => {
    const page = fixture('page/links-and-images.md');
    expect(page.problems.filter((p) => p.path !== '').map(seen)).toEqual([
      {
        name: 'LinkMissing',
        severity: 'warning',
        file: 'page/links-and-images.md',
        line: 23,
        block: 'link',
        path: 'scenario',
        message: 'Link to "missing-page.md": no such page in the course.',
      },
      {
        name: 'ImageMissing',
        severity: 'warning',
        file: 'page/links-and-images.md',
        line: 23,
        block: 'image',
        path: 'scenario',
        message: 'Image "../assets/missing.png" not found (looked for "assets/missing.png").',
      },
    ]);
    const scenario = await html('page/links-and-images.md', 'exercise', 'scenario');
    expect(scenario).toContain('<a href="missing-page.md" data-missing="true"');
    expect(scenario).toContain('<span class="db-missing-image"');
  });

  it('name the field as the author wrote it when a variant renames it (task is read as prompt)', () => {
    const page = parseLesson(
      '```exercise\ntitle: T\ntype: scenario\nscenario: S\ntasks:\n  - task: "See [x](gone.md)."\n    answer: "a"\n```\n',
      'q.md',
      { pages: new Map([['q.md', 'q']]), assets: new Set<string>(), base: '/' },
      blockRegistry,
    );
    expect(page.problems.map((p) => [p.name, p.line, p.path])).toEqual([['LinkMissing', 1, 'tasks.0.task']]);
  });
});
