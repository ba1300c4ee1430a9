/**
 * pymdownx.blocks' generic syntax (`/// name | argument`, options indented
 * under the header, closed by as many slashes) for the containers MkDocs
 * courses already write the older way: admonitions, collapsible details,
 * content tabs, and `/// caption`, which makes the block before it a figure.
 */
import { describe, expect, it } from 'vitest';
import { blockRegistry } from '../../src/blocks/registry.ts';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { proseHtml } from '../helpers/fixtures.ts';

const INDEX = { pages: new Map<string, string>(), assets: new Set<string>(['img/restore.png']), base: '/' };
const page = (md: string) => parseLesson(`# T\n\n${md}\n`, 'p.md', INDEX, blockRegistry);
const html = async (md: string) => (await proseHtml(page(md))).replace(/ data-line="\d+"/g, '');

describe('pymdownx.blocks', () => {
  it('an admonition by its kind or with a type: option; the title after |; the body is Markdown, not indented', async () => {
    const out = await html(
      [
        '/// warning | Check the **restore**',
        'Run the restore *somewhere else* first.',
        '///',
        '',
        '/// admonition | Ready',
        '    type: success',
        '',
        'It restored.',
        '///',
        '',
        '/// tip',
        'No title: the kind is.',
        '///',
      ].join('\n'),
    );
    expect(out).toContain(
      '<div class="admonition warning" role="note"><p class="admonition-title">Check the <strong>restore</strong></p><div class="admonition-body"><p>Run the restore <em>somewhere else</em> first.</p></div></div>',
    );
    expect(out).toContain(
      '<div class="admonition success" role="note"><p class="admonition-title">Ready</p><div class="admonition-body"><p>It restored.</p></div></div>',
    );
    expect(out).toContain(
      '<div class="admonition tip" role="note"><p class="admonition-title">Tip</p><div class="admonition-body"><p>No title: the kind is.</p></div></div>',
    );
    expect(out).not.toContain('///');
  });

  it('details fold (open: true shows them open); tabs one after another are one set, new: true starts another', async () => {
    const out = await html(
      [
        '/// details | Why a second copy?',
        '    type: question',
        '    open: true',
        '',
        'One copy is no copy.',
        '///',
        '',
        '/// tab | PostgreSQL',
        '`pg_dump -Fc shop`',
        '///',
        '',
        '/// tab | MariaDB',
        '    select: true',
        '',
        '`mariadb-dump shop`',
        '///',
        '',
        '/// tab | Alone',
        '    new: true',
        '',
        'A set of its own.',
        '///',
      ].join('\n'),
    );
    expect(out).toContain(
      '<details class="admonition question" open><summary class="admonition-title">Why a second copy?</summary><div class="admonition-body"><p>One copy is no copy.</p></div></details>',
    );
    expect(out.match(/<div class="tabbed-set/g)).toHaveLength(2);
    const first = out.slice(0, out.lastIndexOf('<div class="tabbed-set'));
    expect(first).toContain('PostgreSQL');
    expect(first).toContain('<code>mariadb-dump shop</code>');
    expect(first).not.toContain('A set of its own.');
  });

  it('a caption makes the block before it a figure: an image, a table, a fenced code block, an admonition', async () => {
    const out = await html(
      [
        'Text before stays apart.',
        '',
        '![Restore timeline](img/restore.png)',
        '',
        '/// caption',
        'The restore, step by *step*.',
        '///',
        '',
        '| tool | kind |',
        '| ---- | ---- |',
        '| pg_dump | logical |',
        '/// caption',
        'Tools',
        '///',
        '',
        '```sql',
        'SELECT 1;',
        '',
        'SELECT 2;',
        '```',
        '',
        '/// caption',
        'Two queries',
        '///',
        '',
        '/// note',
        'Inside.',
        '///',
        '/// caption',
        'A captioned note',
        '///',
      ].join('\n'),
    );
    expect(out).toContain('<p>Text before stays apart.</p>\n<figure><p><img src="/img/restore.png" alt="Restore timeline"');
    expect(out).toContain('<figcaption><p>The restore, step by <em>step</em>.</p></figcaption></figure>');
    expect(out).toMatch(/<figure><table[^>]*>[\s\S]*<td>pg_dump<\/td>[\s\S]*<\/table>\n<figcaption><p>Tools<\/p><\/figcaption><\/figure>/);
    expect(out).toMatch(/<figure><pre[^>]*>[\s\S]*SELECT[\s\S]*2[\s\S]*<\/pre>\n<figcaption><p>Two queries<\/p><\/figcaption><\/figure>/);
    expect(out).toMatch(
      /<figure><div class="admonition note"[\s\S]*Inside\.[\s\S]*<\/div>\n<figcaption><p>A captioned note<\/p><\/figcaption><\/figure>/,
    );
    expect(out).not.toContain('///');
  });

  it('nest by slashes; code fences inside are not read as closings; unknown names and unclosed text stay as written', async () => {
    const out = await html(
      [
        '//// note | Outer',
        'Outer text.',
        '',
        '/// warning | Inner',
        '```text',
        '///',
        '```',
        '///',
        '////',
        '',
        '/// tasklist',
        'Term',
        '///',
      ].join('\n'),
    );
    expect(out).toMatch(
      /<div class="admonition note" role="note"><p class="admonition-title">Outer<\/p><div class="admonition-body"><p>Outer text\.<\/p>\n<div class="admonition warning" role="note"><p class="admonition-title">Inner<\/p><div class="admonition-body"><pre[^>]*>.*\/\/\/.*<\/pre><\/div><\/div><\/div><\/div>/s,
    );
    expect(out).toContain('<p>/// tasklist\nTerm\n///</p>');
  });

  it('long lines are read in one pass: block and admonition headers with 300,000 trailing blanks, an HTML tag line as long', async () => {
    // These patterns once backtracked quadratically on such lines (minutes at this length).
    const blanks = ' '.repeat(300_000);
    const lines = [`/// note | Spaced${blanks}`, 'Body.', '///', '', `<div${' markdown'.repeat(30_000)} x`, '', `!!! tip${blanks}?`, ''];
    const out = await html([...lines, `!!! tip "Kept"${blanks}`, '    Tip.'].join('\n'));
    expect(out).toContain('<p class="admonition-title">Spaced</p><div class="admonition-body"><p>Body.</p></div>');
    expect(out).toContain('<p class="admonition-title">Kept</p><div class="admonition-body"><p>Tip.</p></div>');
  });

  it('html: an element around Markdown, from a selector and attrs:, sanitised like raw HTML', async () => {
    const out = await html(
      [
        "/// html | div.step-box#restore[data-step=2][onclick='alert(1)']",
        '    attrs: {title: Step two, onmouseover: alert(2)}',
        '',
        '**Restore** it.',
        '///',
        '',
        '/// html | script',
        'Only *this* text stays.',
        '///',
      ].join('\n'),
    );
    expect(out).toContain('<div id="restore" data-step="2" title="Step two" class="step-box"><p><strong>Restore</strong> it.</p></div>');
    expect(out).toContain('<p>Only <em>this</em> text stays.</p>');
    expect(out).not.toMatch(/alert|onclick|onmouseover|<script/);
  });

  it('define: paragraphs are terms, the bullets after them their definitions (a definition list); a problem keeps its line', async () => {
    const source = [
      '/// define',
      'WAL',
      '',
      '- The write-ahead log: every change, written before the data files.',
      '- In MariaDB, the redo log and the binary log play its parts.',
      '',
      'RPO',
      '',
      'RTO',
      '',
      '- Objectives a restore drill measures; see [the drill](missing.md).',
      '///',
    ].join('\n');
    const out = await html(source);
    expect(out.replace(/\n/g, '')).toContain(
      '<dl><dt>WAL</dt><dd><p>The write-ahead log: every change, written before the data files.</p></dd><dd>In MariaDB, the redo log and the binary log play its parts.</dd><dt>RPO</dt><dt>RTO</dt><dd><p>Objectives a restore drill measures; see <a href="missing.md" data-missing="true" title="This page is missing from the course">the drill</a>.</p></dd></dl>',
    );
    expect(page(source).problems.map((x) => `${x.name} ${x.line}`)).toEqual(['LinkMissing 13']);
  });

  it('inside a list item: an admonition, details and tabs under a step, the step list going on after them', async () => {
    const source = [
      '1. Stop the server.',
      '',
      '    /// warning | Not on the **primary**',
      '    Check the host first ([how](gone.md)).',
      '    ///',
      '',
      '    /// details | Why',
      '        type: tip',
      '        open: true',
      '',
      '    It is *faster*.',
      '    ///',
      '',
      '    /// tab | PostgreSQL',
      '    `pg_ctl stop`',
      '    ///',
      '',
      '    /// tab | MariaDB',
      '    `systemctl stop mariadb`',
      '    ///',
      '',
      '2. Copy the files; see [the lab](missing.md).',
    ].join('\n');
    const out = (await html(source)).replace(/\n/g, '');
    expect(out).toContain(
      '<li><p>Stop the server.</p><div class="admonition warning" role="note"><p class="admonition-title">Not on the <strong>primary</strong></p><div class="admonition-body"><p>Check the host first (<a href="gone.md" data-missing="true" title="This page is missing from the course">how</a>).</p></div></div><details class="admonition tip" open><summary class="admonition-title">Why</summary><div class="admonition-body"><p>It is <em>faster</em>.</p></div></details>',
    );
    expect(out).toMatch(/<label[^>]*>PostgreSQL<\/label>.*<label[^>]*>MariaDB<\/label>/);
    expect(out).toContain('<code>systemctl stop mariadb</code>');
    expect(out).toContain('<li><p>Copy the files; see');
    expect(out).not.toContain('///');
    expect(page(source).problems.map((x) => `${x.name} ${x.line}`)).toEqual(['LinkMissing 6', 'LinkMissing 24']);
  });

  it('problems in a block body are reported at their own lines', () => {
    const p = page(['/// note | Links', '', 'See [the lab](missing.md).', '///'].join('\n'));
    expect(p.problems.map((x) => `${x.name} ${x.line}`)).toEqual(['LinkMissing 5']);
  });
});

describe('md_in_html elements around containers', () => {
  it("Material's generic grid: admonitions and tabs inside the element, not after it", async () => {
    const out = await html(
      [
        '<div class="result" markdown>',
        '<div class="grid" markdown>',
        '',
        '!!! note "Left"',
        '    Restore first.',
        '',
        '=== "PostgreSQL"',
        '',
        '    `pg_restore`',
        '',
        '/// tip | Right',
        'Then verify.',
        '///',
        '',
        '</div>',
        '</div>',
        '',
        'After the grid.',
      ].join('\n'),
    );
    expect(out.trim()).toMatch(
      /^<div class="result"><div class="grid"><div class="admonition note" role="note"><p class="admonition-title">Left<\/p>[\s\S]*<code>pg_restore<\/code>[\s\S]*<p class="admonition-title">Right<\/p><div class="admonition-body"><p>Then verify\.<\/p><\/div><\/div><\/div><\/div>\n<p>After the grid\.<\/p>$/,
    );
  });

  it("the author's tag is sanitised like any raw HTML: handlers go, a tag that is not allowed leaves only its content", async () => {
    const out = await html(
      [
        '<div class="grid" onclick="alert(1)" style="gap: 2rem" markdown>',
        '!!! note',
        '    One.',
        '</div>',
        '',
        '<iframe src="https://example.org/" markdown>',
        '!!! warning',
        '    Two.',
        '</iframe>',
      ].join('\n'),
    );
    expect(out).toContain('<div class="grid" style="gap: 2rem"><div class="admonition note"');
    expect(out).not.toMatch(/onclick|iframe|alert/);
    expect(out).toContain(
      '<div class="admonition warning" role="note"><p class="admonition-title">Warning</p><div class="admonition-body"><p>Two.</p></div></div>',
    );
  });

  it('problems inside are reported at their own lines; an element without containers stays with markdownInHtml', async () => {
    const p = page(['<div markdown>', '!!! note', '    See [x](missing.md).', '</div>'].join('\n'));
    expect(p.problems.map((x) => `${x.name} ${x.line}`)).toEqual(['LinkMissing 5']);
    expect(await html('<div class="box" markdown>\n**bold** inside\n</div>')).toBe(
      '<div class="box">\n<p><strong>bold</strong> inside</p>\n</div>',
    );
  });
});
