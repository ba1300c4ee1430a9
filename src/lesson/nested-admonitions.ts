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
 * Content tabs inside a list item (`=== "macOS"` under a step) are found the
 * same way; tabs one after another form one set (unless `===!`). They are
 * marked as <db-tabset>/<db-tab> here and become radio-button tabs after
 * the sanitiser (render/tabs.ts).
 */
import type { Code, Parent, Root, RootContent } from 'mdast';
import { visit } from 'unist-util-visit';
import { MARKER, TAB_MARKER } from './admonitions.ts';

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
      const marker = adm[1] as string;
      const words = (adm[2] as string).split(/[ \t]+/);
      const type = (words[0] as string).toLowerCase();
      const written = adm[3];
      const title = written ?? type.charAt(0).toUpperCase() + type.slice(1);
      const titleInline = titleNodes(title);
      const className = ['admonition', type, ...words.slice(1)];
      const bodyEl = element('div', { className: ['admonition-body'] }, body.children);
      const replacement =
        marker === '!!!'
          ? element('div', { className, role: 'note' }, [
              ...(title === '' ? [] : [element('p', { className: ['admonition-title'] }, titleInline)]),
              bodyEl,
            ])
          : element('details', { className, open: marker === '???+' }, [
              element('summary', { className: ['admonition-title'] }, titleInline),
              bodyEl,
            ]);
      children.splice(i, code ? 2 : 1, replacement);
    }
  });
}
