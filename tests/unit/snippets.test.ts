/**
 * pymdownx.snippets (`--8<-- "file"`) as MkDocs courses use it: shared text
 * and files shown as code, read from the project's base_path folders, never
 * from outside the project; problems on the page's own lines.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { proseHtml } from '../helpers/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'drillbook-snippets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project folder with these files (paths relative to it). */
function project(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const pageHtml = async (dir: string, file = 'index.md') => {
  const course = loadCourse(dir);
  const page = course.pages.find((l) => l.file === file)!;
  const html = await proseHtml(page);
  // The code's text without shiki's colouring.
  return { course, html: html.replace(/<span[^>]*>|<\/span>/g, '').replace(/<pre [^>]*>/g, '<pre>') };
};

const MKDOCS = [
  'site_name: Snippets',
  'markdown_extensions:',
  '  - admonition',
  '  - pymdownx.snippets:',
  '      base_path: [".", "docs"]',
  '      auto_append: [includes/abbreviations.md]',
  'watch: [includes]',
].join('\n');

describe('snippets', () => {
  const dir = project('full', {
    'mkdocs.yml': MKDOCS,
    'includes/abbreviations.md': '*[WAL]: Write-Ahead Log\n',
    'scripts/backup.sh': [
      '#!/bin/sh',
      '# --8<-- [start:dump]',
      'pg_dump -Fc shop > shop.dump',
      '# --8<-- [end:dump]',
      'echo done',
      '',
    ].join('\n'),
    'docs/shared.md': '!!! warning "Check the WAL"\n    Shared text.\n',
    'docs/index.md': [
      '# Home',
      '',
      '--8<-- "shared.md"',
      '',
      '```bash',
      '--8<-- "scripts/backup.sh:dump"',
      '```',
      '',
      '```bash',
      '--8<-- "scripts/backup.sh:4:5"',
      '```',
      '',
      '1. Step:',
      '',
      '    --8<-- "includes/missing.md"',
      '',
      ';--8<-- "escaped.md"',
      '',
      '--8<-- "../../etc/hostname"',
      '',
      '[broken](nowhere.md)',
    ].join('\n'),
  });

  it('put the named file in place of the line: shared Markdown, a section or lines of a script as code, auto_append on every page', async () => {
    const { html } = await pageHtml(dir);
    expect(html).toContain(
      '<div class="admonition warning" role="note"><p class="admonition-title">Check the <abbr title="Write-Ahead Log">WAL</abbr></p><div class="admonition-body"><p>Shared text.</p></div></div>',
    );
    expect(html).toContain('<pre><code>pg_dump -Fc shop > shop.dump</code></pre>\n<pre><code>echo done</code></pre>');
    // The escape shows the line without its `;`; the appended abbreviations show nothing themselves.
    expect(html).toContain('<p>--8&#x3C;-- "escaped.md"</p>');
    expect(html).not.toContain('*[WAL]');
  });

  it('report a missing file and one outside the project at the line that names it, and keep later lines where they are', async () => {
    const { course } = await pageHtml(dir);
    expect(course.problems.map((p) => `${p.file}:${p.line} ${p.name} ${p.message}`)).toEqual([
      'index.md:15 SnippetMissing The snippet "includes/missing.md" was not found (looked in "." and "docs" of the project); the line is left out of the page, as MkDocs leaves it out.',
      `index.md:19 SnippetNotRead The snippet "../../etc/hostname" is not read: it is outside the project folder (${dir}), which is all snippets may read. The line is left out of the page.`,
      'index.md:21 LinkMissing Link to "nowhere.md": no such page in the course.',
    ]);
  });

  it('name every file outside the pages the course was read from, for the dev server to watch', () => {
    const course = loadCourse(dir);
    const sources = Object.fromEntries([...course.sources].map(([path, pages]) => [relative(dir, path), pages]));
    expect(sources).toEqual({
      // Configuration, there or not, and mkdocs.yml's watch: paths: no page reads them.
      'mkdocs.yml': [],
      'mkdocs.yaml': [],
      'drillbook.yml': [],
      includes: [],
      // Snippets, once per page that includes them; a missing one at every place it was looked for.
      'docs/shared.md': ['index.md'],
      'scripts/backup.sh': ['index.md'],
      'includes/missing.md': ['index.md'],
      'docs/includes/missing.md': ['index.md'],
      'includes/abbreviations.md': ['index.md', 'shared.md'],
    });
  });

  it('never read through a link that points out of the project, and never a URL', async () => {
    const outside = project('outside', { 'secret.txt': 'do not publish\n' });
    const dir2 = project('linked', {
      'mkdocs.yml': 'site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets\n',
      'docs/index.md': '# Home\n\n--8<-- "link/secret.txt"\n\n--8<-- "https://example.org/x.md"\n',
    });
    symlinkSync(outside, join(dir2, 'link'));
    const { course, html } = await pageHtml(dir2);
    expect(html).not.toContain('do not publish');
    expect(course.problems.map((p) => `${p.line} ${p.name}`)).toEqual(['3 SnippetNotRead', '5 SnippetNotRead']);
  });

  it('are text when mkdocs.yml does not enable them, as MkDocs shows them', async () => {
    const dir3 = project('off', {
      'mkdocs.yml': 'site_name: x\n',
      'docs/index.md': '# Home\n\n--8<-- "x.md"\n',
      'docs/x.md': 'included\n',
    });
    const { course, html } = await pageHtml(dir3);
    expect(html).toContain('<p>--8&#x3C;-- "x.md"</p>');
    expect(course.problems).toEqual([]);
  });

  it('a missing auto_append file is reported once, at its line in mkdocs.yml, not on every page', () => {
    const dir5 = project('append-missing', {
      'mkdocs.yml': 'site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets:\n      auto_append:\n        - includes/links.md\n',
      'docs/index.md': '# Home\n',
      'docs/a.md': '# A\n',
      'docs/b.md': '# B\n',
    });
    expect(loadCourse(dir5).problems.map((p) => `${p.file}:${p.line} ${p.name} ${p.message}`)).toEqual([
      'mkdocs.yml:5 SnippetAppendMissing The file "includes/links.md" that pymdownx.snippets\' auto_append adds to every page was not found (looked in "." of the project); the pages are built without it, as MkDocs builds them.',
    ]);
  });

  it('a file that includes itself, or two that include each other, end', async () => {
    const dir4 = project('loop', {
      'mkdocs.yml': 'site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: docs\n',
      'docs/index.md': '# Home\n\n--8<-- "a.md"\n',
      'docs/a.md': 'A says hi.\n\n--8<-- "b.md"\n',
      'docs/b.md': 'B says hi.\n\n--8<-- "a.md"\n',
    });
    const { html } = await pageHtml(dir4);
    expect(html.match(/says hi/g)).toHaveLength(2);
  });
});
