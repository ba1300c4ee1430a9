/**
 * Prose nodes (Markdown chunks and MkDocs admonitions) → HTML strings.
 * Admonitions render as MkDocs Material does: `!!!` a div with a title bar,
 * `???` a <details> (open for `???+`).
 */
import type { AdmonitionNode, BlockProse, MarkdownNode } from '../lesson/parse-lesson.ts';
import { escapeHtml, mdastToHtml } from './html.ts';
import { inlineText } from './text.ts';

export async function proseToHtml(node: MarkdownNode | AdmonitionNode): Promise<string> {
  if (node.kind === 'markdown') return mdastToHtml(node.tree);
  const body = (await Promise.all(node.children.map(proseToHtml))).join('\n');
  const cls = ['admonition', node.type, ...node.classes].map(escapeHtml).join(' ');
  const title = node.title ?? node.type.charAt(0).toUpperCase() + node.type.slice(1);
  if (node.collapsible) {
    return `<details class="${cls}"${node.open ? ' open' : ''}><summary class="admonition-title">${inlineText(title)}</summary><div class="admonition-body">${body}</div></details>`;
  }
  const bar = title === '' ? '' : `<p class="admonition-title">${inlineText(title)}</p>`;
  return `<div class="${cls}" role="note">${bar}<div class="admonition-body">${body}</div></div>`;
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
