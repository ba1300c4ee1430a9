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
 */

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

export type ProseNode = MarkdownChunk | Admonition | ContentTabs | ContentTab;

/** An admonition's first line: `!!! kind "Title"`, `???` or `???+` (also read below list items: nested-admonitions.ts). */
export const MARKER = /^(!!!|\?\?\?\+?)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)[ \t]*(?:"(.*)")?[ \t]*$/;
/** A content tab's first line: `=== "Title"`, `===+` (shown first), `===!` (starts a new set). */
export const TAB_MARKER = /^===([!+]{0,2})[ \t]+"(.*)"[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Splits prose into Markdown chunks, admonitions and tab sets (recursively). */
export function splitAdmonitions(text: string, startLine: number, indent = 0): ProseNode[] {
  const lines = text.split('\n');
  const out: ProseNode[] = [];
  let buf: string[] = [];
  let bufStart = startLine;
  let fence: string | null = null;

  const flush = (next: number) => {
    if (buf.some((l) => l.trim() !== '')) out.push({ kind: 'markdown', text: buf.join('\n'), startLine: bufStart, indent });
    buf = [];
    bufStart = next;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const f = FENCE.exec(line);
    if (fence) {
      if (f && (f[1] as string)[0] === fence[0] && (f[1] as string).length >= fence.length && line.trim() === f[1]) fence = null;
      buf.push(line);
      continue;
    }
    if (f) {
      fence = f[1] as string;
      buf.push(line);
      continue;
    }
    const m = MARKER.exec(line);
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
