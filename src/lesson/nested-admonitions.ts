/**
 * Admonitions written inside a list item (or a quote), as procedures do:
 *
 *     1. Stop the server.
 *
 *         !!! warning "Not on the primary"
 *             Check which host you are on first.
 *
 * admonitions.ts finds markers at the start of a line of the page (or of an
 * admonition's body), before CommonMark; one inside a list item is only seen
 * after it, as a paragraph holding the marker line followed by its body as
 * indented code (or, with no blank line between, as more lines of that
 * paragraph). This finds that shape in the tree and puts the admonition
 * there, with the markup admonitions get elsewhere (render/prose.ts proseToHast), its
 * body parsed as Markdown.
 *
 * The same containers in pymdownx.blocks' syntax (`/// note | Title`,
 * `/// details`, `/// tab | Title`, closed by `///`) are read there too.
 *
 * Content tabs inside a list item (`=== "macOS"` under a step) are found the
 * same way; tabs one after another form one set (unless `===!`). They are
 * marked as <db-tabset>/<db-tab> here and become radio-button tabs after
 * the sanitiser (render/tabs.ts).
 */
import type { Code, Parent, Root, RootContent } from 'mdast';
import { visit } from './visit.ts';
import { ADMONITION_BLOCKS, blockHeader, blockOptions, MARKER, TAB_MARKER } from './admonitions.ts';

type Parse = (text: string) => Root;
/** A title as shown: plain text with its code spans (as admonition titles elsewhere: render/text.ts inlineText). */
type Title = (text: string) => RootContent[];

/** An element of our own markup, as mdast-util-to-hast builds it from `data.hName`. */
function element(hName: string, hProperties: Record<string, unknown>, children: RootContent[]): RootContent {
  return { type: 'paragraph', data: { hName, hProperties }, children } as unknown as RootContent;
}

/** Moves every position of `tree` by `lines` and `columns` (a body's place in the page, roughly: its indentation varies). */
export function shift(tree: Root, lines: number, columns: number): void {
  visit(tree, (n) => {
    const p = n.position;
    if (!p) return;
    n.position = {
      start: { ...p.start, line: p.start.line + lines, column: p.start.column + columns },
      end: { ...p.end, line: p.end.line + lines, column: p.end.column + columns },
    };
  });
}

/**
 * Replaces, in `tree` (parsed from `source`), each paragraph that is an
 * admonition marker below a list item or quote, and the indented code after
 * it, by the admonition. `parse` reads a body (parseMarkdown), `titleNodes` a title.
 */
export function nestedAdmonitions(tree: Root, source: string, parse: Parse, titleNodes: Title): void {
  visit(tree, (node) => {
    if (node.type !== 'listItem' && node.type !== 'blockquote') return;
    const children = (node as Parent).children as RootContent[];
    for (let i = 0; i < children.length; i++) {
      const p = children[i] as RootContent;
      if (p.type !== 'paragraph' || p.position?.start.offset === undefined || p.position.end.offset === undefined) continue;
      const raw = source.slice(p.position.start.offset, p.position.end.offset);
      const [first, ...rest] = raw.split('\n');
      const block = pymdownBlock(children, i, source);
      if (block) {
        const body = parse(block.body.join('\n'));
        shift(body, p.position.start.line + block.bodyAt - 1, (p.position.start.column ?? 1) - 1);
        const after = block.after.trim() === '' ? [] : parse(block.after).children;
        let replacement: RootContent;
        if (block.name === 'tab') {
          const tab = element('db-tab', block.options['select'] === true ? { dataSelected: '' } : {}, [
            element('db-tab-label', {}, titleNodes(block.argument)),
            element('db-tab-body', {}, body.children),
          ]);
          const before = children[i - 1] as (Parent & { data?: { hName?: string } }) | undefined;
          if (before?.data?.hName === 'db-tabset' && block.options['new'] !== true) {
            before.children.push(tab);
            children.splice(i, block.nodes, ...after);
            i += after.length - 1;
            continue;
          }
          replacement = element('db-tabset', {}, [tab]);
        } else {
          const type =
            block.name === 'admonition' || block.name === 'details' ? String(block.options['type'] ?? 'note').toLowerCase() : block.name;
          replacement = admonition(
            block.name === 'details' ? (block.options['open'] === true ? '???+' : '???') : '!!!',
            [/^[\w-]+$/.test(type) ? type : 'note'],
            block.argument === '' ? undefined : block.argument,
            body,
            titleNodes,
          );
        }
        children.splice(i, block.nodes, replacement, ...after);
        i += after.length;
        continue;
      }
      const m = MARKER.exec((first ?? '').trim());
      const t = m ? null : TAB_MARKER.exec((first ?? '').trim());
      if (!m && !t) continue;
      // The body: the paragraph's other lines (no blank line after the marker), then indented code right after.
      const bodyLines = rest.map((l) => l.trim());
      const next = children[i + 1];
      const code = next?.type === 'code' && !next.lang && (next as Code).position ? (next as Code) : undefined;
      if (code) bodyLines.push(...(bodyLines.length > 0 ? [''] : []), ...code.value.split('\n'));
      if (bodyLines.length === 0 && m) continue;
      const body = parse(bodyLines.join('\n'));
      // Positions: the body's first line is the marker's next line (or the code's first).
      const firstBodyLine = rest.length > 0 ? p.position.start.line + 1 : (code?.position?.start.line ?? p.position.start.line + 1);
      shift(body, firstBodyLine - 1, (p.position.start.column ?? 1) + 3);
      if (t) {
        const flags = t[1] as string;
        const tab = element('db-tab', flags.includes('+') ? { dataSelected: '' } : {}, [
          element('db-tab-label', {}, titleNodes(t[2] as string)),
          element('db-tab-body', {}, body.children),
        ]);
        // The same set as a tab just before it (the blank lines between are not in the tree), unless `===!`.
        const before = children[i - 1] as (Parent & { data?: { hName?: string } }) | undefined;
        if (before?.data?.hName === 'db-tabset' && !flags.includes('!')) {
          before.children.push(tab);
          children.splice(i, code ? 2 : 1);
          i--;
        } else children.splice(i, code ? 2 : 1, element('db-tabset', {}, [tab]));
        continue;
      }
      const adm = m as RegExpExecArray;
      const words = (adm[2] as string).split(/[ \t]+/);
      children.splice(i, code ? 2 : 1, admonition(adm[1] as string, words, adm[3], body, titleNodes));
    }
  });
}

/** An admonition's markup: `marker` !!!, ??? or ???+; `words` its type and classes; `written` its title (undefined: the type's). */
function admonition(marker: string, words: string[], written: string | undefined, body: Root, titleNodes: Title): RootContent {
  const type = (words[0] as string).toLowerCase();
  const title = written ?? type.charAt(0).toUpperCase() + type.slice(1);
  const titleInline = titleNodes(title);
  const className = ['admonition', type, ...words.slice(1)];
  const bodyEl = element('div', { className: ['admonition-body'] }, body.children);
  return marker === '!!!'
    ? element('div', { className, role: 'note' }, [
        ...(title === '' ? [] : [element('p', { className: ['admonition-title'] }, titleInline)]),
        bodyEl,
      ])
    : element('details', { className, open: marker === '???+' }, [
        element('summary', { className: ['admonition-title'] }, titleInline),
        bodyEl,
      ]);
}

/**
 * A pymdownx.blocks container (`/// note | Title`, `/// details`, `/// tab`)
 * whose header starts `children[i]`, below a list item or quote: its name,
 * argument, options, body lines (without the item's indentation), the
 * body's first line counted from the header, how many nodes it spans, and
 * any text after its closing line in the same node. Undefined when the node
 * is no such header or the block is never closed within the item.
 */
function pymdownBlock(children: RootContent[], i: number, source: string) {
  const p = children[i] as RootContent;
  const start = p.position?.start.offset;
  if (start === undefined) return undefined;
  const lineEnd = source.indexOf('\n', start);
  const header = blockHeader(source.slice(start, lineEnd < 0 ? undefined : lineEnd));
  const name = (header?.[2] ?? '').toLowerCase();
  if (!header || !(ADMONITION_BLOCKS.has(name) || ['admonition', 'details', 'tab'].includes(name))) return undefined;
  const column = (p.position?.start.column ?? 1) - 1;
  const closing = new RegExp(`^\\/{${(header[1] as string).length}}[ \\t]*$`);
  for (let k = i; k < children.length; k++) {
    const end = children[k]?.position?.end.offset;
    if (end === undefined) return undefined;
    // The item's lines, without its indentation (at most the header's column of leading blanks).
    const lines = source
      .slice(start, end)
      .split('\n')
      .map((l, n) => (n === 0 ? l : l.replace(new RegExp(`^[ \\t]{0,${column}}`), '')));
    const close = lines.findIndex((l, n) => n > 0 && closing.test(l));
    if (close < 0) continue;
    let bodyAt = 1;
    const options: string[] = [];
    while (bodyAt < close && /^( {4}|\t)/.test(lines[bodyAt] as string) && (lines[bodyAt] as string).trim() !== '')
      options.push((lines[bodyAt++] as string).replace(/^( {4}|\t)/, ''));
    return {
      name,
      argument: (header[3] ?? '').trim(),
      options: blockOptions(options),
      body: lines.slice(bodyAt, close),
      bodyAt,
      nodes: k - i + 1,
      after: lines.slice(close + 1).join('\n'),
    };
  }
  return undefined;
}
