import { describe, expect, it } from 'vitest';
import { splitAdmonitions, type Admonition, type ContentTabs, type MarkdownChunk } from '../../src/lesson/admonitions.ts';
import { fixture, proseHtml } from '../helpers/fixtures.ts';
import { admonitionsOf } from './support.ts';

const only = (text: string, startLine = 1): Admonition => {
  const nodes = splitAdmonitions(text, startLine);
  const a = nodes.find((n): n is Admonition => n.kind === 'admonition');
  if (!a) throw new Error('no admonition');
  return a;
};

describe('splitAdmonitions', () => {
  it('reads kind, title and a 4-space indented body, and un-indents the body', () => {
    const a = only('!!! warning "Disk almost full"\n    Free space before the restore.\n\n    - one\n    - two\n', 10);
    expect(a).toMatchObject({ type: 'warning', title: 'Disk almost full', collapsible: false, open: false, line: 10, classes: [] });
    expect(a.children).toEqual([{ kind: 'markdown', text: 'Free space before the restore.\n\n- one\n- two', startLine: 11, indent: 4 }]);
  });

  it('takes the title between the first and the last double quote', () => {
    expect(only('!!! tip "The "3-2-1" rule"\n    x').title).toBe('The "3-2-1" rule');
    expect(only('!!! info "Where `pg_wal` lives"\n    x').title).toBe('Where `pg_wal` lives');
  });

  it('tells a missing title (default) from an empty one (no title bar)', () => {
    expect(only('!!! note\n    x').title).toBeNull();
    expect(only('!!! note ""\n    x').title).toBe('');
  });

  it('reads ??? as collapsed and ???+ as open', () => {
    expect(only('??? question "Why?"\n    x')).toMatchObject({ collapsible: true, open: false });
    expect(only('???+ question "Why?"\n    x')).toMatchObject({ collapsible: true, open: true });
  });

  it('keeps extra words after the kind as classes', () => {
    expect(only('!!! tip inline end "Side"\n    x')).toMatchObject({ type: 'tip', classes: ['inline', 'end'], title: 'Side' });
  });

  it('ends the body at the first unindented line, which is prose again', () => {
    const nodes = splitAdmonitions('!!! note\n    inside\n\noutside', 1);
    expect(nodes.map((n) => n.kind)).toEqual(['admonition', 'markdown']);
    expect(nodes[1]).toEqual({ kind: 'markdown', text: '\noutside', startLine: 3, indent: 0 });
  });

  it('does not read a marker inside fenced code', () => {
    const nodes = splitAdmonitions('```text\n!!! note "example"\n    body\n```', 1);
    expect(nodes).toEqual([{ kind: 'markdown', text: '```text\n!!! note "example"\n    body\n```', startLine: 1, indent: 0 }]);
  });

  it('nests admonitions written inside an admonition body', () => {
    const a = only('!!! note "Outer"\n    !!! danger "Inner"\n        deep\n');
    const inner = a.children[0] as Admonition;
    expect(inner).toMatchObject({ kind: 'admonition', type: 'danger', title: 'Inner', line: 2 });
    expect(inner.children).toEqual([{ kind: 'markdown', text: 'deep', startLine: 3, indent: 8 } satisfies MarkdownChunk]);
  });
});

describe('content tabs', () => {
  const tabsOf = (text: string) => splitAdmonitions(text, 1).filter((n): n is ContentTabs => n.kind === 'tabs');

  it('reads tabs written one after another as one set, each with its title, line and un-indented body', () => {
    const [set, ...more] = tabsOf('Pick one:\n\n=== "PostgreSQL"\n\n    pg_dump shop\n\n=== "MariaDB"\n    mariadb-dump shop\n\nAfter.');
    expect(more).toEqual([]);
    expect(set).toMatchObject({ kind: 'tabs', line: 3 });
    expect(set!.children).toEqual([
      {
        kind: 'tab',
        title: 'PostgreSQL',
        selected: false,
        line: 3,
        children: [{ kind: 'markdown', text: '\npg_dump shop', startLine: 4, indent: 4 }],
      },
      {
        kind: 'tab',
        title: 'MariaDB',
        selected: false,
        line: 7,
        children: [{ kind: 'markdown', text: 'mariadb-dump shop', startLine: 8, indent: 4 }],
      },
    ]);
  });

  it('keeps the prose around a set, in order', () => {
    const nodes = splitAdmonitions('Before.\n=== "A"\n    a\n\nAfter.', 1);
    expect(nodes.map((n) => n.kind)).toEqual(['markdown', 'tabs', 'markdown']);
    expect(nodes[2]).toEqual({ kind: 'markdown', text: '\nAfter.', startLine: 4, indent: 0 });
  });

  it('starts a new set after prose, and at ===! even right after a tab; ===+ is the tab shown first', () => {
    const sets = tabsOf('=== "A"\n    a\ntext\n=== "B"\n    b\n\n===! "C"\n    c\n===+ "D"\n    d');
    expect(sets.map((s) => s.children.map((t) => [t.title, t.selected]))).toEqual([
      [['A', false]],
      [['B', false]],
      [
        ['C', false],
        ['D', true],
      ],
    ]);
  });

  it('holds admonitions and fenced code; a marker inside fenced code, or without a quoted title, is not a tab', () => {
    const [set] = tabsOf('=== "A"\n    !!! tip "T"\n        x\n    ```text\n    === "not a tab"\n    ```');
    expect(set!.children[0]!.children.map((n) => n.kind)).toEqual(['admonition', 'markdown']);
    expect(tabsOf('```text\n=== "A"\n    a\n```')).toEqual([]);
    expect(tabsOf('=== A\n    a')).toEqual([]);
    expect(tabsOf('Title\n===')).toEqual([]);
  });
});

describe('the admonitions fixture page', () => {
  const page = fixture('page/admonitions.md');
  const adms = admonitionsOf(page);

  it('reads every MkDocs kind with its title and collapsible state, in order', () => {
    expect(adms.map((a) => [a.type, a.title, a.collapsible, a.open, a.line])).toEqual([
      ['note', 'Before you start', false, false, 9],
      ['abstract', null, false, false, 12],
      ['info', 'Where `pg_wal` lives', false, false, 15],
      ['tip', 'The "3-2-1" rule', false, false, 18],
      ['success', null, false, false, 21],
      ['question', 'Why restore to a scratch host?', true, false, 24],
      ['warning', 'Check free space first', true, true, 27],
      ['failure', null, false, false, 34],
      ['danger', null, false, false, 37],
      ['bug', null, false, false, 40],
      ['example', 'Retention at a glance', false, false, 43],
      ['quote', null, false, false, 49],
      ['note', '', false, false, 52],
    ]);
  });

  it('parses an admonition body with fenced code as Markdown, not as indented code', () => {
    const warning = adms.find((a) => a.type === 'warning');
    const tree = warning?.children[0];
    expect(tree?.kind).toBe('markdown');
    const types = tree?.kind === 'markdown' ? tree.tree.children.map((c) => c.type) : [];
    expect(types).toEqual(['paragraph', 'code']);
    const code = tree?.kind === 'markdown' ? tree.tree.children[1] : undefined;
    expect(code).toMatchObject({ type: 'code', lang: 'bash', value: 'df -h /var/lib/postgresql' });
  });

  it('parses an admonition body holding a table as a GFM table', () => {
    const example = adms.find((a) => a.type === 'example');
    const tree = example?.children[0];
    const table = tree?.kind === 'markdown' ? tree.tree.children[0] : undefined;
    expect(table?.type).toBe('table');
    expect(table?.type === 'table' ? table.children.length : 0).toBe(3);
  });

  it('returns to prose after the last admonition and reports nothing', () => {
    const last = page.nodes[page.nodes.length - 1];
    expect(last?.kind).toBe('markdown');
    expect(page.problems).toEqual([]);
  });
});

describe('the content tabs fixture page', () => {
  const page = fixture('page/content-tabs.md');

  it('renders each set as radio buttons, labels and panels: the ===+ tab (else the first) checked, titles as inline Markdown with HTML shown as written', async () => {
    const html = await proseHtml(page);
    const sets = [...html.matchAll(/<div class="tabbed-set" data-tabs="(\d+)">/g)].map((m) => m[1]);
    // The third set is written inside a list item (read after CommonMark, nested-admonitions.ts).
    expect(sets).toEqual(['3', '2', '2']);
    const [first, second] = [...html.matchAll(/name="(tabs-\d+-[\w-]{8})"/g)].map((m) => m[1]).filter((v, i, a) => a.indexOf(v) === i);
    expect(first).toMatch(/^tabs-11-/);
    expect(second).toMatch(/^tabs-36-/);
    expect(html).toContain(
      `<input type="radio" class="tabbed-input" name="${first}" id="${first}-1" checked><input type="radio" class="tabbed-input" name="${first}" id="${first}-2"><input type="radio" class="tabbed-input" name="${first}" id="${first}-3"><div class="tabbed-labels"><label for="${first}-1">PostgreSQL</label><label for="${first}-2">MariaDB</label><label for="${first}-3"><code>mydumper</code> &#x3C;threads></label></div>`,
    );
    expect(html).toContain(
      `<input type="radio" class="tabbed-input" name="${second}" id="${second}-1"><input type="radio" class="tabbed-input" name="${second}" id="${second}-2" checked>`,
    );
    // Bodies are Markdown with admonitions and code, as anywhere in the page.
    expect(html).toContain('<div class="tabbed-block" data-label="PostgreSQL"><pre');
    expect(html).toContain('<div class="admonition tip" role="note"><p class="admonition-title">Consistent without locks</p>');
    // Without a quoted title, `===` is not a tab: its indented body stays code.
    expect(html).toContain('<p>=== not a tab marker</p>');
  });

  it('gives headings inside a tab their ids and lists them with the page', () => {
    expect(page.headings.map((h) => h.id)).toEqual(expect.arrayContaining(['parallel-dumps', 'exit-codes']));
    expect(page.problems).toEqual([]);
  });
});
