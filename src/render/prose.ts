/**
 * Prose nodes (Markdown chunks and MkDocs admonitions) → HTML strings.
 * Admonitions render as MkDocs Material does: `!!!` a div with a title bar,
 * `???` a <details> (open for `???+`).
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { cached, codeVersion, hash } from '../cache/store.ts';
import type { AdmonitionNode, BlockProse, MarkdownNode } from '../lesson/parse-lesson.ts';
import { mdastToHast } from './html.ts';
import { inlineText } from './text.ts';

type MarkdownToHast = (node: MarkdownNode) => Promise<ElementContent[]>;

const markdownHast: MarkdownToHast = async (node) => (await mdastToHast(node.tree)).children as ElementContent[];

/** Our own markup (an admonition's title, already escaped by inlineText), inserted as is. */
const ours = (html: string): ElementContent => ({ type: 'raw', value: html }) as unknown as ElementContent;

/**
 * A prose node as hast; `markdown` renders its Markdown chunks (the page's
 * Markdown, or an MDX page's chunks with their JSX kept for the compiler).
 */
export async function proseToHast(node: MarkdownNode | AdmonitionNode, markdown: MarkdownToHast = markdownHast): Promise<ElementContent[]> {
  if (node.kind === 'markdown') return markdown(node);
  const body: ElementContent[] = [];
  for (const [i, child] of node.children.entries()) {
    if (i > 0) body.push({ type: 'text', value: '\n' });
    body.push(...(await proseToHast(child, markdown)));
  }
  const className = ['admonition', node.type, ...node.classes];
  const title = node.title ?? node.type.charAt(0).toUpperCase() + node.type.slice(1);
  const bodyEl: Element = { type: 'element', tagName: 'div', properties: { className: ['admonition-body'] }, children: body };
  if (node.collapsible) {
    const summary: Element = {
      type: 'element',
      tagName: 'summary',
      properties: { className: ['admonition-title'] },
      children: [ours(inlineText(title))],
    };
    return [{ type: 'element', tagName: 'details', properties: { className, open: node.open }, children: [summary, bodyEl] }];
  }
  const bar: Element[] =
    title === ''
      ? []
      : [{ type: 'element', tagName: 'p', properties: { className: ['admonition-title'] }, children: [ours(inlineText(title))] }];
  return [{ type: 'element', tagName: 'div', properties: { className, role: 'note' }, children: [...bar, bodyEl] }];
}

/**
 * A prose node's HTML. Kept in the build cache by the node itself (its tree
 * as the parser left it, positions included) and the code: an unchanged part
 * of a page costs a hash, not a render.
 */
export async function proseToHtml(node: MarkdownNode | AdmonitionNode): Promise<string> {
  return cached('prose', hash(codeVersion(), JSON.stringify(node)), async () => {
    const root: HastRoot = { type: 'root', children: await proseToHast(node) };
    return toHtml(root, { allowDangerousHtml: true });
  });
}

/**
 * The HTML of one Markdown field of a block (`scenario`, `steps.2.narration`),
 * as the parser read it with the page. A field the parser did not read is a
 * bug in the block's component or schema, so it fails the build.
 */
export async function blockMarkdownHtml(prose: BlockProse, path: string): Promise<string> {
  const nodes = prose[path];
  if (!nodes) throw new Error(`Markdown field "${path}" was not read with the page (is it declared with markdown() in the schema?)`);
  return (await Promise.all(nodes.map(proseToHtml))).join('\n');
}
