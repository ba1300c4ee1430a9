/**
 * What a terminal shows for the bytes a command wrote to its pseudo-terminal:
 * the text a learner reads, as plain lines. Pure.
 *
 * Written here rather than taken from a terminal emulator because the
 * recorder needs only line-level semantics, and no headless emulator is among
 * our dependencies: carriage return (progress meters redraw their line; the
 * pty also turns every `\n` into `\r\n`), backspace, "erase in line", and
 * escape sequences (colours, bracketed paste, titles), which are dropped.
 * Lines are not wrapped: the replay player wraps them at its own width.
 * A tab stays a tab (one cell here; only a redraw over a tab can differ from
 * a real terminal). Trailing blanks on each line, invisible on a screen, are
 * dropped, as are trailing empty lines.
 */
export function screenText(raw: string): string {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  const put = (ch: string) => {
    while (line.length < col) line.push(' ');
    line[col] = ch;
    col++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    const code = ch.charCodeAt(0);
    if (ch === '\n') {
      lines.push(line.join(''));
      line = [];
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\b') {
      if (col > 0) col--;
    } else if (ch === '\x1b') {
      const next = raw[i + 1];
      if (next === '[') {
        // CSI: parameters and intermediates, then one final byte in @..~.
        let j = i + 2;
        while (j < raw.length && !/[@-~]/.test(raw[j]!)) j++;
        const params = raw.slice(i + 2, j);
        const final = raw[j];
        if (final === 'K') {
          const mode = params === '' ? 0 : Number(params);
          if (mode === 0) line.length = Math.min(line.length, col);
          else if (mode === 1) for (let k = 0; k <= col && k < line.length; k++) line[k] = ' ';
          else line = [];
        } else if (final === 'G') {
          col = Math.max(0, (Number(params) || 1) - 1);
        } else if (final === 'C') {
          col += Number(params) || 1;
        } else if (final === 'D') {
          col = Math.max(0, col - (Number(params) || 1));
        }
        i = j;
      } else if (next === ']' || next === 'P' || next === '_' || next === '^') {
        // OSC / DCS / APC / PM: up to BEL or ST (ESC \).
        let j = i + 2;
        while (j < raw.length && raw[j] !== '\x07' && !(raw[j] === '\x1b' && raw[j + 1] === '\\')) j++;
        i = raw[j] === '\x07' ? j : j + 1;
      } else if (next === '(' || next === ')' || next === '#') {
        i += 2; // character set selection: ESC ( B
      } else {
        i += 1; // ESC and one byte (ESC =, ESC >, ESC 7 ...)
      }
    } else if (ch === '\t') {
      put('\t');
    } else if (code < 0x20 || code === 0x7f) {
      // Other control characters (bell, shift in/out) show nothing.
    } else {
      put(ch);
    }
  }
  if (line.length) lines.push(line.join(''));
  const out = lines.map((l) => l.replace(/[ \t]+$/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
