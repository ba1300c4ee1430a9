/**
 * Prose nodes (Markdown chunks, MkDocs admonitions and content tabs) → HTML
 * strings. Admonitions render as MkDocs Material does: `!!!` a div with a
 * title bar, `???` a <details> (open for `???+`). A tab set is radio buttons
 * with labels and one panel per tab (site.css shows the checked one's): it
 * works without script, and the keyboard moves between tabs with the arrow
 * keys, as between radio buttons.
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { cached, codeVersion, hash } from '../cache/store.ts';
import type { BlockProse, MarkdownNode, ProseTreeNode, TabsNode } from '../lesson/parse-lesson.ts';
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
export async function proseToHast(node: ProseTreeNode, markdown: MarkdownToHast = markdownHast): Promise<ElementContent[]> {
  if (node.kind === 'markdown') return markdown(node);
  if (node.kind === 'tabs') return [await tabSet(node, markdown)];
  const body: ElementContent[] = [];
  for (const [i, child] of node.children.entries()) {
    if (i > 0) body.push({ type: 'text', value: '\n' });
    body.push(...(await proseToHast(child, markdown)));
  }
  if (node.kind === 'tab') return body;
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

const el = (tagName: string, properties: Element['properties'], children: ElementContent[]): Element => ({
  type: 'element',
  tagName,
  properties,
  children,
});

/**
 * A tab set: a radio button per tab (the `===+` one checked, else the first),
 * then the labels, then the panels. Ids come from the set's line and content,
 * so two sets of a page never share them, and the same set renders the same.
 */
async function tabSet(node: TabsNode, markdown: MarkdownToHast): Promise<Element> {
  const id = `tabs-${node.line}-${hash(JSON.stringify(node)).slice(0, 8)}`;
  const chosen = Math.max(
    0,
    node.children.findIndex((t) => t.selected),
  );
  const inputs = node.children.map((_, i) =>
    el('input', { type: 'radio', className: ['tabbed-input'], name: id, id: `${id}-${i + 1}`, checked: i === chosen }, []),
  );
  const labels = node.children.map((tab, i) => el('label', { htmlFor: [`${id}-${i + 1}`] }, [ours(inlineText(tab.title))]));
  const panels: Element[] = [];
  // The label again on each panel, for print, where every panel is shown (site.css).
  for (const tab of node.children)
    panels.push(el('div', { className: ['tabbed-block'], dataLabel: tab.title }, await proseToHast(tab, markdown)));
  return el('div', { className: ['tabbed-set'], dataTabs: String(node.children.length) }, [
    ...inputs,
    el('div', { className: ['tabbed-labels'] }, labels),
    el('div', { className: ['tabbed-content'] }, panels),
  ]);
}

/**
 * A prose node's HTML. Kept in the build cache by the node itself (its tree
 * as the parser left it, positions included) and the code: an unchanged part
 * of a page costs a hash, not a render.
 */
export async function proseToHtml(node: ProseTreeNode): Promise<string> {
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
