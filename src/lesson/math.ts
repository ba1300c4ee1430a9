/**
 * pymdownx.arithmatex, for courses whose mkdocs.yml turns it on: TeX math
 * written in the page — inline `$...$` and `\(...\)`, display `$$...$$`,
 * `\[...\]` and `\begin{env}...\end{env}` — is kept out of Markdown (which
 * would read `_` as emphasis and drop the backslash of `\(`) and becomes a
 * `math` node holding the TeX exactly as written; the renderer typesets it
 * (src/render/math.ts, KaTeX, at build time: no script in the page).
 *
 * How: before CommonMark, each piece of math outside code is replaced by a
 * placeholder made of private-use characters (which Markdown leaves alone);
 * after, placeholders in text become math nodes and any that landed
 * elsewhere (a link's URL, raw HTML) get their text back. Off unless the
 * course's mkdocs.yml lists the extension: `$` is an ordinary character
 * otherwise. Pure: text in, mdast out.
 */
import type { Parent, Root, RootContent } from 'mdast';
import { SKIP, visit } from './visit.ts';

/** Which delimiters are read (arithmatex's `inline_syntax` and `block_syntax` options), and its `smart_dollar`. */
export interface MathSyntax {
  inline: ('dollar' | 'round')[];
  block: ('dollar' | 'square' | 'begin')[];
  /** `$` opens only before a non-blank and closes only after one (default, as in arithmatex). */
  smartDollar: boolean;
}

/** The syntax from the extension's options in mkdocs.yml (`{}` when it is listed without options). */
export function mathSyntaxOf(options: Record<string, unknown>): MathSyntax {
  const list = <T extends string>(v: unknown, allowed: readonly T[], fallback: T[]): T[] =>
    Array.isArray(v) ? v.filter((x): x is T => typeof x === 'string' && (allowed as readonly string[]).includes(x)) : fallback;
  return {
    inline: list(options['inline_syntax'], ['dollar', 'round'] as const, ['dollar', 'round']),
    block: list(options['block_syntax'], ['dollar', 'square', 'begin'] as const, ['dollar', 'square', 'begin']),
    smartDollar: options['smart_dollar'] !== false,
  };
}

/** One piece of math: its TeX (without delimiters), whether it is display math, and the text as written. */
export interface MathSpan {
  tex: string;
  display: boolean;
  written: string;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * `text` with every piece of math outside code replaced by a placeholder,
 * and the pieces. Display math that fills its lines stays a block of its
 * own (blank lines around the placeholder), as arithmatex reads it.
 */
export function protectMath(text: string, syntax: MathSyntax): { text: string; spans: MathSpan[] } {
  const spans: MathSpan[] = [];
  const hold = (span: MathSpan) => `${OPEN}${spans.push(span) - 1}${CLOSE}`;
  const lines = text.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  let prose: string[] = [];
  const flushProse = () => {
    if (prose.length > 0) out.push(protectInline(prose.join('\n'), syntax, hold));
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const f = FENCE.exec(line);
    if (fence !== null) {
      if (f && (f[1] as string)[0] === fence[0] && (f[1] as string).length >= fence.length && line.trim() === f[1]) fence = null;
      out.push(line);
      continue;
    }
    if (f) {
      flushProse();
      fence = f[1] as string;
      out.push(line);
      continue;
    }
    const block = blockAt(lines, i, syntax);
    if (block) {
      flushProse();
      const indent = (/^[ \t]*/.exec(line) as RegExpExecArray)[0];
      // One line for each line written: problems after it keep their lines.
      out.push(`${indent}${hold(block.span)}`, ...new Array<string>(block.end - i).fill(''));
      i = block.end;
      continue;
    }
    prose.push(line);
  }
  flushProse();
  return { text: out.join('\n'), spans };
}

/** Display math filling lines from `lines[i]` (`$$`, `\[`, `\begin{env}` first on the line, its end last on a line). */
function blockAt(lines: string[], i: number, syntax: MathSyntax): { span: MathSpan; end: number } | undefined {
  const first = (lines[i] as string).trim();
  const kinds: [boolean, RegExp, (env: string) => RegExp][] = [
    [syntax.block.includes('dollar'), /^\$\$/, () => /\$\$$/],
    [syntax.block.includes('square'), /^\\\[/, () => /\\\]$/],
    [syntax.block.includes('begin'), /^\\begin\{([a-zA-Z*]+)\}/, (env) => new RegExp(`\\\\end\\{${env.replace('*', '\\*')}\\}$`)],
  ];
  for (const [on, open, closeOf] of kinds) {
    if (!on) continue;
    const m = open.exec(first);
    if (!m) continue;
    const close = closeOf(m[1] ?? '');
    for (let j = i; j < lines.length; j++) {
      const l = (lines[j] as string).trim();
      if (j > i && l === '') return undefined; // a blank line ends the paragraph: not math
      const tail = j === i ? l.slice(m[0].length) : l;
      if (close.test(tail)) {
        const written = lines
          .slice(i, j + 1)
          .map((x) => x.trim())
          .join('\n');
        const isBegin = m[1] !== undefined;
        const tex = isBegin ? written : written.slice(m[0].length, written.length - (written.match(close) as RegExpMatchArray)[0].length);
        return { span: { tex: tex.trim(), display: true, written }, end: j };
      }
    }
    return undefined;
  }
  return undefined;
}

/** Inline math in a run of prose lines, code spans and backslash-escaped dollars left alone. */
function protectInline(text: string, syntax: MathSyntax, hold: (s: MathSpan) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '`') {
      // A code span: a run of backticks up to the same run (CommonMark); none: the run is text.
      const run = (/^`+/.exec(text.slice(i)) as RegExpExecArray)[0];
      const end = text.indexOf(run, i + run.length);
      const stop = end >= 0 && !/\n[ \t]*\n/.test(text.slice(i, end)) ? end + run.length : i + run.length;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '\\') {
      const m = syntax.inline.includes('round') && text.startsWith('\\(', i) ? closingAt(text, i + 2, '\\)') : -1;
      if (m >= 0) {
        out += hold({ tex: text.slice(i + 2, m), display: false, written: text.slice(i, m + 2) });
        i = m + 2;
        continue;
      }
      if (syntax.block.includes('square') && text.startsWith('\\[', i)) {
        const e = closingAt(text, i + 2, '\\]');
        if (e >= 0) {
          out += hold({ tex: text.slice(i + 2, e), display: true, written: text.slice(i, e + 2) });
          i = e + 2;
          continue;
        }
      }
      out += text.slice(i, i + 2); // an escape: `\$` is a dollar
      i += 2;
      continue;
    }
    if (c === '$' && syntax.inline.includes('dollar')) {
      const display = text.startsWith('$$', i);
      const d = display ? 2 : 1;
      const end = dollarClose(text, i + d, d, syntax.smartDollar);
      if (end >= 0) {
        out += hold({ tex: text.slice(i + d, end), display, written: text.slice(i, end + d) });
        i = end + d;
        continue;
      }
      out += text.slice(i, i + d);
      i += d;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Where `close` ends math opened before `from`, within the paragraph (no blank line); -1 when it does not. */
function closingAt(text: string, from: number, close: string): number {
  const end = text.indexOf(close, from);
  if (end <= from || /\n[ \t]*\n/.test(text.slice(from, end))) return -1;
  return end;
}

/** The closing `$` (or `$$`) of math whose TeX starts at `from`; -1 when it is not math. */
function dollarClose(text: string, from: number, d: number, smart: boolean): number {
  if (from >= text.length || (smart && /\s/.test(text[from] as string)) || text[from] === '$') return -1;
  for (let j = from; j < text.length; j++) {
    const c = text[j] as string;
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '\n' && /^\n[ \t]*\n/.test(text.slice(j))) return -1;
    if (c !== '$') continue;
    // The next unescaped dollar closes it or nothing does (`$5 and $6`: a price, not math).
    if (d === 2) return text.startsWith('$$', j) ? j : -1;
    return smart && /\s/.test(text[j - 1] as string) ? -1 : j;
  }
  return -1;
}

/**
 * Puts the math back into `tree`: a placeholder in text becomes a `math`
 * node (a paragraph holding only display math becomes a block one);
 * anywhere else (a URL, raw HTML, code) the text as written. Returns how
 * many math nodes there are.
 */
export function restoreMath(tree: Root, spans: MathSpan[]): number {
  if (spans.length === 0) return 0;
  let count = 0;
  const written = (s: string) => s.replace(PLACEHOLDER, (_, n: string) => spans[Number(n)]?.written ?? '');
  const node = (span: MathSpan, block: boolean): RootContent => {
    count++;
    const hName = block ? 'div' : 'span';
    const className = span.display ? ['arithmatex', 'arithmatex-display'] : ['arithmatex'];
    return {
      type: block ? 'math' : 'inlineMath',
      value: span.tex,
      data: { hName, hProperties: { className }, hChildren: [{ type: 'text', value: span.tex }] },
    } as unknown as RootContent;
  };
  visit(tree, (n, index, parent) => {
    const p = parent as Parent | undefined;
    if (n.type === 'paragraph' && p && index !== undefined) {
      const only = (n as Parent).children;
      const m = only.length === 1 && only[0]?.type === 'text' ? /^\uE000(\d+)\uE001$/.exec(only[0].value.trim()) : null;
      const span = m ? spans[Number(m[1])] : undefined;
      if (span?.display) {
        p.children[index] = node(span, true) as never;
        return SKIP;
      }
    }
    if (n.type === 'text' && p && index !== undefined && n.value.includes(OPEN)) {
      const parts: RootContent[] = [];
      let last = 0;
      for (const m of n.value.matchAll(PLACEHOLDER)) {
        const span = spans[Number(m[1])];
        if (m.index > last) parts.push({ type: 'text', value: n.value.slice(last, m.index) });
        parts.push(span ? node(span, false) : { type: 'text', value: m[0] });
        last = m.index + m[0].length;
      }
      if (last < n.value.length) parts.push({ type: 'text', value: n.value.slice(last) });
      p.children.splice(index, 1, ...(parts as never[]));
      return index + parts.length;
    }
    const any = n as { value?: unknown; url?: unknown; title?: unknown; alt?: unknown };
    for (const key of ['value', 'url', 'title', 'alt'] as const)
      if (typeof any[key] === 'string' && (any[key] as string).includes(OPEN)) any[key] = written(any[key] as string);
    return undefined;
  });
  return count;
}

/** How many math nodes restoreMath put in `tree`. */
export function countMath(tree: Root): number {
  let n = 0;
  visit(tree, (x) => {
    const type: string = x.type;
    if (type === 'math' || type === 'inlineMath') n++;
  });
  return n;
}
