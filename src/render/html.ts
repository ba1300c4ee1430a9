/**
 * HTML for lesson content: mdast → hast with the author's raw HTML kept, as
 * MkDocs does, but sanitised (sanitize.ts) so it can never run script; then
 * shiki highlighting in light and dark themes. One highlighter per process;
 * languages load on first use, unknown ones fall back to plain text.
 */
import type { Element, Root as HastRoot } from 'hast';
import { randomUUID } from 'node:crypto';
import { fromHtml } from 'hast-util-from-html';
import { raw } from 'hast-util-raw';
import { h } from 'hastscript';
import rehypeSanitize from 'rehype-sanitize';
import { toHtml } from 'hast-util-to-html';
import { toString as hastToString } from 'hast-util-to-string';
import type { Root } from 'mdast';
import { defaultHandlers, toHast, type State as ToHastState } from 'mdast-util-to-hast';
import type { Code } from 'mdast';
import { bundledLanguages, createHighlighter, type BundledLanguage, type Highlighter } from 'shiki';
import { visit } from 'unist-util-visit';
import { cached, codeVersion, hash } from '../cache/store.ts';
import { defListHastHandlers } from 'remark-definition-list';
import { parseFenceInfo, parseLineList } from './fence-info.ts';
import { renderIcons } from './icons.ts';
import { AUTHOR_HTML } from './sanitize.ts';
import { renderNestedTabs } from './tabs.ts';

// High-contrast variants: the plain GitHub themes' comment colours fail WCAG AA contrast.
const THEMES = { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' } as const;
/** Names authors use that shiki knows under another name, or has no grammar for (then the nearest one). */
const ALIASES: Record<string, string> = {
  console: 'shellsession',
  'shell-session': 'shellsession',
  // Database dialects and clients: the SQL grammar.
  mysql: 'sql',
  mariadb: 'sql',
  psql: 'sql',
  pgsql: 'sql',
  postgres: 'sql',
  postgresql: 'sql',
  plpgsql: 'sql',
  sqlite: 'sql',
  tsql: 'sql',
  // Server configuration files (my.cnf, postgresql.conf, pgbackrest.conf): key = value sections.
  conf: 'ini',
  cnf: 'ini',
  cfg: 'ini',
  'my.cnf': 'ini',
  // A crontab line is a schedule and a shell command; an .env file is shell-style assignments.
  crontab: 'shellscript',
  cron: 'shellscript',
  env: 'dotenv',
  apacheconf: 'apache',
  text: 'plaintext',
  txt: 'plaintext',
  plain: 'plaintext',
};

let highlighter: Promise<Highlighter> | undefined;

function getHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: [THEMES.light, THEMES.dark], langs: [] });
  return highlighter;
}

export function languageOf(lang: string | undefined): string {
  const l = (lang ?? '').toLowerCase().trim();
  const name = ALIASES[l] ?? l;
  return name in bundledLanguages ? name : 'plaintext';
}

export interface HighlightOptions {
  /** Adds `data-line="N"` to every line (code walkthroughs point at them). */
  lineNumbers?: boolean;
  /** Shown above the code (a fence's `title="..."`), as plain text. */
  title?: string;
  /** Lines marked (a fence's `hl_lines`), 1-based. */
  hlLines?: number[];
  /** Numbers shown before the lines, from this one (a fence's `linenums`). */
  linenums?: number;
  /** No copy button (a fence's `.no-copy` class). */
  noCopy?: boolean;
  /**
   * Material's code annotations: the code is followed by an ordered list, so
   * a comment's `(1)!` marker is shown as the annotation's number (the
   * comment itself taken out when that is all it holds) and `(1)` after other
   * comment text as the number after it.
   */
  annotate?: boolean;
}

// A code annotation marker at the end of a comment token: `# (1)!`, `-- (2)`, `// (3)!`, `/* (4)! */`, `<!-- (5)! -->`.
const ANNOTATION = /^(.*?)\((\d+)\)(!?)[ \t]*(\*\/|-->)?[ \t]*$/;
// What is left of a comment that held only the marker: its introducer.
const BARE_COMMENT = /^[ \t]*(#|\/\/|--|;|%|\/\*|<!--|')?[ \t]*$/;

/**
 * Highlights `code` to the HTML of a `<pre>` element. Kept in the build cache
 * by the code, its language and the options: shiki runs once per distinct
 * snippet, and the cache holds strings (a highlighted snippet as hast is
 * thousands of objects).
 */
export async function highlight(code: string, lang: string | undefined, opts: HighlightOptions = {}): Promise<string> {
  return cached('highlight', hash(codeVersion(), lang ?? '', JSON.stringify(opts), code), async () => {
    const pre = await highlightToHast(code, lang, opts);
    if (opts.title === undefined) return toHtml(pre);
    return toHtml(h('div', { className: ['code-titled'] }, [h('p', { className: ['code-title'] }, opts.title), pre]));
  });
}

/** Highlights `code` to a hast `<pre>` element (shiki, our languages and themes). */
export async function highlightToHast(code: string, lang: string | undefined, opts: HighlightOptions = {}): Promise<Element> {
  const shiki = await getHighlighter();
  const name = languageOf(lang);
  if (name !== 'plaintext' && !shiki.getLoadedLanguages().includes(name)) await shiki.loadLanguage(name as BundledLanguage);
  const hl = new Set(opts.hlLines ?? []);
  const root = shiki.codeToHast(code, {
    lang: name,
    themes: THEMES,
    defaultColor: 'light',
    // Scopes only where annotations are looked for (they tell a comment from code), as they cost time.
    ...(opts.annotate ? { includeExplanation: 'scopeName' as const } : {}),
    transformers: [
      {
        pre(node) {
          node.properties['tabindex'] = '0';
          node.properties['data-language'] = name;
          if (opts.noCopy) node.properties['data-no-copy'] = '';
          if (opts.linenums !== undefined) {
            this.addClassToHast(node, 'linenums');
            node.properties['style'] = `${String(node.properties['style'] ?? '')};counter-reset:fence-line ${opts.linenums - 1}`;
          }
        },
        line(node, line) {
          if (opts.lineNumbers) node.properties['data-line'] = String(line);
          if (hl.has(line)) this.addClassToHast(node, 'hl');
        },
        span(node, _line, _col, _lineElement, token) {
          if (!opts.annotate || !token.content.includes('(')) return;
          const m = ANNOTATION.exec(token.content);
          // Only in a comment (shiki's scopes say so): `f(1)` in code is code.
          if (!m || !token.explanation?.some((e) => e.scopes.some((sc) => sc.scopeName.startsWith('comment')))) return;
          const [, before = '', n = '', bang] = m;
          const kept = bang && BARE_COMMENT.test(before) ? '' : before.replace(/[ \t]+$/, '');
          // The number is drawn by CSS from the attribute: copying the code copies no annotation numbers.
          node.children = [
            ...(kept ? [{ type: 'text' as const, value: kept }] : []),
            {
              type: 'element',
              tagName: 'span',
              properties: { className: ['code-annotation'], dataAnnotation: n },
              children: [],
            },
          ];
        },
      },
    ],
  });
  return root.children[0] as Element;
}

/**
 * Replaces every `<pre><code class="language-x">` (except a diagram's source)
 * with its highlighted form, as a raw node of our own HTML: the tree has
 * been sanitised already, and whoever serialises it allows raw nodes.
 */
async function highlightTree(tree: HastRoot): Promise<void> {
  const jobs: { parent: { children: unknown[] }; index: number; code: string; lang: string | undefined; opts: HighlightOptions }[] = [];
  visit(tree, 'element', (node, index, parent) => {
    if (node.tagName !== 'pre' || index === undefined || !parent) return;
    // A diagram's source stays as written: <db-mermaid> reads it as text.
    if (([] as unknown[]).concat(node.properties['className'] ?? []).includes('mermaid-source')) return;
    const code = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
    if (!code) return;
    const cls = ([] as unknown[]).concat(code.properties['className'] ?? []).map(String);
    const lang = cls.find((c) => c.startsWith('language-'))?.slice('language-'.length);
    jobs.push({ parent, index, code: hastToString(code).replace(/\n$/, ''), lang, opts: fenceOptions(code.properties) });
  });
  for (const j of jobs) j.parent.children[j.index] = { type: 'raw', value: await highlight(j.code, j.lang, j.opts) };
  // Inline code with a language (`#!sql x`, markdown.ts markInlineLanguages): its tokens coloured, inside the <code>.
  const inline: Element[] = [];
  visit(tree, 'element', (node) => {
    if (node.tagName === 'code' && typeof node.properties['dataLang'] === 'string') inline.push(node);
  });
  for (const code of inline) {
    const lang = String(code.properties['dataLang']);
    delete code.properties['dataLang'];
    const pre = await highlightToHast(hastToString(code), lang);
    const line = (pre.children[0] as Element | undefined)?.children.find((c): c is Element => c.type === 'element');
    if (!line) continue;
    code.properties['className'] = ['inline-hl'];
    code.properties['dataLanguage'] = languageOf(lang);
    code.children = line.children;
  }
}

/** The options a fence's info string gave its <code> (codeHandler), as highlight() takes them. */
function fenceOptions(p: Element['properties']): HighlightOptions {
  const opts: HighlightOptions = {};
  if (typeof p['dataTitle'] === 'string') opts.title = p['dataTitle'];
  if (typeof p['dataHlLines'] === 'string') opts.hlLines = parseLineList(p['dataHlLines']);
  const first = Number(p['dataLinenums']);
  if (p['dataLinenums'] !== undefined && Number.isInteger(first)) opts.linenums = first;
  if (p['dataNoCopy'] !== undefined) opts.noCopy = true;
  if (p['dataAnnotate'] !== undefined) opts.annotate = true;
  return opts;
}

/**
 * A fenced code block as `<pre><code class="language-x">`, its info string's
 * options (fence-info.ts) kept as data attributes of the <code> for
 * highlightTree; they pass the sanitiser like any author's data attribute,
 * and only ever become plain text, line classes and numbers.
 */
function codeHandler(state: ToHastState, node: Code): Element {
  const info = parseFenceInfo(node.lang, node.meta);
  const pre = defaultHandlers.code(state, { ...node, lang: info.lang ?? null, meta: null });
  const code = pre.children[0] as Element;
  if (info.title !== undefined) code.properties['dataTitle'] = info.title;
  if (info.hlLines.length > 0) code.properties['dataHlLines'] = info.hlLines.join(' ');
  if (info.linenums !== undefined) code.properties['dataLinenums'] = String(info.linenums);
  if (info.noCopy) code.properties['dataNoCopy'] = '';
  if ((node.data as { annotate?: boolean } | undefined)?.annotate) code.properties['dataAnnotate'] = '';
  return pre;
}

/** Gives h2-h4 with an id a "#" link to themselves. */
function headingAnchors(tree: HastRoot): void {
  visit(tree, 'element', (node) => {
    const id = node.properties['id'];
    if (!/^h[2-4]$/.test(node.tagName) || typeof id !== 'string') return;
    node.children.push({
      type: 'element',
      tagName: 'a',
      properties: { className: ['heading-anchor'], href: `#${id}`, ariaLabel: `Link to this section: ${hastToString(node)}` },
      children: [{ type: 'text', value: '#' }],
    });
  });
}

const sanitize = rehypeSanitize(AUTHOR_HTML) as (tree: HastRoot) => HastRoot;

/**
 * An mdast tree (page prose or a block's Markdown field) as sanitised,
 * highlighted hast. The author's raw HTML is parsed into the tree, then the
 * whole tree is sanitised; headings' anchors and highlighted code are added
 * after, so they are ours, not the author's.
 */
export async function mdastToHast(tree: Root): Promise<HastRoot> {
  const hast = sanitize(
    raw(toHast(tree, { allowDangerousHtml: true, handlers: { ...defListHastHandlers, code: codeHandler } }) as HastRoot) as HastRoot,
  );
  renderNestedTabs(hast);
  renderIcons(hast);
  // KaTeX is loaded only by a build that has math.
  if (hasMath(hast)) (await import('./math.ts')).renderMath(hast);
  headingAnchors(hast);
  focusableTables(hast);
  await highlightTree(hast);
  return hast;
}

/** Whether the tree holds arithmatex math (a span or div of class arithmatex) for src/render/math.ts to typeset. */
function hasMath(tree: HastRoot): boolean {
  let found = false;
  visit(tree, 'element', (node: Element) => {
    if (found || (node.tagName !== 'span' && node.tagName !== 'div')) return;
    found = ([] as unknown[]).concat(node.properties['className'] ?? []).includes('arithmatex');
  });
  return found;
}

/**
 * Tables scroll sideways when wider than the page (site.css), so each is a
 * tab stop: keyboard users can scroll it with the arrow keys (axe:
 * scrollable-region-focusable). Added after sanitising: ours, not the author's.
 */
function focusableTables(tree: HastRoot): void {
  visit(tree, 'element', (node: Element) => {
    if (node.tagName === 'table') node.properties['tabIndex'] = 0;
  });
}

/**
 * The element an author's opening tag makes (`<div class="grid" markdown>`),
 * empty, sanitised as the author's raw HTML is anywhere: undefined when the
 * tag is not allowed. The caller puts the content in it (an md_in_html
 * element around containers, src/lesson/admonitions.ts).
 */
export function authorElement(openTag: string, tag: string): Element | undefined {
  const tree = sanitize(fromHtml(`${openTag}</${tag}>`, { fragment: true }));
  const el = tree.children.find((c): c is Element => c.type === 'element');
  return el && { ...el, children: [] };
}

/** Renders an mdast tree (page prose or a block's Markdown field) to HTML: mdastToHast, serialised. */
export async function mdastToHtml(tree: Root): Promise<string> {
  return toHtml(await mdastToHast(tree), { allowDangerousHtml: true });
}

/** MDX node types kept as they are through the HTML steps: the MDX compiler renders them. */
export const MDX_NODE_TYPES = ['mdxJsxFlowElement', 'mdxJsxTextElement', 'mdxFlowExpression', 'mdxTextExpression', 'mdxjsEsm'] as const;

/** A tag no author can write (random per process), standing in for an MDX node while the tree is sanitised. */
const SLOT = `db-slot-${randomUUID().slice(0, 8)}`;
const sanitizeAround = rehypeSanitize({
  ...AUTHOR_HTML,
  tagNames: [...(AUTHOR_HTML.tagNames ?? []), SLOT],
  attributes: { ...AUTHOR_HTML.attributes, [SLOT]: ['dataSlot'] },
}) as (tree: HastRoot) => HastRoot;

type MdxHast = { type: string; children?: unknown[] } & Record<string, unknown>;

/**
 * An MDX tree as hast, for the MDX compiler: Markdown and HTML elements (JSX
 * with a lower-case name, whose attributes the parser kept only when written
 * as values) are sanitised exactly as in a Markdown page; components and
 * `{expressions}` are kept as MDX nodes, their content sanitised too. What a
 * component or an expression itself renders is code the author wrote, run
 * by the build (docs/authoring.md, "MDX pages").
 */
export async function mdxToHast(tree: Root, isBlockRef: (node: MdxHast) => boolean): Promise<HastRoot> {
  const jsx = (state: ToHastState, node: MdxHast) => {
    const name = node['name'];
    const children = state.all(node as never);
    if (typeof name === 'string' && /^[a-z]/.test(name) && !name.includes('.') && !isBlockRef(node)) {
      const attrs: Record<string, string | boolean> = {};
      for (const a of (node['attributes'] ?? []) as { type: string; name: string; value: unknown }[])
        if (a.type === 'mdxJsxAttribute' && (a.value === null || typeof a.value === 'string'))
          attrs[a.name] = a.value === null ? true : a.value;
      return h(name, attrs, children);
    }
    // A component or a block reference: kept for the compiler (as passThrough would), its content converted.
    return { ...structuredClone({ ...node, children: [] }), children };
  };
  const converted = toHast(tree, {
    allowDangerousHtml: true,
    passThrough: [...MDX_NODE_TYPES],
    handlers: { ...defListHastHandlers, code: codeHandler, mdxJsxFlowElement: jsx as never, mdxJsxTextElement: jsx as never },
  }) as unknown as MdxHast;
  // The only raw HTML here is our own markup (a diagram, a marker): parsed where it is, not by re-parsing the page
  // as HTML, which would move JSX elements around (a <div> written inside a paragraph).
  const parseRaw = (n: MdxHast): MdxHast => {
    if (!n.children) return n;
    const children = (n.children as MdxHast[]).flatMap((c) =>
      c.type === 'raw' ? (fromHtml(String(c['value']), { fragment: true }).children as unknown as MdxHast[]) : [parseRaw(c)],
    );
    return { ...n, children };
  };
  const hast = parseRaw(converted);
  // MDX nodes through the sanitiser: each stands in as a slot element holding its (sanitised) children.
  const kept: MdxHast[] = [];
  const hide = (n: MdxHast): MdxHast => {
    const children = ((n.children ?? []) as MdxHast[]).map(hide);
    if (!(MDX_NODE_TYPES as readonly string[]).includes(n.type)) return n.children ? { ...n, children } : n;
    kept.push(n);
    return { type: 'element', tagName: SLOT, properties: { dataSlot: String(kept.length - 1) }, children };
  };
  const clean = sanitizeAround(hide(hast) as unknown as HastRoot);
  const show = (n: MdxHast): MdxHast => {
    const children = ((n.children ?? []) as MdxHast[]).map(show);
    const props = n['properties'] as Record<string, unknown> | undefined;
    if (n.type === 'element' && n['tagName'] === SLOT) {
      const original = kept[Number(props?.['dataSlot'])] as MdxHast;
      return 'children' in original ? { ...original, children } : original;
    }
    return n.children ? { ...n, children } : n;
  };
  const out = show(clean as unknown as MdxHast) as unknown as HastRoot;
  renderNestedTabs(out);
  renderIcons(out);
  headingAnchors(out);
  await highlightTree(out);
  return out;
}

export { escapeHtml } from '../lesson/escape.ts';
