/**
 * The body of an MDX page as the hast the MDX compiler turns into the page's
 * component (src/integration/mdx-pages.ts hands it to @astrojs/mdx). What is
 * plain Markdown, every block and every admonition without MDX in it is
 * rendered by the site exactly as on a Markdown page: the compiled page only
 * holds `<DrillbookNode route index>` for it (src/components/MdxNode.astro),
 * so a block is the same HTML written either way. Only chunks with JSX or
 * expressions become JSX, and in them every part without MDX is our
 * sanitised HTML, passed whole as `<DrillbookHtml html>`.
 */
import type { Program } from 'estree';
import type { ElementContent, Root as HastRoot, RootContent as HastContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { RootContent } from 'mdast';
import { blockRefOf, type Lesson, type MarkdownNode, type ProseTreeNode } from '../lesson/parse-lesson.ts';
import { mdxToHast, MDX_NODE_TYPES } from './html.ts';
import { proseToHast } from './prose.ts';

/** The components the compiled page expects (passed by the page that renders it). */
export const MDX_COMPONENTS = { node: 'DrillbookNode', html: 'DrillbookHtml' } as const;

type Node = { type: string; children?: Node[] } & Record<string, unknown>;

const attr = (name: string, value: string) => ({ type: 'mdxJsxAttribute', name, value });
const element = (name: string, attributes: unknown[], flow: boolean): Node => ({
  type: flow ? 'mdxJsxFlowElement' : 'mdxJsxTextElement',
  name,
  attributes,
  children: [],
});

const isMdxNode = (n: Node) => (MDX_NODE_TYPES as readonly string[]).includes(n.type);
const holdsMdx = (n: Node): boolean => isMdxNode(n) || (n.children ?? []).some(holdsMdx);
const proseHoldsMdx = (n: ProseTreeNode): boolean =>
  n.kind === 'markdown'
    ? n.broken === undefined && n.mdx === true && n.tree.children.some((c) => holdsMdx(c as unknown as Node))
    : n.children.some(proseHoldsMdx);

/**
 * The MDX compiler's tree for `lesson` (served at `route`): the page's
 * imports and exports first (those of modules that were not found left
 * out), then its content.
 */
export async function mdxPageTree(lesson: Lesson, route: string): Promise<HastRoot> {
  const esm: Node[] = [];
  const missing = new Set(lesson.mdxImports.filter((i) => !i.found).map((i) => i.source));
  const nodeRef = (index: number, flow = true) => element(MDX_COMPONENTS.node, [attr('route', route), attr('index', String(index))], flow);

  // Parts without MDX: our HTML, whole; an element with MDX inside stays an element around them.
  const emit = (nodes: Node[], flow: boolean): Node[] => {
    const out: Node[] = [];
    let plain: Node[] = [];
    const flush = () => {
      if (plain.length === 0) return;
      const html = toHtml({ type: 'root', children: plain as unknown as HastContent[] }, { allowDangerousHtml: true });
      if (html.trim() !== '') out.push(element(MDX_COMPONENTS.html, [attr('html', html)], flow));
      plain = [];
    };
    for (const n of nodes) {
      if (!holdsMdx(n)) {
        plain.push(n);
        continue;
      }
      flush();
      const ref = blockRefOf(n);
      if (ref !== undefined) out.push(nodeRef(ref, n.type === 'mdxJsxFlowElement'));
      else if (n.type === 'mdxjsEsm') esm.push(withoutMissing(n, missing));
      else if (n.children) out.push({ ...n, children: emit(n.children, n.type !== 'mdxJsxTextElement' && n['tagName'] !== 'p') });
      else out.push(n);
    }
    flush();
    return out;
  };

  const markdown = async (node: MarkdownNode): Promise<ElementContent[]> => {
    const hast = await mdxToHast({ type: 'root', children: node.tree.children as RootContent[] }, (n) => blockRefOf(n) !== undefined);
    return hast.children as ElementContent[];
  };

  const children: Node[] = [];
  for (const [i, node] of lesson.nodes.entries()) {
    if (node.kind === 'block') {
      if (!node.inProse) children.push(nodeRef(i));
    } else if (proseHoldsMdx(node)) children.push(...emit((await proseToHast(node, markdown)) as unknown as Node[], true));
    else children.push(nodeRef(i));
  }
  return { type: 'root', children: [...esm, ...children] as unknown as HastContent[] };
}

/** An ESM node without the import declarations of modules that were not found (the build would fail on them). */
function withoutMissing(n: Node, missing: Set<string>): Node {
  const data = n['data'] as { estree?: Program } | undefined;
  if (!data?.estree || missing.size === 0) return n;
  const body = data.estree.body.filter((s) => !(s.type === 'ImportDeclaration' && missing.has(String(s.source.value))));
  return { ...n, data: { ...data, estree: { ...data.estree, body } } };
}
