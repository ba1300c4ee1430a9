/**
 * HTML for lesson content: mdast → hast with the author's raw HTML kept, as
 * MkDocs does, but sanitised (sanitize.ts) so it can never run script; then
 * shiki highlighting in light and dark themes. One highlighter per process;
 * languages load on first use, unknown ones fall back to plain text.
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { raw } from 'hast-util-raw';
import rehypeSanitize from 'rehype-sanitize';
import { toHtml } from 'hast-util-to-html';
import { toString as hastToString } from 'hast-util-to-string';
import type { Root } from 'mdast';
import { toHast } from 'mdast-util-to-hast';
import { bundledLanguages, createHighlighter, type BundledLanguage, type Highlighter } from 'shiki';
import { visit } from 'unist-util-visit';
import { AUTHOR_HTML } from './sanitize.ts';

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
}

/** Highlights `code` to a hast `<pre>` element. */
export async function highlightToHast(code: string, lang: string | undefined, opts: HighlightOptions = {}): Promise<Element> {
  const hl = await getHighlighter();
  const name = languageOf(lang);
  if (name !== 'plaintext' && !hl.getLoadedLanguages().includes(name)) await hl.loadLanguage(name as BundledLanguage);
  const root = hl.codeToHast(code, {
    lang: name,
    themes: THEMES,
    defaultColor: 'light',
    transformers: [
      {
        pre(node) {
          node.properties['tabindex'] = '0';
          node.properties['data-language'] = name;
        },
        line(node, line) {
          if (opts.lineNumbers) node.properties['data-line'] = String(line);
        },
      },
    ],
  });
  return root.children[0] as Element;
}

export async function highlight(code: string, lang: string | undefined, opts: HighlightOptions = {}): Promise<string> {
  return toHtml(await highlightToHast(code, lang, opts));
}

/** Replaces every `<pre><code class="language-x">` (except a diagram's source) with its highlighted form. */
async function highlightTree(tree: HastRoot): Promise<void> {
  const jobs: { parent: Element | HastRoot; index: number; code: string; lang: string | undefined }[] = [];
  visit(tree, 'element', (node, index, parent) => {
    if (node.tagName !== 'pre' || index === undefined || !parent) return;
    // A diagram's source stays as written: <db-mermaid> reads it as text.
    if (([] as unknown[]).concat(node.properties['className'] ?? []).includes('mermaid-source')) return;
    const code = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
    if (!code) return;
    const cls = ([] as unknown[]).concat(code.properties['className'] ?? []).map(String);
    const lang = cls.find((c) => c.startsWith('language-'))?.slice('language-'.length);
    jobs.push({ parent, index, code: hastToString(code).replace(/\n$/, ''), lang });
  });
  for (const j of jobs) j.parent.children[j.index] = (await highlightToHast(j.code, j.lang)) as ElementContent;
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
 * Renders an mdast tree (page prose or a block's Markdown field) to HTML.
 * The author's raw HTML is parsed into the tree, then the whole tree is
 * sanitised; headings' anchors and highlighted code are added after, so
 * they are ours, not the author's.
 */
export async function mdastToHtml(tree: Root): Promise<string> {
  const hast = sanitize(raw(toHast(tree, { allowDangerousHtml: true }) as HastRoot) as HastRoot);
  headingAnchors(hast);
  await highlightTree(hast);
  return toHtml(hast);
}

export { escapeHtml } from '../lesson/escape.ts';
