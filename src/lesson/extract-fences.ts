/**
 * Splits a page body into prose and interactive blocks, on the raw text and
 * BEFORE any CommonMark parsing (FORMAT.md §1).
 *
 * Contract:
 * - A block opens on a line that starts at column 0 with three or more
 *   backticks followed by exactly one block type name (surrounding spaces
 *   allowed). It closes at the first later line that is the same backtick
 *   run at column 0 and nothing else (trailing spaces allowed). Nothing
 *   inside is interpreted, so YAML block scalars may hold their own fences
 *   indented by any amount.
 * - An ordinary fence (``` or ~~~, indented up to 3 spaces, any other info
 *   string) is prose. A block opener inside it is example text only when the
 *   fence is a tilde fence or a LONGER backtick run (a ```` fence shows a
 *   ```quiz example without running it). Inside a backtick fence of the same
 *   length or shorter, the opener is a block: the fence was left unclosed,
 *   and the block says so (`endsFence`) so the author can be told.
 * - `mermaid` fences at column 0 are blocks too; elsewhere (e.g. indented in
 *   an admonition) they stay code.
 * - The block type names come from the caller (the block registry).
 */

export interface ProseSegment {
  kind: 'prose';
  text: string;
  /** 1-based line in the page body where `text` starts. */
  startLine: number;
}

export interface RawBlockSegment {
  kind: 'block';
  type: string;
  /** The text between the fences, without the fences. */
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the first body line. */
  bodyLine: number;
  /** The backtick run that opened the block, e.g. "```". */
  fence: string;
  closed: boolean;
  /** The ordinary code fence this block's opener cut short (it was never closed), if any. */
  endsFence?: { line: number; fence: string } | undefined;
}

export type RawSegment = ProseSegment | RawBlockSegment;

const BLOCK_OPEN = /^(`{3,})[ \t]*([a-z-]+)[ \t]*$/;
const ORDINARY_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Splits `body` into segments; `firstLine` is the body's first line in the file. */
export function extractFences(body: string, firstLine: number, types: readonly string[]): RawSegment[] {
  const lines = body.split(/\r?\n/);
  const out: RawSegment[] = [];
  let prose: string[] = [];
  let proseStart = firstLine;
  let ordinary: { char: string; len: number; line: number; run: string } | null = null;

  const flushProse = (nextStart: number) => {
    if (prose.length > 0) out.push({ kind: 'prose', text: prose.join('\n'), startLine: proseStart });
    prose = [];
    proseStart = nextStart;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const open = BLOCK_OPEN.exec(line);
    const opener = open && types.includes(open[2] as string) ? (open[1] as string) : null;
    let endsFence: RawBlockSegment['endsFence'];
    if (ordinary) {
      const example = ordinary.char === '~' || ordinary.len > (opener?.length ?? Infinity);
      if (opener === null || example) {
        prose.push(line);
        const close = new RegExp(`^ {0,3}${ordinary.char === '`' ? '`' : '~'}{${ordinary.len},}[ \\t]*$`);
        if (close.test(line)) ordinary = null;
        continue;
      }
      endsFence = { line: ordinary.line, fence: ordinary.run };
      ordinary = null;
    }
    if (open && opener !== null) {
      const fence = opener;
      const closeRe = new RegExp(`^${fence}[ \\t]*$`);
      let j = i + 1;
      while (j < lines.length && !closeRe.test(lines[j] as string)) j++;
      const closed = j < lines.length;
      flushProse(firstLine + (closed ? j + 1 : lines.length));
      out.push({
        kind: 'block',
        type: open[2] as string,
        body: lines.slice(i + 1, j).join('\n'),
        line: firstLine + i,
        bodyLine: firstLine + i + 1,
        fence,
        closed,
        ...(endsFence ? { endsFence } : {}),
      });
      i = j;
      continue;
    }
    const ord = ORDINARY_OPEN.exec(line);
    if (ord) {
      const run = ord[1] as string;
      const info = ord[2] as string;
      // CommonMark: a backtick fence's info string may not contain backticks.
      if (!(run[0] === '`' && info.includes('`'))) ordinary = { char: run[0] as string, len: run.length, line: firstLine + i, run };
    }
    prose.push(line);
  }
  flushProse(firstLine + lines.length);
  return out;
}
