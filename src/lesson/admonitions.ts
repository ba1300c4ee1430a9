/**
 * MkDocs admonitions (`!!! kind "Title"`, collapsible `???` / `???+`) and
 * content tabs (pymdownx.tabbed: `=== "Title"`) found on the prose text, line
 * by line, before CommonMark: their 4-space indented bodies would otherwise
 * be read as indented code.
 *
 * The title is everything between the first and the last double quote, so
 * titles may contain quotes and inline code. `!!! note ""` has no title bar.
 *
 * Tabs written one after another (blank lines between, nothing else) form one
 * tab set; `===!` starts a new set; `===+` is the tab shown first (else the
 * set's first tab).
 *
 * The same containers in pymdownx.blocks' generic syntax, which newer MkDocs
 * Material courses use: `/// note | Title` (or `/// admonition | Title` with
 * a `type:` option), `/// details | Summary` (options `type:`, `open:`),
 * `/// tab | Title` (options `new:`, `select:`), `/// html | div.cls` (an
 * element around Markdown; `attrs:`), `/// define` (a definition list), and `/// caption`, which
 * puts the block just before it and the caption in a figure. Options are
 * YAML indented right under the header; the body is not indented and ends
 * at a line of as many slashes as opened it (an outer block may use more).
 * Other block names stay text, as without the extension.
 *
 * An HTML element whose opening tag says `markdown` (md_in_html), alone on
 * its line, is a container too when its content holds any of the above
 * (Material's `<div class="grid" markdown>` around admonitions and tabs): its
 * tags would otherwise land in different parts of the page and the content
 * outside the element. Without such content, markdown.ts reads it within the
 * Markdown (markdownInHtml), as before.
 */
import { parse as parseYaml } from 'yaml';
import { escapeHtml } from './escape.ts';

export interface MarkdownChunk {
  kind: 'markdown';
  text: string;
  /** 1-based file line of the chunk's first line. */
  startLine: number;
  /** Columns of indentation removed from every line (4 per admonition level). */
  indent: number;
}

export interface Admonition {
  kind: 'admonition';
  /** The first word after the marker: note, tip, warning, danger, ... */
  type: string;
  /** Extra words after the type (MkDocs classes such as `inline end`). */
  classes: string[];
  /** null: default title (the type, capitalised); '': no title bar. */
  title: string | null;
  collapsible: boolean;
  open: boolean;
  line: number;
  children: ProseNode[];
}

/** One tab of a tab set: its label and its body. */
export interface ContentTab {
  kind: 'tab';
  /** The label, shown as plain text with inline code (as an admonition's title). */
  title: string;
  /** Written `===+`: the tab shown first. */
  selected: boolean;
  line: number;
  children: ProseNode[];
}

/** Tabs written one after another: one set, one of them shown at a time. */
export interface ContentTabs {
  kind: 'tabs';
  /** Line of the first tab's marker. */
  line: number;
  children: ContentTab[];
}

/** `/// caption` and the block written just before it: a figure whose last child is the caption. */
export interface Figure {
  kind: 'figure';
  /** Line of the caption's header. */
  line: number;
  children: (MarkdownChunk | Admonition | ContentTabs | Caption)[];
}

/** A figure's caption, its body Markdown. */
export interface Caption {
  kind: 'caption';
  line: number;
  children: ProseNode[];
}

/** An md_in_html element around containers: its opening tag as written (sanitised when rendered), its content. */
export interface HtmlContainer {
  kind: 'html';
  /** The opening tag as the author wrote it, e.g. `<div class="grid" markdown>`. */
  openTag: string;
  /** Its tag name, lower case. */
  tag: string;
  line: number;
  children: ProseNode[];
}

export type ProseNode = MarkdownChunk | Admonition | ContentTabs | ContentTab | Figure | Caption | HtmlContainer;

/**
 * An admonition's first line: `!!! kind "Title"`, `???` or `???+` (also read
 * below list items: nested-admonitions.ts). Read on the line without its
 * trailing blanks: a pattern that skipped them itself backtracked
 * quadratically (seconds on a line of 50,000 spaces).
 */
export const MARKER = /^(!!!|\?\?\?\+?)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]*"(.*)")?$/;
/** A content tab's first line: `=== "Title"`, `===+` (shown first), `===!` (starts a new set). */
export const TAB_MARKER = /^===([!+]{0,2})[ \t]+"(.*)"[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/**
 * Code fences across lines: `next(line)` says whether the line opens a fenced
 * code block ('open'), is inside one or closes it ('code'), or is outside
 * code (null); code is never read for markers. A fence closes with a line of
 * the same character, at least as long.
 */
function fenceTracker(): (line: string) => 'open' | 'code' | null {
  let fence: string | null = null;
  return (line) => {
    const f = FENCE.exec(line);
    if (fence) {
      if (f && (f[1] as string)[0] === fence[0] && (f[1] as string).length >= fence.length && line.trim() === f[1]) fence = null;
      return 'code';
    }
    if (!f) return null;
    fence = f[1] as string;
    return 'open';
  };
}

/** An HTML opening tag alone on its line: the whole tag, its name, its attributes. */
const HTML_TAG_LINE = /^[ \t]{0,3}(<([A-Za-z][\w-]*)\b([^>]*)>)[ \t]*$/;
/** md_in_html's block form among a tag's attributes: `markdown`, `markdown="1"` or `markdown="block"` (not `"span"`). */
const MARKDOWN_BLOCK_ATTR = /(?:^|\s)markdown(?:=(?:"(?:1|block)"|'(?:1|block)'|1|block))?(?:\s|\/|$)/;
/** An md_in_html opening tag alone on its line: [line, tag, name], or null. (Two linear patterns: one that did both backtracked on long lines.) */
const htmlOpen = (line: string) => {
  const m = HTML_TAG_LINE.exec(line);
  return m && MARKDOWN_BLOCK_ATTR.test(m[3] as string) ? m : null;
};

/**
 * The md_in_html element opened at `lines[at]` when its content holds a
 * container line (outside code): the index of its closing tag's line (alone
 * on its line, same-name elements inside counted), else -1.
 */
function htmlContainerEnd(lines: string[], at: number, tag: string): number {
  const opens = new RegExp(`<${tag}\\b[^>]*?(?<!/)>`, 'gi');
  const closes = new RegExp(`</${tag}\\s*>`, 'gi');
  let depth = 1;
  const inCode = fenceTracker();
  let holds = false;
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j] as string;
    // The content may be indented (layout): its fences too.
    const t = l.trimStart();
    if (inCode(t)) continue;
    if (MARKER.test(t.trimEnd()) || TAB_MARKER.test(t)) holds = true;
    const h = blockHeader(t);
    if (h && isBlockName((h[2] as string).toLowerCase())) holds = true;
    depth += (l.match(opens) ?? []).length - (l.match(closes) ?? []).length;
    if (depth <= 0) return holds && depth === 0 && l.trim().replace(closes, '') === '' ? j : -1;
  }
  return -1;
}

/** A pymdownx.blocks header: `/// name | argument`, three slashes or more. */
const BLOCK_HEADER_LINE = /^(\/{3,})[ \t]*([\w-]+)(?:[ \t]*\|[ \t]*(.*))?$/;
/** A line's block header, read on the line without its trailing blanks (a pattern that skipped them itself took quadratic time on a long run of spaces). */
export const blockHeader = (line: string) => BLOCK_HEADER_LINE.exec(line.trimEnd());
/** Admonition kinds that are block names of their own (pymdownx.blocks.admonition's and MkDocs Material's). */
export const ADMONITION_BLOCKS = new Set(
  (
    'note abstract summary tldr info todo tip hint important success check done question help faq warning caution ' +
    'attention failure fail missing danger error bug example quote cite new settings seealso'
  ).split(' '),
);
const isBlockName = (name: string) =>
  ['admonition', 'details', 'tab', 'caption', 'html', 'define'].includes(name) || ADMONITION_BLOCKS.has(name);

/**
 * `/// define` (pymdownx.blocks.definition): paragraphs are terms and the
 * bullet list after them their definitions. Rewritten as the def_list
 * syntax markdown.ts reads (`Term` lines, then `:   definition`), one line
 * for one line where it can, so problems keep their lines.
 */
function defineAsDefList(body: string[]): string {
  const out: string[] = [];
  const inCode = fenceTracker();
  let item = 0; // the indentation of the current bullet's text, 0 outside a list
  let pendingTerm = false;
  let termsAt = 0; // where the current run of terms starts in `out`
  for (const line of body) {
    if (inCode(line) !== null) {
      out.push(item > 0 ? `    ${line.slice(Math.min(item, /^ */.exec(line)![0].length))}` : line);
      continue;
    }
    const bullet = /^[-*+]([ \t]+)(.*)$/.exec(line);
    if (bullet) {
      item = 1 + (bullet[1] as string).length;
      out.push(`:   ${bullet[2] as string}`);
      pendingTerm = false;
    } else if (line.trim() === '') {
      out.push('');
    } else if (item > 0 && line.startsWith(' '.repeat(Math.min(item, 4)))) {
      out.push(`    ${line.slice(Math.min(item, /^ */.exec(line)![0].length))}`);
    } else {
      item = 0;
      // A blank line between two terms would end the first as a paragraph: the term moves up to the one before,
      // and the blank lines go before the run of terms (as many: the definitions after keep their lines).
      let blanks = 0;
      while (pendingTerm && out.length > 0 && out[out.length - 1] === '') {
        out.pop();
        blanks++;
      }
      if (!pendingTerm) termsAt = out.length;
      out.push(line);
      out.splice(termsAt, 0, ...new Array<string>(blanks).fill(''));
      pendingTerm = true;
    }
  }
  return out.join('\n');
}

/**
 * `/// html | div.cls#id[name=value]` with an `attrs:` option: the opening
 * tag it stands for, as an author would write it (the renderer sanitises it
 * like any raw HTML); undefined when the argument names no tag.
 */
function htmlBlockTag(argument: string, options: Record<string, unknown>): { open: string; tag: string } | undefined {
  const m = /^([A-Za-z][\w-]*)((?:[.#][\w-]+|\[[\w-]+(?:=(?:"[^"]*"|'[^']*'|[^\]]*))?\])*)$/.exec(argument.trim());
  if (!m) return undefined;
  const tag = (m[1] as string).toLowerCase();
  const attrs = new Map<string, string>();
  const classes: string[] = [];
  for (const a of (m[2] as string).matchAll(/\.([\w-]+)|#([\w-]+)|\[([\w-]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\]]*)))?\]/g)) {
    if (a[1]) classes.push(a[1]);
    else if (a[2]) attrs.set('id', a[2]);
    else attrs.set(a[3] as string, a[4] ?? a[5] ?? a[6] ?? '');
  }
  const given = options['attrs'];
  if (given !== null && typeof given === 'object' && !Array.isArray(given))
    for (const [k, v] of Object.entries(given)) if (/^[\w-]+$/.test(k)) attrs.set(k, String(v));
  if (classes.length > 0) attrs.set('class', [...classes, attrs.get('class') ?? ''].join(' ').trim());
  const written = [...attrs].map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join('');
  return { open: `<${tag}${written}>`, tag };
}

/** A block's options: the YAML map indented under its header (anything else, or YAML that does not parse: none). */
export function blockOptions(lines: string[]): Record<string, unknown> {
  try {
    const v: unknown = parseYaml(lines.join('\n'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The pymdownx block opened at `lines[at]`: its options, its body's lines
 * (from `bodyAt`) and the index after its closing line (the end of the text
 * when it is never closed, as pymdownx reads it). Code fences in the body
 * are skipped; blocks of the same slashes inside it nest.
 */
function readBlock(lines: string[], at: number, slashes: number) {
  let j = at + 1;
  const options: string[] = [];
  while (j < lines.length && /^( {4}|\t)/.test(lines[j] as string) && (lines[j] as string).trim() !== '')
    options.push((lines[j++] as string).replace(/^( {4}|\t)/, ''));
  const bodyAt = j;
  let depth = 0;
  const inCode = fenceTracker();
  const closing = new RegExp(`^\\/{${slashes}}[ \\t]*$`);
  for (; j < lines.length; j++) {
    const l = lines[j] as string;
    if (inCode(l)) continue;
    if (closing.test(l)) {
      if (depth === 0) break;
      depth--;
    } else {
      const h = blockHeader(l);
      if (h && (h[1] as string).length === slashes && isBlockName((h[2] as string).toLowerCase())) depth++;
    }
  }
  return { options: blockOptions(options), body: lines.slice(bodyAt, j), bodyAt, next: Math.min(j + 1, lines.length) };
}

/**
 * Where the last block of `buf` starts (the lines after its last blank line
 * outside code; a fenced code block whole), or -1 when `buf` holds none.
 */
function lastBlockStart(buf: string[]): number {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] as string).trim() === '') end--;
  if (end === 0) return -1;
  const inCode = fenceTracker();
  let start = 0;
  for (let k = 0; k < end; k++) {
    const l = buf[k] as string;
    const code = inCode(l);
    if (code === 'open' && (k === 0 || (buf[k - 1] as string).trim() === '')) start = k;
    else if (code === null && l.trim() === '') start = k + 1;
  }
  return start;
}

/** Splits prose into Markdown chunks, admonitions and tab sets (recursively). */
export function splitAdmonitions(text: string, startLine: number, indent = 0): ProseNode[] {
  const lines = text.split('\n');
  const out: ProseNode[] = [];
  let buf: string[] = [];
  let bufStart = startLine;
  const inCode = fenceTracker();

  const flush = (next: number) => {
    if (buf.some((l) => l.trim() !== '')) out.push({ kind: 'markdown', text: buf.join('\n'), startLine: bufStart, indent });
    buf = [];
    bufStart = next;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (inCode(line)) {
      buf.push(line);
      continue;
    }
    const el = htmlOpen(line);
    const end = el ? htmlContainerEnd(lines, i, (el[2] as string).toLowerCase()) : -1;
    if (el && end > i) {
      // The content's common indentation is layout, not code (as markdownInHtml reads it).
      const inner = lines.slice(i + 1, end);
      const widths = inner.filter((l) => l.trim() !== '').map((l) => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length);
      const cut = widths.length > 0 ? Math.min(...widths) : 0;
      flush(startLine + i);
      out.push({
        kind: 'html',
        openTag: el[1] as string,
        tag: (el[2] as string).toLowerCase(),
        line: startLine + i,
        children: splitAdmonitions(inner.map((l) => l.slice(cut)).join('\n'), startLine + i + 1, indent + cut),
      });
      buf = [];
      bufStart = startLine + end + 1;
      i = end;
      continue;
    }
    const blk = blockHeader(line);
    const name = (blk?.[2] ?? '').toLowerCase();
    if (blk && isBlockName(name)) {
      const { options, body, bodyAt, next } = readBlock(lines, i, (blk[1] as string).length);
      const argument = blk[3] ?? '';
      const children = splitAdmonitions(body.join('\n'), startLine + bodyAt, indent);
      const here = startLine + i;
      const element = name === 'html' ? htmlBlockTag(argument, options) : undefined;
      if (name === 'define') {
        flush(here);
        out.push(...splitAdmonitions(defineAsDefList(body), startLine + bodyAt, indent));
      } else if (name === 'html') {
        flush(here);
        if (element) out.push({ kind: 'html', openTag: element.open, tag: element.tag, line: here, children });
        else out.push(...children);
      } else if (name === 'caption') {
        // The block just before: a container written last (only blank lines since), or the last block of the prose.
        const caption: Caption = { kind: 'caption', line: here, children };
        const last = out[out.length - 1];
        const from = buf.every((l) => l.trim() === '') ? -1 : lastBlockStart(buf);
        if (from >= 0) {
          const block = buf.slice(from);
          buf = buf.slice(0, from);
          const blockStart = bufStart + from;
          flush(blockStart);
          out.push({
            kind: 'figure',
            line: here,
            children: [{ kind: 'markdown', text: block.join('\n'), startLine: blockStart, indent }, caption],
          });
        } else if (last && (last.kind === 'markdown' || last.kind === 'admonition' || last.kind === 'tabs')) {
          out[out.length - 1] = { kind: 'figure', line: here, children: [last, caption] };
        } else out.push({ kind: 'figure', line: here, children: [caption] });
      } else if (name === 'tab') {
        const tab: ContentTab = { kind: 'tab', title: argument, selected: options['select'] === true, line: here, children };
        const last = out[out.length - 1];
        if (last?.kind === 'tabs' && options['new'] !== true && buf.every((l) => l.trim() === '')) last.children.push(tab);
        else {
          flush(here);
          out.push({ kind: 'tabs', line: here, children: [tab] });
        }
      } else {
        flush(here);
        const type = name === 'admonition' || name === 'details' ? String(options['type'] ?? 'note') : name;
        out.push({
          kind: 'admonition',
          type: /^[\w-]+$/.test(type) ? type.toLowerCase() : 'note',
          classes: [],
          title: argument === '' ? null : argument,
          collapsible: name === 'details',
          open: name === 'details' && options['open'] === true,
          line: here,
          children,
        });
      }
      buf = [];
      bufStart = startLine + next;
      i = next - 1;
      continue;
    }
    const m = MARKER.exec(line.trimEnd());
    const t = m ? null : TAB_MARKER.exec(line);
    if (!m && !t) {
      buf.push(line);
      continue;
    }
    let j = i + 1;
    const body: string[] = [];
    while (j < lines.length) {
      const l = lines[j] as string;
      if (l.trim() === '') body.push('');
      else if (l.startsWith('    ')) body.push(l.slice(4));
      else if (l.startsWith('\t')) body.push(l.slice(1));
      else break;
      j++;
    }
    // Trailing blank lines belong to the surrounding prose.
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop();
      j--;
    }
    if (t) {
      const flags = t[1] as string;
      const tab: ContentTab = {
        kind: 'tab',
        title: t[2] as string,
        selected: flags.includes('+'),
        line: startLine + i,
        children: splitAdmonitions(body.join('\n'), startLine + i + 1, indent + 4),
      };
      const last = out[out.length - 1];
      // Only blank lines since the previous tab's body: the same set, unless `===!` starts another.
      if (last?.kind === 'tabs' && !flags.includes('!') && buf.every((l) => l.trim() === '')) last.children.push(tab);
      else {
        flush(startLine + i);
        out.push({ kind: 'tabs', line: startLine + i, children: [tab] });
      }
      buf = [];
      bufStart = startLine + j;
      i = j - 1;
      continue;
    }
    const adm = m as RegExpExecArray;
    const marker = adm[1] as string;
    const words = (adm[2] as string).split(/[ \t]+/);
    flush(startLine + j);
    out.push({
      kind: 'admonition',
      type: (words[0] as string).toLowerCase(),
      classes: words.slice(1),
      title: adm[3] === undefined ? null : adm[3],
      collapsible: marker !== '!!!',
      open: marker === '???+',
      line: startLine + i,
      children: splitAdmonitions(body.join('\n'), startLine + i + 1, indent + 4),
    });
    i = j - 1;
  }
  flush(startLine + lines.length);
  return out;
}
