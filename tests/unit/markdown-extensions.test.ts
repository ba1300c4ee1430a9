/**
 * Python-Markdown extensions MkDocs courses enable, read as MkDocs reads them:
 * attr_list on inline elements and paragraphs (applied, never shown; an id it
 * gives is a place a link can land on) and def_list (definition lists).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import { assignHeadingIds, autolinkLiteralsChecked, parseMarkdown } from '../../src/lesson/markdown.ts';
import { HeadingIds } from '../../src/lesson/slug.ts';
import { mdastToHtml } from '../../src/render/html.ts';
import { proseToHtml } from '../../src/render/prose.ts';
import { proseHtml } from '../helpers/fixtures.ts';

const html = async (md: string) => (await mdastToHtml(parseMarkdown(md))).trim();

describe('attribute lists', () => {
  it('right after a link, emphasis or code: classes, id and attributes go on it, and the list is not shown', async () => {
    expect(await html('[Start the lab](#){ .md-button .md-button--primary }')).toBe(
      '<p><a href="#" class="md-button md-button--primary">Start the lab</a></p>',
    );
    expect(await html('*   **`locale`**{ #mkdocs-locale }: the language')).toBe(
      '<ul>\n<li><strong id="mkdocs-locale"><code>locale</code></strong>: the language</li>\n</ul>',
    );
    expect(await html('Run `pg_dump`{: .cmd title="the dump tool" } first.')).toBe(
      '<p>Run <code title="the dump tool" class="cmd">pg_dump</code> first.</p>',
    );
  });

  it("on a paragraph's last line of its own: on the paragraph", async () => {
    expect(await html('Restore to a scratch host.\n{: .lead #why }')).toBe('<p id="why" class="lead">Restore to a scratch host.</p>');
  });

  it('elsewhere, braces stay text: after a space, inside text or code, on the only line', async () => {
    expect(await html('[x](y) { .spaced }')).toBe('<p><a href="y">x</a> { .spaced }</p>');
    expect(await html('No {attr} here and `{ .y }`')).toBe('<p>No {attr} here and <code>{ .y }</code></p>');
    expect(await html('{: .alone }')).toBe('<p>{: .alone }</p>');
  });

  it('cannot add an event handler or a script URL', async () => {
    expect(await html('**a**{ onclick="alert(1)" .b }')).toBe('<p><strong class="b">a</strong></p>');
    expect(await html('[a](#){ href="javascript:alert(1)" }')).not.toContain('javascript:');
  });
});

describe('an id given by an attribute list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-attr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a place a link from another page can land on', () => {
    writeFileSync(join(dir, 'index.md'), '# Home\n\nSee [the locale](settings.md#mkdocs-locale) and [nothing](settings.md#nowhere).\n');
    writeFileSync(join(dir, 'settings.md'), '# Settings\n\n*   **`locale`**{ #mkdocs-locale }: the language\n');
    const course = loadCourse(dir);
    const anchors = course.problems.filter((p) => p.name === 'LinkAnchorMissing').map((p) => p.message);
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toContain('"settings.md#nowhere"');
  });
});

describe('definition lists (def_list)', () => {
  it('read a term and its definitions, indented continuation lines included', async () => {
    expect(await html('`pg_dump`\n\n:   Dumps one database.\n    In one snapshot.\n\nAfter.')).toBe(
      '<dl>\n<dt><code>pg_dump</code></dt>\n<dd>\n<p>Dumps one database.\nIn one snapshot.</p>\n</dd>\n</dl>\n<p>After.</p>',
    );
    expect(await html('RPO\n:   How much data may be lost.\n\nRTO\n:   How long a restore may take.')).toBe(
      '<dl>\n<dt>RPO</dt>\n<dd>How much data may be lost.\n</dd>\n<dt>RTO</dt>\n<dd>How long a restore may take.\n</dd>\n</dl>',
    );
  });
});

describe('emoji shortcodes (pymdownx.emoji)', () => {
  it('show the emoji; unknown names and code stay as written', async () => {
    expect(await html('Restored :white_check_mark: and checked :warning:')).toBe('<p>Restored ✅ and checked ⚠️</p>');
    expect(await html(':no_such_emoji: and `:smile:` and 10:30:00')).toBe('<p>:no_such_emoji: and <code>:smile:</code> and 10:30:00</p>');
    // Names of Material's default index (JoyPixels') that GitHub's list spells otherwise.
    expect(await html(':man_raising_hand: I can hold notes :thumbsup:')).toBe('<p>🙋‍♂️ I can hold notes 👍</p>');
  });
});

describe("icon shortcodes (Material for MkDocs' icon sets)", () => {
  // The icon as shown, its SVG's drawing left out: `<span …>[svg viewBox=…]</span>`.
  const shape = (s: string) => s.replace(/<svg[^>]*?(viewBox="[^"]*")[^>]*>[\s\S]*?<\/svg>/g, '[svg $1]');

  it('show the icon of each set, in a named image span, with the classes an attribute list gives it', async () => {
    expect(
      shape(
        await html(
          'Backups :material-database: on :fontawesome-brands-github:{ .big } with :octicons-heart-fill-24: and :simple-postgresql:',
        ),
      ),
    ).toBe(
      '<p>Backups <span class="twemoji" role="img" aria-label="database">[svg viewBox="0 0 24 24"]</span>' +
        ' on <span class="twemoji big" role="img" aria-label="github">[svg viewBox="0 0 512 512"]</span>' +
        ' with <span class="twemoji" role="img" aria-label="heart fill">[svg viewBox="0 0 24 24"]</span>' +
        ' and <span class="twemoji" role="img" aria-label="postgresql">[svg viewBox="0 0 24 24"]</span></p>',
    );
  });

  it("draws the set's own SVG, hidden from screen readers, without ids or titles that would repeat on a page", async () => {
    const out = await html(':material-check: :material-check: :simple-mariadb:');
    expect(out).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M21,7L9,19',
    );
    expect(out).not.toMatch(/\sid=|<title>|role="img" viewBox/);
  });

  it('an unknown name, a name in code or one an author forges stays as written', async () => {
    expect(await html(':material-no-such-icon-zz: and `:material-check:` and :material-../../etc/passwd:')).toBe(
      '<p>:material-no-such-icon-zz: and <code>:material-check:</code> and :material-../../etc/passwd:</p>',
    );
    // A <db-icon> written as raw HTML only ever names an icon file; anything else shows its text.
    expect(
      await html('<db-icon data-icon="material-../../../package">x</db-icon> <db-icon data-icon="x" onclick="alert(1)">y</db-icon>'),
    ).toBe('<p>x y</p>');
  });

  it("are left out of a heading's id and text, as MkDocs' table of contents leaves them", () => {
    const tree = parseMarkdown('## :material-check: Restored');
    expect(assignHeadingIds(tree, new HeadingIds())).toEqual([{ depth: 2, text: 'Restored', id: 'restored' }]);
  });

  it("show in a tab's and an admonition's title, not in their code", async () => {
    const tabs = await proseToHtml({
      kind: 'tabs',
      line: 1,
      children: [{ kind: 'tab', title: ':material-apple: macOS `:material-x:`', selected: false, line: 1, children: [] }],
    } as never);
    expect(shape(tabs)).toContain(
      '<span class="twemoji" role="img" aria-label="apple">[svg viewBox="0 0 24 24"]</span> macOS <code>:material-x:</code></label>',
    );
    expect(tabs).toContain('data-label="macOS &#x60;:material-x:&#x60;"');
    const note = await proseToHtml({
      kind: 'admonition',
      type: 'note',
      title: ':material-check: Restored',
      classes: [],
      collapsible: false,
      open: false,
      line: 1,
      children: [],
    } as never);
    expect(shape(note)).toContain(
      '<p class="admonition-title"><span class="twemoji" role="img" aria-label="check">[svg viewBox="0 0 24 24"]</span> Restored</p>',
    );
  });
});

describe('keys and marks (pymdownx.keys, pymdownx.mark)', () => {
  it('show ++ctrl+c++ as keyboard keys and ==text== as marked text, not in code or across spaces', async () => {
    expect(await html('Stop it with ++ctrl+c++, then ++enter++.')).toBe(
      '<p>Stop it with <span class="keys"><kbd>Ctrl</kbd>+<kbd>C</kbd></span>, then <span class="keys"><kbd>Enter</kbd></span>.</p>',
    );
    expect(await html('Keep ==the last full backup== safe.')).toBe('<p>Keep <mark>the last full backup</mark> safe.</p>');
    expect(await html('`++ctrl++` and C++ or g++ and a == b == c')).toBe('<p><code>++ctrl++</code> and C++ or g++ and a == b == c</p>');
  });
});

describe('passes over the text that look first (a pass is skipped where no text could match)', () => {
  it('still find URLs, emails, emoji, icons and keys, written as entities too, and leave plain text and code alone', async () => {
    // GFM's autolink literal pass is found by its name in remark-gfm's extensions; a rename would lose the check.
    expect(autolinkLiteralsChecked).toBe(true);
    expect(await html('Visit www.example.com today, or WWW.Example.org.')).toBe(
      '<p>Visit <a href="http://www.example.com">www.example.com</a> today, or <a href="http://WWW.Example.org">WWW.Example.org</a>.</p>',
    );
    expect(await html('Mail ops@example.com or mailto:dba@example.org')).toBe(
      '<p>Mail <a href="mailto:ops@example.com">ops@example.com</a> or mailto:<a href="mailto:dba@example.org">dba@example.org</a></p>',
    );
    // An entity is decoded before the passes look: `&#64;` is an @, `&#104;` an h, `&#58;` a colon.
    expect(await html('Mail ops&#64;example.com and &#104;ttps://example.com/e')).toBe(
      '<p>Mail <a href="mailto:ops@example.com">ops@example.com</a> and <a href="https://example.com/e">https://example.com/e</a></p>',
    );
    expect(await html('Thumbs :+1: and :thumbsup:, &#58;+1&#58; and :not_a_name:')).toBe('<p>Thumbs 👍 and 👍, 👍 and :not_a_name:</p>');
    expect(await html('Press ++ctrl+c++, then 2^10^ and H~2~O')).toBe(
      '<p>Press <span class="keys"><kbd>Ctrl</kbd>+<kbd>C</kbd></span>, then 2<sup>10</sup> and H<sub>2</sub>O</p>',
    );
    expect(await html('Plain text with nothing special.')).toBe('<p>Plain text with nothing special.</p>');
    expect(await html('`www.example.com` and `:+1:` in code')).toBe('<p><code>www.example.com</code> and <code>:+1:</code> in code</p>');
  });
});

describe('link reference definitions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-refs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hold for the whole page: a reference inside an admonition or a tab finds a definition written at the end', async () => {
    writeFileSync(
      join(dir, 'index.md'),
      [
        '# Home',
        '',
        '!!! tip "Read first"',
        '    The [dump guide][guide] and [the lab][lab].',
        '',
        '=== "PostgreSQL"',
        '    See [pg_dump][guide].',
        '',
        '```text',
        '[in-code]: not-a-definition.md',
        '```',
        '',
        '[guide]: https://www.postgresql.org/docs/15/app-pgdump.html',
        '  [lab]: missing-lab.md',
      ].join('\n'),
    );
    const course = loadCourse(dir);
    const page = course.lessons[0]!;
    const out = await proseHtml(page);
    expect(out).toContain(
      'The <a href="https://www.postgresql.org/docs/15/app-pgdump.html">dump guide</a> and <a href="missing-lab.md">the lab</a>.',
    );
    expect(out).toContain('See <a href="https://www.postgresql.org/docs/15/app-pgdump.html">pg_dump</a>.');
    expect(out).not.toContain('[guide]');
    // The link checks see them too: the missing page is reported where it is used.
    expect(course.problems.map((p) => `${p.name} ${p.line}`)).toEqual(['LinkMissing 4']);
  });
});

describe('admonitions inside list items', () => {
  it('are read as admonitions, with their title, kind and body, where the item holds them', async () => {
    const md = [
      '1. Stop the server.',
      '',
      '    !!! warning "Not on the `primary`"',
      '        Check which host you are on first.',
      '',
      '        Then [check it](https://example.org/).',
      '',
      '2. Copy the data directory.',
      '',
      '    ??? tip',
      '        Use rsync.',
    ].join('\n');
    expect(await html(md)).toBe(
      [
        '<ol>',
        '<li>',
        '<p>Stop the server.</p>',
        '<div class="admonition warning" role="note"><p class="admonition-title">Not on the <code>primary</code></p><div class="admonition-body"><p>Check which host you are on first.</p><p>Then <a href="https://example.org/">check it</a>.</p></div></div>',
        '</li>',
        '<li>',
        '<p>Copy the data directory.</p>',
        '<details class="admonition tip"><summary class="admonition-title">Tip</summary><div class="admonition-body"><p>Use rsync.</p></div></details>',
        '</li>',
        '</ol>',
      ].join('\n'),
    );
  });

  it('show their title as written, code spans apart', async () => {
    expect(await html('- Step.\n\n    !!! danger "<img src=x onerror=alert(1)> in `pg_wal`"\n        Body.')).toContain(
      '<p class="admonition-title">&#x3C;img src=x onerror=alert(1)> in <code>pg_wal</code></p>',
    );
  });

  it('report a broken link in their body at its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-nested-'));
    try {
      writeFileSync(join(dir, 'index.md'), '# Home\n\n1. Step.\n\n    !!! note\n        See [the lab](missing.md).\n');
      const course = loadCourse(dir);
      expect(course.problems.map((p) => `${p.name} ${p.line}`)).toEqual(['LinkMissing 6']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('content tabs inside list items', () => {
  const md = [
    '-   Activate the environment with:',
    '',
    '    === "macOS"',
    '',
    '        ```',
    '        . venv/bin/activate',
    '        ```',
    '',
    '    ===+ "Windows `cmd`"',
    '',
    '        Run **this**.',
    '',
    '    ===! "Other"',
    '        A set of its own.',
    '',
    '-   Next step',
  ].join('\n');

  it('are one tab set per run of tabs (`===!` starts another), `===+` shown first, labels as written with code', async () => {
    const out = (await html(md)).replace(/<pre[\s\S]*?<\/pre>/g, '<pre/>').replace(/tabs-n(\d)-[\w-]{8}/g, 'tabs-n$1');
    expect(out).toBe(
      [
        '<ul>',
        '<li>',
        '<p>Activate the environment with:</p>',
        '<div class="tabbed-set" data-tabs="2"><input type="radio" class="tabbed-input" name="tabs-n1" id="tabs-n1-1"><input type="radio" class="tabbed-input" name="tabs-n1" id="tabs-n1-2" checked>' +
          '<div class="tabbed-labels"><label for="tabs-n1-1">macOS</label><label for="tabs-n1-2">Windows <code>cmd</code></label></div>' +
          '<div class="tabbed-content"><div class="tabbed-block" data-label="macOS"><pre/></div><div class="tabbed-block" data-label="Windows cmd"><p>Run <strong>this</strong>.</p></div></div></div>',
        '<div class="tabbed-set" data-tabs="1"><input type="radio" class="tabbed-input" name="tabs-n2" id="tabs-n2-1" checked>' +
          '<div class="tabbed-labels"><label for="tabs-n2-1">Other</label></div>' +
          '<div class="tabbed-content"><div class="tabbed-block" data-label="Other"><p>A set of its own.</p></div></div></div>',
        '</li>',
        '<li>',
        '<p>Next step</p>',
        '</li>',
        '</ul>',
      ].join('\n'),
    );
  });

  it('keep their label plain: HTML in it is text, and a script in the body is dropped', async () => {
    const out = await html(['1. Step', '', '    === "<img src=x onerror=alert(1)>"', '        <script>alert(1)</script>ok'].join('\n'));
    expect(out).toContain('<label for="tabs-n1-');
    expect(out).toContain('>&#x3C;img src=x onerror=alert(1)></label>');
    expect(out).toContain('<div class="tabbed-block" data-label="<img src=x onerror=alert(1)>">ok</div>');
    expect(out.replace(/data-label="[^"]*"/g, '')).not.toMatch(/<script|<img/);
  });
});

describe('footnotes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-footnotes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are read for the whole page, numbered in the order they are defined, and listed once at its end with links back', async () => {
    writeFileSync(
      join(dir, 'index.md'),
      [
        '# Home',
        '',
        'A claim.[^1] Another[^note] and again[^1].',
        '',
        '!!! tip "Inside"',
        '    Called from an admonition.[^1] And `[^2]` in code.',
        '',
        '  [^1]:',
        '    Indented two spaces, with a [link](https://example.org/) and a [reference][docs].',
        '',
        '    Second paragraph.',
        '',
        '[^note]: One line with **bold**.',
        '',
        '  [docs]: https://www.postgresql.org/docs/',
      ].join('\n'),
    );
    const course = loadCourse(dir);
    const page = course.lessons[0]!;
    const out = await proseHtml(page);
    expect(out).toContain(
      '<p>A claim.<sup id="fnref:1"><a href="#fn:1" class="footnote-ref">1</a></sup> Another<sup id="fnref:note"><a href="#fn:note" class="footnote-ref">2</a></sup> and again<sup id="fnref2:1"><a href="#fn:1" class="footnote-ref">1</a></sup>.</p>',
    );
    expect(out).toContain(
      'Called from an admonition.<sup id="fnref3:1"><a href="#fn:1" class="footnote-ref">1</a></sup> And <code>[^2]</code> in code.',
    );
    expect(out).toContain(
      [
        '<div class="footnote"><hr><ol>',
        '<li id="fn:1">',
        '<p>Indented two spaces, with a <a href="https://example.org/">link</a> and a <a href="https://www.postgresql.org/docs/">reference</a>.</p>',
        '<p>Second paragraph. <a href="#fnref:1" title="Back to the text" class="footnote-backref">↩</a></p>',
        '</li>',
        '<li id="fn:note">',
        '<p>One line with <strong>bold</strong>. <a href="#fnref:note" title="Back to the text" class="footnote-backref">↩</a></p>',
        '</li>',
        '</ol></div>',
      ].join('\n'),
    );
    expect(out.match(/class="footnote"/g)).toHaveLength(1);
    // Their ids are places on the page: a link to one from another page is not broken.
    expect(page.ids).toEqual(expect.arrayContaining(['fn:1', 'fn:note', 'fnref:1', 'fnref2:1', 'fnref3:1', 'fnref:note']));
    expect(course.problems).toEqual([]);
  });

  it('a call with no definition anywhere on the page stays as written', async () => {
    expect(await html('No such note[^missing].')).toBe('<p>No such note[^missing].</p>');
  });
});

describe('admonition and tab titles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-titles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are inline Markdown as MkDocs reads them: links (by reference too), emphasis, code; never a block; HTML as written', async () => {
    writeFileSync(join(dir, 'other.md'), '# Other\n');
    writeFileSync(
      join(dir, 'index.md'),
      [
        '# Home',
        '',
        '!!! info "The [`site_url`][site_url] setting must be *set*"',
        '    Body.',
        '',
        '!!! tip "1. Stop the <service> first, see [other](other.md)"',
        '    Body.',
        '',
        '=== "# Not a heading [gone](missing.md)"',
        '    Tab.',
        '',
        '  [site_url]: https://www.mkdocs.org/user-guide/configuration/#site_url',
      ].join('\n'),
    );
    const course = loadCourse(dir);
    const page = course.lessons.find((l) => l.file === 'index.md')!;
    const out = await proseHtml(page);
    expect(out).toContain(
      '<p class="admonition-title">The <a href="https://www.mkdocs.org/user-guide/configuration/#site_url"><code>site_url</code></a> setting must be <em>set</em></p>',
    );
    expect(out).toContain('<p class="admonition-title">1. Stop the &#x3C;service> first, see <a href="/other/">other</a></p>');
    expect(out).toContain('<label for="tabs-9-');
    expect(out).toContain(
      '"># Not a heading <a href="missing.md" data-missing="true" title="This page is missing from the course">gone</a></label>',
    );
    // A link in a title is checked where the title is written.
    expect(course.problems.map((p) => `${p.name} ${p.line}`)).toEqual(['LinkMissing 9']);
  });
});

describe('abbreviations (abbr)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-abbr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mark every whole-word use on the page with its meaning, wherever the definition is, and are not shown themselves', async () => {
    writeFileSync(
      join(dir, 'index.md'),
      [
        '# Home',
        '',
        'Keep the WAL and the PITR target; WALs and `WAL` in code are not it.',
        '',
        '!!! tip "WAL first"',
        '    Archive the WAL.',
        '',
        '```text',
        '*[SQL]: not a definition in code',
        '```',
        '',
        '*[WAL]: Write-Ahead Log',
        '*[PITR]: Point-In-Time Recovery',
      ].join('\n'),
    );
    const course = loadCourse(dir);
    const page = course.lessons[0]!;
    const out = await proseHtml(page);
    expect(out).toContain(
      '<p>Keep the <abbr title="Write-Ahead Log">WAL</abbr> and the <abbr title="Point-In-Time Recovery">PITR</abbr> target; WALs and <code>WAL</code> in code are not it.</p>',
    );
    expect(out).toContain('<p class="admonition-title"><abbr title="Write-Ahead Log">WAL</abbr> first</p>');
    expect(out).toContain('<p>Archive the <abbr title="Write-Ahead Log">WAL</abbr>.</p>');
    expect(out).toContain('*[SQL]: not a definition in code');
    expect(out).not.toContain('*[WAL]');
    expect(course.problems).toEqual([]);
    // Parts read on their own (an admonition in a list item, Markdown inside HTML) are marked once.
    const nested = await mdastToHtml(
      parseMarkdown('1. Step\n\n    !!! note "WAL"\n        The WAL.\n\n<div markdown>\nThe WAL here\n</div>\n', {
        abbreviations: new Map([['WAL', 'Write-Ahead Log']]),
      }),
    );
    expect(nested.match(/<abbr/g)).toHaveLength(3);
    expect(nested).not.toContain('<abbr title="Write-Ahead Log"><abbr');
  });
});

describe('attribute lists on headings', () => {
  const ids = (md: string) => assignHeadingIds(parseMarkdown(md), new HeadingIds());

  it('give the id in any of attr_list spellings, the other attributes to the heading, and are not shown', async () => {
    expect(ids('### 9.7.6 <small>March 19, 2026</small> { id="9.7.6" }')).toEqual([
      { depth: 3, text: '9.7.6 March 19, 2026', id: '9.7.6' },
    ]);
    expect(ids('## Restore {#restore}')).toEqual([{ depth: 2, text: 'Restore', id: 'restore' }]);
    const tree = parseMarkdown('## Restore {: #r .big data-x="1" }');
    expect(ids('## Restore {: #r .big data-x="1" }')[0]?.id).toBe('r');
    assignHeadingIds(tree, new HeadingIds());
    expect((await mdastToHtml(tree)).replace(/<a class="heading-anchor".*?<\/a>/, '')).toBe(
      '<h2 data-x="1" class="big" id="r">Restore</h2>',
    );
    // Braces that are not an attribute list stay text.
    expect(ids('## Plain {x}')).toEqual([{ depth: 2, text: 'Plain {x}', id: 'plain-x' }]);
  });
});

describe('inline code in a language (pymdownx.inlinehilite), inserted text (caret) and tildes', () => {
  it('highlight `#!sql ...` without its prefix; an unknown language is plain; other inline code is as before', async () => {
    const out = await html('Run `#!sql SELECT 1;` or `#!nolang x y`, and `#!sql` alone or `plain`.');
    expect(out).toMatch(
      /^<p>Run <code class="inline-hl" data-language="sql"><span style="color:#[0-9A-F]{6};--shiki-dark:#[0-9A-F]{6}">SELECT<\/span>/,
    );
    expect(out).toContain('<code class="inline-hl" data-language="plaintext"><span>x y</span></code>');
    expect(out).toContain('and <code>#!sql</code> alone or <code>plain</code>.</p>');
    expect(out).not.toContain('#!sql S');
  });

  it('show ^^text^^ as inserted; one tilde is text, two strike through, as Python-Markdown reads them', async () => {
    expect(await html('^^new^^ and HEAD~1 and HEAD~2, ~~gone~~ and `^^code^^`')).toBe(
      '<p><ins>new</ins> and HEAD~1 and HEAD~2, <del>gone</del> and <code>^^code^^</code></p>',
    );
  });

  it('show ^text^ as superscript and ~text~ as subscript (caret, tilde): no space inside unless escaped, never in code', async () => {
    expect(await html('H~2~O, A^T^A, 10^-3^ s, ^a\\ b^ and ~x\\ y~; 2^10 and 3^5, HEAD~1 and HEAD~2; `H~2~O`')).toBe(
      '<p>H<sub>2</sub>O, A<sup>T</sup>A, 10<sup>-3</sup> s, <sup>a b</sup> and <sub>x y</sub>; 2^10 and 3^5, HEAD~1 and HEAD~2; <code>H~2~O</code></p>',
    );
    expect(await html('^^new^^ beside ^up^ and ~~gone~~ beside ~down~')).toBe(
      '<p><ins>new</ins> beside <sup>up</sup> and <del>gone</del> beside <sub>down</sub></p>',
    );
  });
});

describe('Markdown inside HTML (md_in_html)', () => {
  it('reads the content of an element marked `markdown` as Markdown, also with no blank line around it', async () => {
    const md = [
      '<figure markdown="span">',
      '  ![Restore timeline](https://example.org/t.png)',
      '  <figcaption>The timeline</figcaption>',
      '</figure>',
      '',
      '<div markdown>',
      '**bold** inside',
      '</div>',
      '',
      '<div>',
      '**not marked** stays as written',
      '</div>',
    ].join('\n');
    expect(await html(md)).toBe(
      [
        '<figure>',
        '<p><img src="https://example.org/t.png" alt="Restore timeline"></p>',
        '<figcaption>The timeline</figcaption>',
        '</figure>',
        '<div>',
        '<p><strong>bold</strong> inside</p>',
        '</div>',
        '<div>',
        '**not marked** stays as written',
        '</div>',
      ].join('\n'),
    );
  });

  it('reports a missing image inside it at its own line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-mdinhtml-'));
    try {
      writeFileSync(join(dir, 'index.md'), ['# Home', '', '<figure markdown="span">', '  ![x](missing.png)', '</figure>'].join('\n'));
      expect(loadCourse(dir).problems.map((p) => `${p.name} ${p.line}`)).toEqual(['ImageMissing 4']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
