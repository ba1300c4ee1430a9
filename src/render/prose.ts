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
import { authorElement, mdastToHast } from './html.ts';
import { iconsInTitleHtml } from './icons.ts';
import { tabSetElement, type Tab } from './tabs.ts';
import type { Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { inlineText } from './text.ts';

type MarkdownToHast = (node: MarkdownNode) => Promise<ElementContent[]>;

const markdownHast: MarkdownToHast = async (node) => (await mdastToHast(node.tree)).children as ElementContent[];

/** Our own markup (an admonition's title, already escaped by inlineText), inserted as is. */
const ours = (html: string): ElementContent => ({ type: 'raw', value: html }) as unknown as ElementContent;

/** An admonition's or a tab's title: plain text with code spans (inlineText), and icon shortcodes shown as icons. */
const titleHtml = (title: string): string => iconsInTitleHtml(inlineText(title));
/** A title as plain text (a printed tab's label), its icon shortcodes left out. */
const withoutIcons = (title: string): string =>
  title.replace(/(`[^`]*`)|:[a-z0-9]+(?:-[a-z0-9]+)+:\s*/g, (_, code: string | undefined) => code ?? '').trim();

/**
 * A title's content: the inline Markdown the parser read (parseTitle:
 * code, emphasis, links, icons; raw HTML as text), sanitised like the page;
 * else (a default title such as "Note", an MDX page's) plain text with code.
 */
async function titleContent(written: string, tree: Root | undefined): Promise<ElementContent[]> {
  if (!tree) return [ours(titleHtml(written))];
  const p = (await mdastToHast(tree)).children.find((c): c is Element => c.type === 'element' && c.tagName === 'p');
  return p?.children ?? [];
}

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
  if (node.kind === 'figure') return [{ type: 'element', tagName: 'figure', properties: {}, children: body }];
  if (node.kind === 'caption') return [{ type: 'element', tagName: 'figcaption', properties: {}, children: body }];
  if (node.kind === 'html') {
    // The author's tag, sanitised like any raw HTML; a tag that is not allowed leaves its content.
    const el = authorElement(node.openTag, node.tag);
    return el ? [{ ...el, children: body }] : body;
  }
  const className = ['admonition', node.type, ...node.classes];
  const title = node.title ?? node.type.charAt(0).toUpperCase() + node.type.slice(1);
  const bodyEl: Element = { type: 'element', tagName: 'div', properties: { className: ['admonition-body'] }, children: body };
  if (node.collapsible) {
    const summary: Element = {
      type: 'element',
      tagName: 'summary',
      properties: { className: ['admonition-title'] },
      children: await titleContent(title, node.titleTree),
    };
    return [{ type: 'element', tagName: 'details', properties: { className, open: node.open }, children: [summary, bodyEl] }];
  }
  const bar: Element[] =
    title === ''
      ? []
      : [
          {
            type: 'element',
            tagName: 'p',
            properties: { className: ['admonition-title'] },
            children: await titleContent(title, node.titleTree),
          },
        ];
  return [{ type: 'element', tagName: 'div', properties: { className, role: 'note' }, children: [...bar, bodyEl] }];
}

/**
 * A tab set of the page's prose. Ids come from the set's line and content,
 * so two sets of a page never share them, and the same set renders the same.
 */
async function tabSet(node: TabsNode, markdown: MarkdownToHast): Promise<Element> {
  const id = `tabs-${node.line}-${hash(JSON.stringify(node)).slice(0, 8)}`;
  const tabs: Tab[] = [];
  for (const tab of node.children)
    tabs.push({
      label: await titleContent(tab.title, tab.titleTree),
      text: tab.titleTree ? toString(tab.titleTree.children[0]).trim() : withoutIcons(tab.title),
      selected: tab.selected,
      body: await proseToHast(tab, markdown),
    });
  return tabSetElement(id, tabs);
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
