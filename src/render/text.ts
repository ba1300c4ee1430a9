/**
 * Fields FORMAT.md marks *text* (quiz questions, options and feedback,
 * terminal narration, walkthrough annotations, exercise hints, builder
 * labels and explanations, ...) are shown as written: every character
 * HTML-escaped, so `<path>`, `\;`, `__init__`, `$_`, `HEAD~2` and a leading
 * `>` stay literal. Only these are interpreted:
 * - backtick code spans (CommonMark's rule: a run of N backticks up to the
 *   next run of exactly N; one space each side is dropped when both are
 *   there), shown as <code>;
 * - `**bold**`, shown as <strong>;
 * - line breaks, kept (<br>; a blank line starts a new paragraph);
 * - in block text, a fenced code block (``` or ~~~ lines) shown as
 *   highlighted code, as a hint that quotes a command reads best.
 * Nothing here can produce an element an author chose, an attribute or a URL.
 */
import { escapeHtml, highlight } from './html.ts';

/** [start, end) of each code span in `s` (a backtick run with no partner of its length is literal). */
function codeSpans(s: string): [number, number][] {
  const runs = [...s.matchAll(/`+/g)].map((m) => ({ at: m.index, len: m[0].length }));
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

/** `**bold**` around text that neither starts nor ends with a space (as CommonMark's strong emphasis needs). */
const BOLD = /\*\*(?=\S)((?:[^*]|\*(?!\*))*?\S)\*\*/g;

/** Escaped text between code spans: bold marked, line breaks as <br>. */
function plain(s: string): string {
  return escapeHtml(s).replace(BOLD, '<strong>$1</strong>').replace(/\r?\n/g, '<br>');
}

/** One code span's text: its backtick runs removed, line breaks as spaces, one space each side dropped when both are there. */
function spanCode(span: string): string {
  const run = /^`+/.exec(span)?.[0].length ?? 1;
  let inner = span.slice(run, span.length - run).replace(/\r?\n/g, ' ');
  if (/^ .*[^ ].* $/s.test(inner) || /^ [^ ] $/.test(inner)) inner = inner.slice(1, -1);
  return `<code>${escapeHtml(inner)}</code>`;
}

/**
 * Text shown inline (a question, a label, a title): code spans, bold and
 * line breaks interpreted, everything else escaped. Leading and trailing
 * blank space (the line break a YAML `|` block ends with) is dropped.
 */
export function inlineText(text: string): string {
  const s = text.replace(/^\s*\n/, '').trimEnd();
  let out = '';
  let at = 0;
  for (const [start, end] of codeSpans(s)) {
    out += plain(s.slice(at, start)) + spanCode(s.slice(start, end));
    at = end;
  }
  return out + plain(s.slice(at));
}

const FENCE = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;

export type Part = { kind: 'text'; text: string } | { kind: 'code'; code: string; lang: string };

/** Splits block text into paragraphs of text and fenced code blocks (an unclosed fence runs to the end). */
export function blockParts(text: string): Part[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const parts: Part[] = [];
  let para: string[] = [];
  const flush = () => {
    const t = para.join('\n').trim();
    if (t !== '') parts.push({ kind: 'text', text: t });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const f = FENCE.exec(line);
    if (!f) {
      if (line.trim() === '') flush();
      else para.push(line);
      continue;
    }
    flush();
    const [, indent = '', run = '```', lang = ''] = f;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] as string;
      const close = l.trim();
      if (close.startsWith(run[0] as string) && /^(`{3,}|~{3,})$/.test(close) && close.length >= run.length) break;
      // The fence's own indentation is the block's margin, as in Markdown.
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    parts.push({ kind: 'code', code: body.join('\n'), lang });
    i = j;
  }
  flush();
  return parts;
}

/**
 * Text shown as a block (feedback, narration, a hint, an annotation):
 * paragraphs of inline text, and fenced code blocks highlighted like the
 * page's code.
 */
export async function blockText(text: string): Promise<string> {
  const out: string[] = [];
  for (const p of blockParts(text)) {
    out.push(p.kind === 'text' ? `<p>${inlineText(p.text)}</p>` : await highlight(p.code, p.lang || undefined));
  }
  return out.join('\n');
}
