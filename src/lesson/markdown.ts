/**
 * Markdown prose → mdast (CommonMark + GFM + definition lists), with the page-level facts the
 * site needs: headings with stable ids, and every link and image with its
 * file line so a broken one can be reported where it is.
 */
import type { Html, PhrasingContent, Root, RootContent } from 'mdast';
import { findAndReplace, type ReplaceFunction } from 'mdast-util-find-and-replace';
import joypixels from 'emojibase-data/en/shortcodes/joypixels.json' with { type: 'json' };
import { toString } from 'mdast-util-to-string';
import { remarkDefinitionList } from 'remark-definition-list';
import remarkGemoji from 'remark-gemoji';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified, type Processor } from 'unified';
import { combineExtensions } from 'micromark-util-combine-extensions';
import { EXIT, SKIP, visit } from './visit.ts';
import { nestedAdmonitions, shift } from './nested-admonitions.ts';
import type { HeadingIds } from './slug.ts';
import { applySmartSymbols, type SmartSymbols } from './smart-symbols.ts';
import { protectMath, restoreMath, type MathSyntax } from './math.ts';

export interface Heading {
  depth: number;
  text: string;
  id: string;
}

export interface Reference {
  /** md-link, md-image: Markdown syntax; html-image: raw `<img src>`. */
  kind: 'md-link' | 'md-image' | 'html-image';
  url: string;
  line: number;
  column: number;
}

// Definition lists (Python-Markdown's def_list, which MkDocs courses enable: `Term` then `:   Definition`), and
// emoji shortcodes (pymdownx.emoji: `:white_check_mark:` shows ✅; unknown names, such as icon codes, stay as written).
// GFM's strikethrough takes two tildes only, as Python-Markdown (and pymdownx.tilde, where `~x~` is a subscript):
// `HEAD~1 and HEAD~2` is not struck through.
const parser = unified()
  .use(remarkParse)
  .use(remarkGfm, { singleTilde: false })
  .use(remarkDefinitionList)
  .use(function gemojiWhereShortcodes() {
    // remark-gemoji's pass, only over a tree with a `:name:` in its text (a superset of what its pattern finds).
    const transform = remarkGemoji();
    return (tree: Root) => (anyText(tree, GEMOJI_NEEDS) ? transform(tree) : undefined);
  })
  .use(oneSyntaxExtension)
  .use(autolinkLiteralsWhereTheyCanBe);

/**
 * The plugins' micromark extensions, combined once. remark-parse hands them to micromark on every parse, and micromark
 * merges its own constructs with each of them every time: a page is parsed in many parts (its prose between blocks,
 * every Markdown field of its blocks, admonition bodies; ~1,600 parses in the 105-page benchmark course), and the
 * merging was ~7 % of a cold build's parse (~35 µs a call for a short text). Merged once beforehand, there is one
 * extension to merge, with its constructs in the same order (micromark puts each extension's constructs before its
 * own unless they ask to come after, in the order the extensions are listed, which merging them first keeps).
 */
function oneSyntaxExtension(this: Processor): void {
  const data = this.data();
  const list = data.micromarkExtensions ?? [];
  if (list.length > 1) data.micromarkExtensions = [combineExtensions(list)];
}

/**
 * Whether some text node of `tree` matches `pattern` (its global flag aside): a find-and-replace pass over a tree
 * where none does changes nothing, and is skipped. mdast-util-find-and-replace walks every node with a closure per
 * node to look; this walk only looks. Passes over a page's many short parts (~1,600 parses of the benchmark course, most
 * without a URL, a shortcode or a key) were ~10 % of parsing it.
 */
function anyText(tree: Root, pattern: RegExp): boolean {
  const re = lookingFor(pattern);
  let found = false;
  visit(tree, 'text', (node) => {
    if (!re.test(node.value)) return undefined;
    found = true;
    return EXIT;
  });
  return found;
}

/** Each pattern's copy without the global and sticky flags (whose `test` would start where the last match ended), made once. */
const oneShot = new WeakMap<RegExp, RegExp>();
function lookingFor(pattern: RegExp): RegExp {
  if (!pattern.global && !pattern.sticky) return pattern;
  let re = oneShot.get(pattern);
  if (!re) oneShot.set(pattern, (re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))));
  return re;
}

/** A superset of remark-gemoji's shortcode pattern (`:+1:`, `:name:`). */
const GEMOJI_NEEDS = /:[-+\w]+:/;

/** findAndReplace of one pattern, where some text matches it (anyText). */
function replaceIn(tree: Root, pattern: RegExp, replace: ReplaceFunction): void {
  if (anyText(tree, pattern)) findAndReplace(tree, [[pattern, replace]]);
}

/**
 * What GFM's autolink literals need in a text: `http://`, `https://` or `www.` (any case) for a URL, `@` for an
 * email, `mailto:` or `xmpp:` address. mdast-util-gfm-autolink-literal finds them with a find-and-replace pass over
 * every parsed tree (`transformGfmAutolinkLiterals`); this is a superset of its four patterns.
 */
const AUTOLINK_LITERAL_NEEDS = /https?:\/\/|www\.|@/i;

/** Whether the autolink literal pass was found (by its name) and given the check: a unit test reads it. */
export let autolinkLiteralsChecked = false;

/** remark-gfm's autolink literal pass, run only where AUTOLINK_LITERAL_NEEDS finds something. */
function autolinkLiteralsWhereTheyCanBe(this: Processor): void {
  type Transform = (tree: Root) => void;
  type Extension = { transforms?: Transform[] } | Extension[];
  const guard = (ext: Extension): Extension => {
    if (Array.isArray(ext)) return ext.map(guard);
    if (!ext.transforms) return ext;
    const transforms = ext.transforms.map((t) => {
      if (t.name !== 'transformGfmAutolinkLiterals') return t;
      autolinkLiteralsChecked = true;
      return (tree: Root) => (anyText(tree, AUTOLINK_LITERAL_NEEDS) ? t(tree) : undefined);
    });
    return { ...ext, transforms };
  };
  const data = this.data() as { fromMarkdownExtensions?: Extension[] };
  data.fromMarkdownExtensions = (data.fromMarkdownExtensions ?? []).map(guard);
}

type Phrasing = Extract<RootContent, { type: 'text' }> | { type: string; data?: unknown; children?: unknown[]; value?: string };
/** Our own inline node (rendered by its `data.hName`) where mdast's types expect phrasing content. */
const phrasing = (node: Phrasing): PhrasingContent => node as PhrasingContent;

/** What the rest of a page defines for every part of it (the page is parsed in parts, split at admonitions and tabs; MkDocs reads one page as one). */
export interface PageMarkdown {
  /** Link reference definitions (pageDefinitions), added after the text so that `[x][ref]` finds one written elsewhere. */
  definitions?: string[];
  /** Footnote labels (pageFootnoteLabels), so that `[^label]` is read as a call wherever its definition is. */
  footnotes?: string[];
  /** Abbreviations (pageAbbreviations: `*[HTML]: Hyper Text Markup Language`), marked wherever the word appears. */
  abbreviations?: Map<string, string>;
  /** pymdownx.smartsymbols' groups, when the course turns it on. */
  smartSymbols?: SmartSymbols;
  /** pymdownx.arithmatex's delimiters, when the course turns it on: TeX kept out of Markdown as math nodes. */
  math?: MathSyntax;
}

/** `text` as mdast, with what the rest of its page defines (`page`). */
export function parseMarkdown(text: string, page: PageMarkdown = {}): Root {
  const math = page.math ? protectMath(text, page.math) : undefined;
  const tree = parseBlocks(math ? math.text : text, page);
  applyInline(tree, page);
  if (math) restoreMath(tree, math.spans);
  return tree;
}

/**
 * `text`'s block structure, parts read on their own included (admonitions
 * and tabs in list items, Markdown inside HTML), without the inline syntax
 * passes: those run once over the whole tree (applyInline), so a part read
 * on its own is not marked twice.
 */
function parseBlocks(text: string, page: PageMarkdown): Root {
  const { definitions = [], footnotes = [] } = page;
  // Footnotes defined elsewhere on the page: a stand-in definition each, so that `[^label]` here is read as a call to
  // it (GFM reads a call only when its label is defined in the same text); the stand-ins are taken out again.
  const extra = [...definitions, ...footnotes.map((label) => `[^${label}]: .`)];
  const own = withoutAbbreviationDefinitions(text);
  const whole = extra.length > 0 && fencedLines(own).open === null ? `${own}\n\n${extra.join('\n\n')}\n` : own;
  const source = angleSpacedDestinations(whole);
  const tree = parser.runSync(parser.parse(source)) as Root;
  if (footnotes.length > 0) {
    const lines = text.split('\n').length;
    tree.children = tree.children.filter((c) => !(c.type === 'footnoteDefinition' && (c.position?.start.line ?? 0) > lines));
  }
  nestedAdmonitions(
    tree,
    source,
    (body) => parseBlocks(body, page),
    (title) => titlePhrasing(titleBlocks(title, {})),
  );
  markdownInHtml(tree, (inner) => parseBlocks(inner, page));
  return tree;
}

/** Inline syntax of MkDocs' extensions over a whole tree, once: icons, emoji names, attribute lists, keys, marks, abbreviations. */
function applyInline(tree: Root, page: PageMarkdown): void {
  markCodeAnnotations(tree);
  markInlineLanguages(tree);
  applyIcons(tree);
  applyEmojiNames(tree);
  applyAttrLists(tree);
  applyKeysAndMarks(tree);
  if (page.abbreviations && page.abbreviations.size > 0) applyAbbreviations(tree, page.abbreviations);
  if (page.smartSymbols) applySmartSymbols(tree, page.smartSymbols);
}

// An abbreviation's definition (Python-Markdown's abbr): `*[HTML]: Hyper Text Markup Language` on a line of its own.
const ABBREVIATION = /^ {0,3}\*\[([^\]\n]+)\]:[ \t]*(.*?)[ \t]*$/;

/** The abbreviations defined on a page's lines (proseLines), the first definition of each kept. */
export function pageAbbreviations(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const m = ABBREVIATION.exec(line);
    if (m && !out.has(m[1] as string)) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** `text` with its abbreviation definitions blanked (they show nothing; the lines stay, so positions hold). */
function withoutAbbreviationDefinitions(text: string): string {
  if (!text.includes('*[')) return text;
  return fencedLines(text)
    .lines.map(({ line, fenced }) => (!fenced && ABBREVIATION.test(line) ? '' : line))
    .join('\n');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Each whole-word use of an abbreviation in text (never in code or a link's
 * destination) as <abbr title="…">, as Python-Markdown's abbr shows it.
 */
export function applyAbbreviations(tree: Root, abbreviations: Map<string, string>): void {
  const words = [...abbreviations.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.join('|')})(?![\\p{L}\\p{N}_])`, 'gu');
  findAndReplace(tree, [
    [
      pattern,
      (word: string) => {
        const title = abbreviations.get(word) ?? '';
        return phrasing({
          type: 'abbreviation',
          data: { hName: 'abbr', hProperties: title ? { title } : {} },
          children: [{ type: 'text', value: word }],
        });
      },
    ],
  ]);
}

/**
 * An admonition's or a tab's title as MkDocs reads it: inline Markdown
 * (code, emphasis, links, icons), never a block (`1. Stop` is not a list,
 * `# x` not a heading), and raw HTML shown as written (`<path>` stays
 * visible). The tree is one paragraph, then the page's link definitions
 * (so that `[text][ref]` resolves where the title is rendered).
 */
export function parseTitle(title: string, page: Pick<PageMarkdown, 'definitions' | 'abbreviations' | 'smartSymbols' | 'math'> = {}): Root {
  // Math in a title is math, as in MkDocs (arithmatex's inline pattern runs on the title's text too).
  const math = page.math ? protectMath(title, page.math) : undefined;
  const tree = titleBlocks(math ? math.text : title, page);
  applyInline(tree, page);
  if (math) restoreMath(tree, math.spans);
  return tree;
}

/** parseTitle without the inline passes (a title inside a part read on its own gets them with the whole tree). */
function titleBlocks(title: string, page: Pick<PageMarkdown, 'definitions'>): Root {
  // A zero-width space first keeps the text from starting a block; it is taken out after.
  // The page's link definitions only matter to a title with a reference in it (they cost a parse each).
  const tree = parseBlocks(`\u200b${title.replace(/\r?\n/g, ' ')}`, title.includes('[') ? page : { ...page, definitions: [] });
  const first = tree.children[0];
  const paragraph: RootContent =
    first?.type === 'paragraph'
      ? first
      : { type: 'paragraph', children: plainWithCode(title) as Extract<RootContent, { type: 'paragraph' }>['children'] };
  const lead = paragraph.type === 'paragraph' ? paragraph.children[0] : undefined;
  if (lead?.type === 'text') lead.value = lead.value.replace(/^\u200b/, '');
  if (paragraph.type === 'paragraph' && lead?.type === 'text' && lead.value === '') paragraph.children.shift();
  // Raw HTML shown as written: a node of its own kind, which renders as text and which no inline pass reads.
  visit(paragraph, 'html', (h) => {
    (h as unknown as { type: string }).type = 'writtenHtml';
  });
  return { type: 'root', children: [paragraph, ...tree.children.filter((c) => c.type === 'definition')] };
}

/** A title's inline nodes (parseTitle's paragraph), for our own markup around them. */
export function titlePhrasing(tree: Root): RootContent[] {
  const p = tree.children[0];
  return p?.type === 'paragraph' ? p.children : [];
}

// An HTML element's opening tag alone on its line, with md_in_html's `markdown` attribute (`markdown`, `="1"`, `="span"`).
// Two linear patterns: one pattern for both backtracked quadratically on a long line (seconds at 270,000 characters).
const TAG_LINE = /^[ \t]*<([A-Za-z][\w-]*)\b([^>]*)>[ \t]*$/;
const MARKDOWN_ATTR = /(?:^|\s)markdown(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?(?:\s|\/|$)/;
const markdownOpen = (line: string) => {
  const m = TAG_LINE.exec(line);
  return m && MARKDOWN_ATTR.test(m[2] as string) ? m : null;
};

/**
 * md_in_html (Python-Markdown): an HTML element whose opening tag says
 * `markdown` holds Markdown, also when no blank line separates it from the
 * tags (`<figure markdown="span">` around `![image](x.png)`), where
 * CommonMark keeps the whole element as raw HTML and the Markdown showed as
 * typed. Such an HTML node is split: its opening tag, its content parsed as
 * Markdown (`parse`), and its closing tag when the node ends with it.
 */
export function markdownInHtml(tree: Root, parse: (text: string) => Root): void {
  visit(tree, 'html', (node, index, parent) => {
    if (index === undefined || !parent) return;
    const [first = '', ...rest] = node.value.split('\n');
    const open = markdownOpen(first);
    if (!open || rest.length === 0) return;
    const closing = new RegExp(`^[ \\t]*</${open[1]}>[ \\t]*$`, 'i');
    const closed = closing.test(rest[rest.length - 1] as string);
    const inner = closed ? rest.slice(0, -1) : rest;
    // The content's common indentation is layout, not code.
    const indent = Math.min(...inner.filter((l) => l.trim() !== '').map((l) => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length));
    const body = parse(inner.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n'));
    shift(body, node.position?.start.line ?? 0, Number.isFinite(indent) ? indent : 0);
    const html = (value: string): RootContent => ({ type: 'html', value });
    const replacement = [html(first), ...body.children, ...(closed ? [html(rest[rest.length - 1] as string)] : [])];
    (parent.children as RootContent[]).splice(index, 1, ...replacement);
    return [SKIP, index + replacement.length];
  });
}

// pymdownx.inlinehilite: inline code that starts with a shebang and a language, `` `#!sql SELECT 1` ``.
const INLINE_LANGUAGE = /^#!([\w+#.-]+)[ \t]+([\s\S]*)$/;

/**
 * Inline code written `` `#!sql SELECT 1` `` (pymdownx.inlinehilite) is
 * highlighted in that language (html.ts), without its `#!sql ` prefix,
 * which showed as typed.
 */
export function markInlineLanguages(tree: Root): void {
  visit(tree, 'inlineCode', (node) => {
    const m = INLINE_LANGUAGE.exec(node.value);
    if (!m) return;
    node.value = m[2] as string;
    node.data = { ...node.data, hProperties: { ...(node.data?.hProperties ?? {}), dataLang: m[1] } };
  });
}

/**
 * Material's code annotations: a fenced code block directly followed by an
 * ordered list has its `(1)!` comment markers shown as numbers (html.ts
 * highlight), and the list is the notes they point to.
 */
export function markCodeAnnotations(tree: Root): void {
  visit(tree, (node) => {
    if (!('children' in node)) return;
    const children = node.children as RootContent[];
    for (let i = 0; i + 1 < children.length; i++) {
      const code = children[i] as RootContent;
      const list = children[i + 1] as RootContent;
      if (code.type !== 'code' || list.type !== 'list' || !list.ordered || !/\(\d+\)/.test(code.value)) continue;
      code.data = { ...code.data, annotate: true } as typeof code.data;
      list.data = { ...list.data, hProperties: { ...(list.data?.hProperties ?? {}), className: ['code-annotations'] } };
    }
  });
}

/** JoyPixels' shortcode names (pymdownx.emoji's twemoji index, Material's default, uses them), name → emoji. */
const EMOJI_NAMES: Map<string, string> = new Map(
  Object.entries(joypixels as Record<string, string | string[]>).flatMap(([hex, names]) => {
    const emoji = String.fromCodePoint(...hex.split('-').map((h) => parseInt(h, 16)));
    return ([] as string[]).concat(names).map((n) => [n, emoji] as [string, string]);
  }),
);
const EMOJI_SHORTCODE = /:([a-z0-9_+-]+):/g;

/**
 * Emoji shortcodes that gemoji (remark-gemoji, GitHub's names) does not
 * know but Material's index does (`:man_raising_hand:`, `:thumbsup:`):
 * shown as the emoji; unknown names stay as written.
 */
export function applyEmojiNames(tree: Root): void {
  replaceIn(tree, EMOJI_SHORTCODE, (_: string, name: string) => EMOJI_NAMES.get(name) ?? false);
}

// Material for MkDocs' icon shortcodes: `:material-database:`, `:fontawesome-brands-github:`, `:octicons-x-16:`, `:simple-mariadb:`.
const ICON_SHORTCODE = /:((?:material|fontawesome-(?:brands|regular|solid)|octicons|simple)-[a-z0-9]+(?:-[a-z0-9]+)*):/g;

/**
 * Marks each icon shortcode in text (never in code) as an `icon` node, an
 * empty <db-icon data-icon="name">; the renderer (src/render/icons.ts) shows
 * the icon, or the shortcode as written when no set has it.
 */
export function applyIcons(tree: Root): void {
  replaceIn(tree, ICON_SHORTCODE, (_: string, name: string) =>
    // No text: a heading's id and the search text leave the icon out, as MkDocs' do.
    phrasing({ type: 'icon', data: { hName: 'db-icon', hProperties: { dataIcon: name } }, children: [] }),
  );
}

// pymdownx.keys `++ctrl+alt+del++`, pymdownx.mark `==text==`, pymdownx.caret `^^inserted^^` and `^super^`, and
// pymdownx.tilde `~sub~`, inside one run of text (never in code). A superscript or subscript holds no whitespace but an
// escaped space (`^a\ b^`), as pymdownx reads them, so `HEAD~1 and HEAD~2` or `2^10 and 3^5` stay as written.
const KEYS_OR_MARK =
  /\+\+([A-Za-z0-9-]+(?:\+[A-Za-z0-9-]+)*)\+\+|==(?=\S)(.+?)(?<=\S)==|\^\^(?=\S)(.+?)(?<=\S)\^\^|\^((?:\\ |[^\s^\\]|\\[^\s])+)\^|~((?:\\ |[^\s~\\]|\\[^\s])+)~/g;
const KEY_NAMES: Record<string, string> = {
  ctrl: 'Ctrl',
  control: 'Ctrl',
  alt: 'Alt',
  option: 'Option',
  shift: 'Shift',
  cmd: 'Cmd',
  command: 'Cmd',
  meta: 'Meta',
  win: 'Win',
  windows: 'Win',
  super: 'Super',
  enter: 'Enter',
  return: 'Return',
  esc: 'Esc',
  escape: 'Esc',
  tab: 'Tab',
  space: 'Space',
  backspace: 'Backspace',
  del: 'Del',
  delete: 'Del',
  insert: 'Ins',
  ins: 'Ins',
  home: 'Home',
  end: 'End',
  'page-up': 'Page Up',
  'page-down': 'Page Down',
  up: '↑',
  'arrow-up': '↑',
  down: '↓',
  'arrow-down': '↓',
  left: '←',
  'arrow-left': '←',
  right: '→',
  'arrow-right': '→',
};

/** A key's label as pymdownx.keys shows it: known names spelled out, a letter in capitals, others as words. */
export function keyLabel(name: string): string {
  const k = name.toLowerCase();
  if (KEY_NAMES[k]) return KEY_NAMES[k];
  if (/^f\d{1,2}$/.test(k) || k.length === 1) return k.toUpperCase();
  return k
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * `++ctrl+c++` as keyboard keys (<kbd> each, joined by "+"), `==text==`
 * as marked text (<mark>), `^^text^^` as inserted text (<ins>), `^x^` as
 * superscript (<sup>) and `~x~` as subscript (<sub>), as the pymdownx
 * extensions MkDocs courses enable (keys, mark, caret, tilde) show them;
 * they were shown as typed.
 */
export function applyKeysAndMarks(tree: Root): void {
  replaceIn(
    tree,
    KEYS_OR_MARK,
    (
      _: string,
      keys: string | undefined,
      marked: string | undefined,
      inserted: string | undefined,
      sup: string | undefined,
      sub: string | undefined,
    ) => {
      const script = sup ?? sub;
      if (script !== undefined) {
        const value = script.replace(/\\ /g, ' ');
        const hName = sup !== undefined ? 'sup' : 'sub';
        return phrasing({ type: hName, data: { hName }, children: [{ type: 'text', value }] });
      }
      if (inserted !== undefined)
        return phrasing({ type: 'insert', data: { hName: 'ins' }, children: [{ type: 'text', value: inserted }] });
      if (keys === undefined) return phrasing({ type: 'mark', data: { hName: 'mark' }, children: [{ type: 'text', value: marked ?? '' }] });
      const children: Phrasing[] = [];
      keys.split('+').forEach((k, i) => {
        if (i > 0) children.push({ type: 'text', value: '+' });
        children.push({ type: 'key', data: { hName: 'kbd' }, children: [{ type: 'text', value: keyLabel(k) }] });
      });
      return phrasing({ type: 'keys', data: { hName: 'span', hProperties: { className: ['keys'] } }, children });
    },
  );
}

// attr_list (Python-Markdown): `{ #id .class key="value" }`, the colon after the brace optional. Ids and classes are
// any run without spaces, `=` or `}` (`{ #9.7.0 }`), as Python-Markdown reads them; bare words are not taken (`{x}` in
// text stays text).
const ATTR_ITEM = `(?:[#.][^\\s=}"']+|[\\w-]+=(?:"[^"]*"|'[^']*'|[^\\s}"']+))`;
const ATTR_BODY = `\\{:?[ \\t]*(${ATTR_ITEM}(?:[ \\t]+${ATTR_ITEM})*)[ \\t]*\\}`;
const ATTR_LIST = new RegExp(`^${ATTR_BODY}`);
const ATTR = /([#.])([^\s=}"']+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|([^\s}"']+))/g;
/** Inline elements an attribute list can follow (Python-Markdown: any element, with no space between). */
const ATTRIBUTED = new Set(['link', 'image', 'linkReference', 'imageReference', 'strong', 'emphasis', 'delete', 'inlineCode', 'icon']);

/** The HTML properties a node carries for its element (`data.hProperties`: heading ids, attribute lists). */
export function hPropertiesOf(node: { data?: unknown }): Record<string, unknown> | undefined {
  return (node.data as { hProperties?: Record<string, unknown> } | undefined)?.hProperties;
}

/** An attribute list's contents as hast properties (id, className, others by name). */
export function attrListProperties(list: string): Record<string, string | string[]> {
  const props: Record<string, string | string[]> = {};
  const classes: string[] = [];
  for (const m of list.matchAll(ATTR)) {
    if (m[1] === '#') props['id'] = m[2] as string;
    else if (m[1] === '.') classes.push(m[2] as string);
    else props[m[3] as string] = m[4] ?? m[5] ?? m[6] ?? '';
  }
  if (classes.length > 0) props['className'] = classes;
  return props;
}

function addProperties(node: { data?: { hProperties?: Record<string, unknown> } }, list: string, withId = true): void {
  const props = attrListProperties(list);
  if (!withId) delete props['id'];
  const before = node.data?.hProperties ?? {};
  const className = [...((before['className'] as string[] | undefined) ?? []), ...((props['className'] as string[] | undefined) ?? [])];
  node.data = { ...node.data, hProperties: { ...before, ...props, ...(className.length > 0 ? { className } : {}) } };
}

/**
 * Python-Markdown's attr_list on inline elements and paragraphs, as MkDocs
 * courses use it: `[Subscribe](x.md){ .md-button }` gives the link a class,
 * `**locale**{ #mkdocs-locale }` the text an id a link can land on, and a
 * paragraph's last line `{: .note }` the paragraph. The list is taken out of
 * the text either way (it showed as written). Headings keep their own rule
 * (assignHeadingIds). The properties pass the sanitiser like raw HTML's.
 */
export function applyAttrLists(tree: Root): void {
  visit(tree, (node) => {
    if (!('children' in node) || node.type === 'heading') return;
    const children = node.children as RootContent[];
    for (let i = 1; i < children.length; i++) {
      const text = children[i] as RootContent;
      const before = children[i - 1] as RootContent;
      if (text.type !== 'text' || !ATTRIBUTED.has(before.type)) continue;
      const m = ATTR_LIST.exec(text.value);
      if (!m) continue;
      addProperties(before as { data?: { hProperties?: Record<string, unknown> } }, m[1] as string);
      text.value = text.value.slice(m[0].length);
    }
    if (node.type !== 'paragraph') return;
    const last = children[children.length - 1];
    if (last?.type !== 'text') return;
    // On a line of its own, the paragraph's last (as Python-Markdown's block rule).
    const nl = last.value.lastIndexOf('\n');
    const line = last.value.slice(nl + 1).trim();
    const m = nl < 0 ? null : ATTR_LIST.exec(line);
    if (!m || m[0].length !== line.length) return;
    addProperties(node, m[1] as string);
    last.value = last.value.slice(0, nl);
  });
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * The lines of `text`, each with whether it belongs to fenced code (its
 * fence lines included), and the fence still open at the end (a code block
 * not closed), or null.
 */
function fencedLines(text: string): { lines: { line: string; fenced: boolean }[]; open: string | null } {
  let fence: string | null = null;
  const lines = text.split('\n').map((line) => {
    const f = FENCE_LINE.exec(line);
    if (fence) {
      const run = f?.[1];
      if (run && run[0] === fence[0] && run.length >= fence.length && (f?.[2] ?? '').trim() === '') fence = null;
      return { line, fenced: true };
    }
    if (f) fence = f[1] as string;
    return { line, fenced: f !== null };
  });
  return { lines, open: fence };
}

// A link reference definition on one line: `[label]: url "title"` (up to 3 spaces before).
const DEFINITION = /^ {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\S+(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$/;

/** The lines of a page's prose `texts` outside fenced code, where the page-wide definitions below are looked for. */
export function proseLines(texts: string[]): string[] {
  return texts.flatMap((text) => fencedLines(text).lines.flatMap((l) => (l.fenced ? [] : [l.line])));
}

/** The one-line link reference definitions on a page's lines (proseLines), in order, for parseMarkdown. */
export function pageDefinitions(lines: string[]): string[] {
  return lines.filter((l) => DEFINITION.test(l)).map((l) => l.trim());
}

// A footnote definition's first line: `[^label]:` (up to 3 spaces before).
const FOOTNOTE_DEFINITION = /^ {0,3}\[\^([^\]\s]+)\]:/;

/** The labels of the footnotes defined on a page's lines (proseLines), each once, in the order they are defined. */
export function pageFootnoteLabels(lines: string[]): string[] {
  return [...new Set(lines.flatMap((l) => FOOTNOTE_DEFINITION.exec(l)?.[1]?.toLowerCase() ?? []))];
}

type FootnoteDefinition = Extract<RootContent, { type: 'footnoteDefinition' }>;

/**
 * Footnotes as Python-Markdown's footnotes extension shows them, for the
 * whole page: a page is parsed in parts (split at admonitions and tabs), but
 * a call in one part may name a footnote defined in another, and all of them
 * are listed once, at the end of the page, numbered in the order they are
 * defined. `labels`: the page's labels (pageFootnoteLabels).
 */
export class PageFootnotes {
  private readonly definitions = new Map<string, FootnoteDefinition>();
  private readonly calls = new Map<string, number>();
  private readonly linkDefinitions: Extract<RootContent, { type: 'definition' }>[] = [];
  /** The page's footnote labels, in the order they are defined (their numbers). */
  readonly labels: string[];
  constructor(labels: string[]) {
    this.labels = labels;
  }

  /**
   * Takes the definitions out of `tree` (kept for the list at the end) and
   * makes each call a superscript number linking to its footnote, with an id
   * the footnote links back to.
   */
  take(tree: Root): void {
    // A footnote's `[text][ref]` is resolved where the list is shown: the definitions go along (they show nothing).
    const defined = new Set(this.linkDefinitions.map((d) => d.identifier));
    visit(tree, 'definition', (d) => {
      if (!defined.has(d.identifier)) this.linkDefinitions.push(d);
      defined.add(d.identifier);
    });
    visit(tree, 'footnoteDefinition', (d, index, parent) => {
      if (index === undefined || !parent) return;
      const label = (d.label ?? d.identifier).toLowerCase();
      if (!this.definitions.has(label)) this.definitions.set(label, d);
      parent.children.splice(index, 1);
      return [SKIP, index];
    });
    visit(tree, 'footnoteReference', (r, index, parent) => {
      if (index === undefined || !parent) return;
      const label = (r.label ?? r.identifier).toLowerCase();
      const n = this.labels.indexOf(label) + 1;
      const k = (this.calls.get(label) ?? 0) + 1;
      this.calls.set(label, k);
      const call = {
        type: 'footnoteCall',
        data: { hName: 'sup', hProperties: { id: k === 1 ? `fnref:${label}` : `fnref${k}:${label}` } },
        children: [
          {
            type: 'link',
            url: `#fn:${label}`,
            data: { hProperties: { className: ['footnote-ref'] } },
            children: [{ type: 'text', value: String(n) }],
          },
        ],
      };
      (parent.children as unknown[]).splice(index, 1, call);
    });
  }

  /** The ids the list and the calls give the page (links to them are links to this page). */
  ids(): string[] {
    return [
      ...[...this.definitions.keys()].map((l) => `fn:${l}`),
      ...[...this.calls].flatMap(([l, k]) => Array.from({ length: k }, (_, i) => (i === 0 ? `fnref:${l}` : `fnref${i + 1}:${l}`))),
    ];
  }

  /** The list of footnotes for the end of the page (a rule, then one item each with a link back), or null when there are none. */
  section(): Root | null {
    const items = this.labels.flatMap((label) => {
      const d = this.definitions.get(label);
      if (!d) return [];
      const children = structuredClone(d.children) as RootContent[];
      const back = {
        type: 'link',
        url: `#fnref:${label}`,
        title: 'Back to the text',
        data: { hProperties: { className: ['footnote-backref'] } },
        children: [{ type: 'text', value: '↩' }],
      } as RootContent;
      const last = children[children.length - 1];
      if (last?.type === 'paragraph') last.children.push({ type: 'text', value: ' ' }, back as never);
      else children.push({ type: 'paragraph', children: [back as never] });
      return [{ type: 'listItem', spread: true, data: { hProperties: { id: `fn:${label}` } }, children }];
    });
    if (items.length === 0) return null;
    return {
      type: 'root',
      children: [
        {
          type: 'footnotes',
          data: { hName: 'div', hProperties: { className: ['footnote'] } },
          children: [{ type: 'thematicBreak' }, { type: 'list', ordered: true, start: 1, spread: false, children: items }],
        } as unknown as RootContent,
        ...this.linkDefinitions,
      ],
    } as Root;
  }
}

// A link destination with raw spaces that names a file or a folder, with an optional title:
// `](../Other Section/page.md#x)`, `](Other Section/page.md "Title")`, `](../Other Section/)`.
const SPACED_DEST = /\]\(([^()<>\n"']*? [^()<>\n"']*?(?:\.[A-Za-z0-9]+|\/)(?:#[^()\s"']*)?)((?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'))?[ \t]*)\)/g;

/**
 * MkDocs (Python-Markdown) accepts raw spaces in link destinations; CommonMark
 * does not. Such destinations are wrapped in <...>, CommonMark's spelling of
 * the same thing. Fenced code and code spans are left as written: they show
 * link syntax, they do not link.
 */
export function angleSpacedDestinations(text: string): string {
  if (!text.includes('](')) return text;
  return fencedLines(text)
    .lines.map(({ line, fenced }) => {
      if (fenced || !line.includes('](')) return line;
      // Rewrite only between code spans.
      let out = '';
      let at = 0;
      for (const [start, end] of codeSpans(line)) {
        out += line.slice(at, start).replace(SPACED_DEST, '](<$1>$2)') + line.slice(start, end);
        at = end;
      }
      return out + line.slice(at).replace(SPACED_DEST, '](<$1>$2)');
    })
    .join('\n');
}

/** `text` as text and inline code nodes: the characters as written, backtick code spans as code. */
export function plainWithCode(text: string): RootContent[] {
  const out: RootContent[] = [];
  let at = 0;
  for (const [start, end] of codeSpans(text)) {
    if (start > at) out.push({ type: 'text', value: text.slice(at, start) });
    const inner = text.slice(start, end).replace(/^`+|`+$/g, '');
    out.push({ type: 'inlineCode', value: /^ .* $/.test(inner) && inner.trim() ? inner.slice(1, -1) : inner });
    at = end;
  }
  if (at < text.length) out.push({ type: 'text', value: text.slice(at) });
  return out;
}

/**
 * [start, end) of each code span on one line (CommonMark: a backtick run up
 * to the next run of the same length; a run with no partner is literal).
 */
function codeSpans(line: string): [number, number][] {
  const runs = [...line.matchAll(/`+/g)].map((m) => ({ at: m.index, len: m[0].length }));
  const out: [number, number][] = [];
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i] as { at: number; len: number };
    const j = runs.findIndex((r, k) => k > i && r.len === open.len);
    if (j < 0) continue;
    const close = runs[j] as { at: number; len: number };
    out.push([open.at, close.at + close.len]);
    i = j;
  }
  return out;
}

// attr_list at the end of a heading: `## Restore {#restore}`, `{: #restore .cls}`, `{ id="9.7.0" }`.
const HEADING_ATTRS = new RegExp(`[ \\t]*${ATTR_BODY}[ \\t]*$`);

/**
 * Gives every heading an id (unique per page through `ids`, MkDocs' rules)
 * and returns them in order. An attr_list at the end of a heading (`{#id}`,
 * `{ id="9.7.0" .cls }`) gives its id and other attributes and is not shown.
 */
export function assignHeadingIds(tree: Root, ids: HeadingIds): Heading[] {
  const out: Heading[] = [];
  visit(tree, 'heading', (h) => {
    let explicit: string | undefined;
    const last = h.children[h.children.length - 1];
    if (last?.type === 'text') {
      const m = HEADING_ATTRS.exec(last.value);
      if (m) {
        const { id, ...others } = attrListProperties(m[1] as string);
        if (typeof id === 'string') explicit = id;
        if (Object.keys(others).length > 0) addProperties(h, m[1] as string, false);
        last.value = last.value.slice(0, m.index);
      }
    }
    // The heading's text as the toc extension sees it: raw HTML and image alt texts do not count.
    const text = toString(h, { includeHtml: false, includeImageAlt: false }).trim();
    const id = explicit === undefined ? ids.slug(text) : ids.reserve(explicit);
    h.data = { ...h.data, hProperties: { ...(h.data?.hProperties ?? {}), id } };
    out.push({ depth: h.depth, text, id });
  });
  return out;
}

const IMG_SRC = /<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

/**
 * Links and images in `tree`, with file positions (`startLine` is the chunk's
 * first line, `indent` the columns removed from its lines). Reference-style
 * links and images are reported where they are used, with their definition's
 * destination; definitions themselves are not references.
 */
export function collectReferences(tree: Root, startLine: number, indent = 0): Reference[] {
  const out: Reference[] = [];
  const definitions = new Map<string, string>();
  visit(tree, 'definition', (d) => {
    if (!definitions.has(d.identifier)) definitions.set(d.identifier, d.url);
  });
  const at = (n: { position?: { start: { line: number; column: number } } | undefined }) => ({
    line: startLine + (n.position?.start.line ?? 1) - 1,
    column: (n.position?.start.column ?? 1) + indent,
  });
  visit(tree, (node) => {
    if (node.type === 'link') out.push({ kind: 'md-link', url: node.url, ...at(node) });
    else if (node.type === 'image') out.push({ kind: 'md-image', url: node.url, ...at(node) });
    else if (node.type === 'linkReference' || node.type === 'imageReference') {
      const url = definitions.get(node.identifier);
      if (url !== undefined) out.push({ kind: node.type === 'linkReference' ? 'md-link' : 'md-image', url, ...at(node) });
    } else if (node.type === 'html') {
      const { line, column } = at(node);
      for (const m of (node as Html).value.matchAll(IMG_SRC)) {
        const before = (node as Html).value.slice(0, m.index);
        const nl = before.split('\n').length - 1;
        out.push({
          kind: 'html-image',
          url: m[1] ?? m[2] ?? m[3] ?? '',
          line: line + nl,
          column: nl === 0 ? column + m.index : 1 + indent,
        });
      }
    }
  });
  return out;
}

/**
 * Removes the tree's first top-level `# H1` (not one nested in a list or
 * quote), wherever it is: after a badge line or raw HTML it is still the page
 * title. Returns its text and the id `assignHeadingIds` gave it. The page
 * shows the title itself, above the prose, so the heading is taken out to
 * appear once.
 */
export function takeFirstH1(tree: Root): { text: string; id: string | undefined } | undefined {
  const i = tree.children.findIndex((c: RootContent) => c.type === 'heading' && c.depth === 1);
  if (i < 0) return undefined;
  const [h1] = tree.children.splice(i, 1) as [RootContent];
  const id = hPropertiesOf(h1)?.['id'];
  return { text: toString(h1, { includeHtml: false, includeImageAlt: false }).trim(), id: typeof id === 'string' ? id : undefined };
}
