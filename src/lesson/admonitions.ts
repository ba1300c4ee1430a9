/**
 * MkDocs admonitions (`!!! kind "Title"`, collapsible `???` / `???+`) found
 * on the prose text, line by line, before CommonMark: their 4-space indented
 * bodies would otherwise be read as indented code.
 *
 * The title is everything between the first and the last double quote, so
 * titles may contain quotes and inline code. `!!! note ""` has no title bar.
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

export type ProseNode = MarkdownChunk | Admonition;

const MARKER = /^(!!!|\?\?\?\+?)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)[ \t]*(?:"(.*)")?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Splits prose into Markdown chunks and admonitions (recursively). */
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
    if (!m) {
      buf.push(line);
      continue;
    }
    const marker = m[1] as string;
    const words = (m[2] as string).split(/[ \t]+/);
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
    flush(startLine + j);
    out.push({
      kind: 'admonition',
      type: (words[0] as string).toLowerCase(),
      classes: words.slice(1),
      title: m[3] === undefined ? null : m[3],
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
