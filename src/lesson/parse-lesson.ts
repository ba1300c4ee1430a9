/**
 * One page of a course → a Lesson: front matter, title, and an ordered list
 * of prose nodes and validated blocks, plus every problem found, located.
 *
 * Pure: no file system, no DOM. Link targets are checked against the
 * CourseIndex the caller passes in, and blocks are read with the block types
 * it passes in (the registry, src/blocks/registry.ts).
 */
import { escapeHtml } from './escape.ts';
import type { Root } from 'mdast';
import { SKIP, visit } from './visit.ts';
import { countMath } from './math.ts';
import { problem, type Problem } from '../problems/catalogue.ts';
import {
  splitAdmonitions,
  type Admonition,
  type Caption,
  type ContentTab,
  type ContentTabs,
  type Figure,
  type HtmlContainer,
  type ProseNode,
} from './admonitions.ts';
import type { AnchorLink } from './anchors.ts';
import type { BlockDataOf, BlockKind, BlockSet, ProseFence, ValidBlock } from './block-kind.ts';
import { extractFences, type RawBlockSegment } from './extract-fences.ts';
import { readFrontMatter, type FrontMatter } from './front-matter.ts';
import {
  anchorTarget,
  dirname,
  normalisePath,
  resolveImage,
  resolveLink,
  resolvePrerequisite,
  routeOf,
  type CourseIndex,
} from './links.ts';
import {
  assignHeadingIds,
  collectReferences,
  hPropertiesOf,
  pageDefinitions,
  pageAbbreviations,
  pageFootnoteLabels,
  PageFootnotes,
  proseLines,
  parseMarkdown,
  parseTitle,
  takeFirstH1,
  type Heading,
} from './markdown.ts';
import {
  componentName,
  esmBindings,
  expressionOf,
  isIntrinsic,
  isJsxElement,
  isMdxFile,
  jsxProps,
  parseMdx,
  staticValue,
  type JsxElement,
  type MdxImport,
  type MdxParse,
} from './mdx.ts';
import { HeadingIds } from './slug.ts';
import { dropNulls, readYaml } from './yaml.ts';

export interface MarkdownNode {
  kind: 'markdown';
  tree: Root;
  startLine: number;
  /**
   * MDX pages: the tree may hold MDX nodes (JSX, expressions, ESM) and
   * references to the page's blocks written as components (`BLOCK_REF`).
   */
  mdx?: true;
  /** MDX pages: a chunk whose MDX does not parse, shown as an error box with its source instead. */
  broken?: { problems: Problem[]; source: string };
}

/**
 * Where a block written as a component in MDX prose stands in its tree: an
 * MDX element whose `data` holds the block's index in `Lesson.nodes`. Set
 * only by the parser (authors cannot write `data`).
 */
export const BLOCK_REF = 'drillbookBlock';

/** The index in `Lesson.nodes` of the block an MDX element stands for, if it is a block reference. */
export function blockRefOf(node: { type: string; data?: unknown }): number | undefined {
  const i = (node.data as Record<string, unknown> | undefined)?.[BLOCK_REF];
  return typeof i === 'number' ? i : undefined;
}

/**
 * A title written by the author (an admonition's, a tab's) as inline Markdown
 * (markdown.ts parseTitle): one paragraph, with the page's link definitions
 * after it; links pointed at site routes and checked like the page's.
 */
export interface TitleTree {
  titleTree?: Root;
}

/** An admonition as split from the prose, with its Markdown children parsed. */
export type AdmonitionNode = Omit<Admonition, 'children'> & TitleTree & { children: ProseTreeNode[] };

/** One tab of a tab set, its body parsed. */
export type TabNode = Omit<ContentTab, 'children'> & TitleTree & { children: ProseTreeNode[] };

/** Content tabs written one after another: one set. */
export type TabsNode = Omit<ContentTabs, 'children'> & { children: TabNode[] };

/** A figure (pymdownx.blocks' `/// caption`): the block before the caption, then the caption. */
export type FigureNode = Omit<Figure, 'children'> & { children: ProseTreeNode[] };

/** A figure's caption, its body parsed. */
export type CaptionNode = Omit<Caption, 'children'> & { children: ProseTreeNode[] };

/** An md_in_html element around containers, its content parsed. */
export type HtmlContainerNode = Omit<HtmlContainer, 'children'> & { children: ProseTreeNode[] };

/** A container of the prose (an admonition, a tab set, one tab of it, a figure, its caption, an HTML element), told apart by `kind`. */
export type ContainerNode = AdmonitionNode | TabsNode | TabNode | FigureNode | CaptionNode | HtmlContainerNode;

/** A node of the prose: a Markdown chunk or a container of them. */
export type ProseTreeNode = MarkdownNode | ContainerNode;

export type ProseTree = ProseTreeNode[];

/**
 * A block's Markdown fields, parsed like the page's prose (links pointed at
 * site routes, images resolved, admonitions split), by canonical field path:
 * `scenario`, `hints.0`, `steps.2.narration`.
 */
export type BlockProse = Record<string, ProseTree>;

/** A block of the page; `B` is the union of the validated blocks it can be (BlockDataOf a block set). */
export type BlockNode<B extends ValidBlock = ValidBlock> = {
  kind: 'block';
  type: B['type'];
  id: string;
  /** Line of the opening fence (of the component's opening tag, in MDX). */
  line: number;
  /** Written as an MDX component inside prose: rendered where its tree references it (BLOCK_REF), not at its place in `nodes`. */
  inProse?: true;
} & ({ ok: true; block: B; prose: BlockProse } | { ok: false; problems: Problem[]; source: string });

export type LessonNode<B extends ValidBlock = ValidBlock> = ProseTreeNode | BlockNode<B>;

export interface Lesson<B extends ValidBlock = ValidBlock> {
  file: string;
  route: string;
  meta: FrontMatter;
  title: string;
  /** The front matter prerequisites with the route of each page, undefined for one that does not exist (reported). */
  prerequisites: { slug: string; route: string | undefined }[];
  /** The id MkDocs gives the title H1 (the page heading links to it), when the title came from one. */
  titleId: string | undefined;
  nodes: LessonNode<B>[];
  headings: Heading[];
  /** Every id a link can land on: headings (the title's too), blocks, ids in raw HTML. */
  ids: string[];
  /** Mermaid fences in prose (indented, ~~~, or in a block's Markdown) drawn as diagrams; they are not blocks. */
  proseDiagrams: number;
  /** Pieces of TeX math in the prose (pymdownx.arithmatex on): the page then loads KaTeX's styles. */
  proseMath: number;
  /** Those fences, with where they are, for the block type's verifyFence. */
  proseFences: ProseFence[];
  /** Links with an #anchor into a page of the course, checked once every page is parsed (anchors.ts). */
  anchorLinks: AnchorLink[];
  problems: Problem[];
  /** Blocks per type, every type of the block set listed. */
  blockCounts: Record<string, number>;
  /** MDX pages: the imports, each with whether its module was found (a missing one is left out of the built page). */
  mdxImports: (MdxImport & { found: boolean })[];
}

/** A count of 0 for every block type of `blocks`. */
export function emptyCounts<S extends BlockSet>(blocks: S): Record<keyof S & string, number> {
  return Object.fromEntries(Object.keys(blocks).map((t) => [t, 0])) as Record<keyof S & string, number>;
}

/** Lower case, runs of anything but letters and digits (any script) as one "-": `Server Ops/disk layout` → `server-ops-disk-layout`. */
function idSlug(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '');
}

/** A page-derived id prefix: `Server Ops/disk layout` → `server-ops-disk-layout`, `Введение` → `введение`; the home page is `home`. */
export function slugId(route: string): string {
  return idSlug(route) || 'home';
}

/**
 * The id of a block: the author's `id:` when it is a valid id, else the slug
 * of what they wrote (with `changed` set so they can be told), else the
 * page-derived default. A number or boolean is read as its text.
 */
function blockIdFor(given: unknown, defaultId: string): { id: string; changed?: string } {
  if (typeof given === 'number' || typeof given === 'boolean') given = String(given);
  if (typeof given !== 'string' || given.trim() === '') return { id: defaultId };
  if (VALID_ID.test(given)) return { id: given };
  return { id: idSlug(given) || defaultId, changed: given };
}

/** What `blockId` in src/blocks/shared.ts accepts. */
const VALID_ID = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;

function titleFromFile(file: string): string {
  const base = routeOf(file).split('/').pop() || 'Home';
  return base.replace(/[-_]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

export function parseLesson<S extends BlockSet>(source: string, file: string, index: CourseIndex, blocks: S): Lesson<BlockDataOf<S>> {
  type Type = keyof S & string;
  const types = Object.keys(blocks) as Type[];
  const route = routeOf(file);
  const mdx = isMdxFile(file);
  const fm = readFrontMatter(source, file);
  const problems: Problem[] = [...fm.problems];
  const prerequisites = fm.meta.prerequisites.map((slug) => ({ slug, route: resolvePrerequisite(index, file, slug) }));
  prerequisites.forEach((p, i) => {
    if (p.route !== undefined) return;
    const at = { file, line: fm.lineOf(['prerequisites', i]), block: 'front-matter' as const, path: `prerequisites.${i}` };
    problems.push(problem('PrerequisiteMissing', at, { slug: p.slug }));
  });
  const counts = emptyCounts(blocks);
  const headingIds = new HeadingIds();
  const htmlIds: string[] = [];
  const anchorLinks: AnchorLink[] = [];
  let proseDiagrams = 0;
  let proseMath = 0;
  const proseFences: ProseFence[] = [];
  // A fence of a block type that draws in prose (Mermaid) and is not a block: the block's markup, with an id of its own kind.
  // `at`: the chunk's first file line, or the block's fence line and field for a block's Markdown.
  const drawDiagrams = (tree: Root, at: { startLine: number } | { line: number; path: string }) => {
    visit(tree, 'code', (c, i, parent) => {
      const type = c.lang?.toLowerCase();
      const markup = type ? blocks[type]?.proseMarkup : undefined;
      if (!type || !markup || !parent || i === undefined) return;
      parent.children[i] = { type: 'html', value: markup(`${slugId(route)}-diagram-${++proseDiagrams}`, c.value) };
      proseFences.push(
        'path' in at
          ? { type, source: c.value, line: at.line, path: at.path }
          : { type, source: c.value, line: at.startLine + (c.position?.start.line ?? 1) - 1, path: '' },
      );
    });
  };
  const headings: Heading[] = [];
  const ids = new Map<string, number>();
  let h1: { text: string; id: string | undefined } | undefined;
  const nodes: LessonNode<BlockDataOf<S>>[] = [];
  // Blocks written as components in the prose node being read: they follow it in `nodes`.
  let inProse: BlockNode<BlockDataOf<S>>[] = [];

  const segments = extractFences(fm.body, fm.bodyLine, types);
  const proseOf = new Map(
    segments.flatMap((seg) => (seg.kind === 'prose' ? [[seg, splitAdmonitions(seg.text, seg.startLine)] as const] : [])),
  );
  // Link reference definitions hold for the whole page, whichever part they are written in.
  const chunkTexts = (n: ProseNode): string[] => (n.kind === 'markdown' ? [n.text] : n.children.flatMap(chunkTexts));
  // (An MDX page is parsed whole by its own parser: none of this.)
  const lines = mdx ? [] : proseLines([...proseOf.values()].flat().flatMap(chunkTexts));
  const definitions = pageDefinitions(lines);
  // So do footnotes: a call may name one defined in another part; all are listed once, at the end of the page.
  const footnotes = new PageFootnotes(pageFootnoteLabels(lines));
  // And abbreviations (`*[HTML]: Hyper Text Markup Language`): every use on the page is marked.
  const abbreviations = pageAbbreviations(lines);
  const pageMarkdown = { definitions, footnotes: footnotes.labels, abbreviations, smartSymbols: index.smartSymbols, math: index.math };

  // MDX: every chunk is parsed first, so that what the page imports or exports is known wherever a component is used.
  const mdxParses = new Map<ProseNode, MdxParse>();
  const esmNames = new Set<string>();
  const mdxImports: Lesson['mdxImports'] = [];
  if (mdx) {
    const parseAll = (n: ProseNode) => {
      if (n.kind !== 'markdown') return n.children.forEach(parseAll);
      const parsed = parseMdx(n.text);
      mdxParses.set(n, parsed);
      if (!parsed.ok) return;
      for (const child of parsed.tree.children) {
        if (child.type !== 'mdxjsEsm') continue;
        const { imports, names } = esmBindings(child.data?.estree);
        names.forEach((x) => esmNames.add(x));
        for (const imp of imports) {
          const line = n.startLine + imp.line - 1;
          const found = importFound(index, file, imp.source);
          mdxImports.push({ ...imp, line, found: found.ok });
          if (!found.ok)
            problems.push(problem('MdxImportMissing', { file, line, block: 'mdx' }, { source: imp.source, looked: found.looked }));
        }
      }
    };
    for (const chunks of proseOf.values()) chunks.forEach(parseAll);
    // A component from an import that is missing is left out of the page: it is unknown where it is used.
    for (const imp of mdxImports) if (!imp.found) imp.names.forEach((x) => esmNames.delete(x));
  }
  const blockOfComponent = new Map(types.map((t) => [componentName(t), t]));

  // `top`: a chunk of the page itself, where the title H1 is looked for (never inside an admonition or a tab).
  const proseNode = (n: ProseNode, top: boolean): ProseTreeNode => {
    if (n.kind !== 'markdown') return { ...n, ...titleOf(n), children: n.children.map((c) => proseNode(c, false)) } as ContainerNode;
    let tree: Root;
    if (mdx) {
      const parsed = mdxParses.get(n) ?? parseMdx(n.text);
      if (!parsed.ok) {
        const at = { file, line: n.startLine + parsed.line - 1, column: parsed.column + n.indent, block: 'mdx' as const };
        const p = problem('MdxSyntax', at, { reason: parsed.reason });
        problems.push(p);
        return {
          kind: 'markdown',
          tree: { type: 'root', children: [] },
          startLine: n.startLine,
          mdx: true,
          broken: { problems: [p], source: n.text },
        };
      }
      tree = parsed.tree;
    } else {
      tree = parseMarkdown(n.text, pageMarkdown);
      if (index.math) proseMath += countMath(tree);
    }
    // Ids first: the title H1 takes its id in page order, as in MkDocs, even though it is shown apart.
    const found = assignHeadingIds(tree, headingIds);
    if (top && h1 === undefined) {
      h1 = takeFirstH1(tree);
      const title = h1;
      if (title)
        found.splice(
          found.findIndex((h) => h.id === title.id),
          1,
        );
    }
    headings.push(...found);
    drawDiagrams(tree, { startLine: n.startLine });
    visit(tree, 'html', (h) => {
      for (const m of h.value.matchAll(HTML_ID)) htmlIds.push(m[1] ?? m[2] ?? '');
    });
    // Ids given by attribute lists (`**x**{ #id }`, markdown.ts applyAttrLists); headings' are in `headings`.
    visit(tree, (x) => {
      const id = x.type === 'heading' ? undefined : hPropertiesOf(x)?.['id'];
      if (typeof id === 'string') htmlIds.push(id);
    });
    if (mdx) readJsx(tree, n);
    checkReferences(tree, n.startLine, n.indent);
    footnotes.take(tree);
    return mdx ? { kind: 'markdown', tree, startLine: n.startLine, mdx: true } : { kind: 'markdown', tree, startLine: n.startLine };
  };

  /**
   * The JSX of an MDX chunk: block components become blocks (referenced from
   * the tree), HTML elements keep only attributes written as values (they are
   * sanitised like raw HTML), and a component that is neither imported nor a
   * block is reported and shown as a marker.
   */
  const readJsx = (tree: Root, chunk: { text: string; startLine: number; indent: number }) => {
    visit(tree, (node, i, parent) => {
      if (!isJsxElement(node) || node.name === null) return;
      const line = chunk.startLine + (node.position?.start.line ?? 1) - 1;
      const name = node.name;
      if (isIntrinsic(name)) {
        htmlAttributes(node, line);
        return;
      }
      const type = blockOfComponent.get(name);
      if (name === 'Fragment') {
        fragmentAttributes(node, line);
        return;
      }
      if (esmNames.has(name.split('.')[0] as string)) return;
      if (!parent || i === undefined) return;
      if (type === undefined) {
        problems.push(problem('MdxUnknownComponent', { file, line, block: 'mdx' }, { name, blocks: [...blockOfComponent.keys()] }));
        const marker = { type: 'html' as const, value: unknownComponent(name) };
        parent.children.splice(i, 1, marker as never, ...(node.children as never[]));
        return i + 1;
      }
      const start = node.position?.start.offset;
      const end = node.position?.end.offset;
      const text = start !== undefined && end !== undefined ? chunk.text.slice(start, end) : `<${name} />`;
      const block = componentBlock(type as Type, node, line, text, chunk.text);
      block.inProse = true;
      const at = nodes.length + 1 + inProse.length;
      inProse.push(block);
      const ref = { type: node.type, name: 'DrillbookBlock', attributes: [], children: [], data: { [BLOCK_REF]: at } };
      parent.children[i] = ref as never;
      return SKIP;
    });
  };

  /** An HTML element's attributes: `{literal}` values are read; anything that would have to run is dropped, with a warning. */
  const htmlAttributes = (el: JsxElement, line: number) => {
    el.attributes = el.attributes.flatMap((a) => {
      if (a.type === 'mdxJsxAttribute' && (a.value === null || a.value === undefined || typeof a.value === 'string')) {
        if ((a.name === 'id' || a.name === 'name') && typeof a.value === 'string') htmlIds.push(a.value);
        return [a];
      }
      const v =
        a.type === 'mdxJsxAttribute' && a.value !== null && a.value !== undefined && typeof a.value !== 'string'
          ? staticValue(expressionOf(a.value.data?.estree))
          : { ok: false as const };
      if (
        a.type === 'mdxJsxAttribute' &&
        v.ok &&
        (typeof v.value === 'string' || typeof v.value === 'number' || typeof v.value === 'boolean')
      ) {
        if (v.value === false) return [];
        return [{ type: 'mdxJsxAttribute' as const, name: a.name, value: v.value === true ? null : String(v.value) }];
      }
      const attr = a.type === 'mdxJsxAttribute' ? a.name : `{${a.value}}`;
      problems.push(problem('MdxHtmlAttribute', { file, line, block: 'mdx' }, { tag: el.name ?? '', attribute: attr }));
      return [];
    });
  };

  /**
   * Astro's <Fragment> needs no import, and its set:html puts a string into
   * the page as HTML, past the sanitiser every other piece of page HTML goes
   * through: only `slot` and `set:text` (shown as text) are kept, as literals.
   */
  const fragmentAttributes = (el: JsxElement, line: number) => {
    el.attributes = el.attributes.filter((a) => {
      if (a.type === 'mdxJsxAttribute' && (a.name === 'slot' || a.name === 'set:text') && (a.value === null || typeof a.value === 'string'))
        return true;
      const attribute = a.type === 'mdxJsxAttribute' ? a.name : `{${a.value}}`;
      problems.push(problem('MdxFragmentHtml', { file, line, block: 'mdx' }, { attribute }));
      return false;
    });
  };

  /** A block written as a component: its props are the block's fields, read and validated like a fence's YAML. */
  const componentBlock = (type: Type, el: JsxElement, line: number, text: string, chunkText: string): BlockNode<BlockDataOf<S>> => {
    const def = blocks[type] as S[Type];
    const tag = el.name ?? type;
    const at = { file, line, block: type };
    counts[type]++;
    const defaultId = `${slugId(route)}-${type}-${counts[type]}`;
    const fail = (ps: Problem[]): BlockNode<BlockDataOf<S>> => {
      problems.push(...ps);
      return { kind: 'block', type, id: defaultId, line, ok: false, problems: ps, source: text };
    };
    const { props, dynamic } = jsxProps(el, chunkText);
    if (dynamic.length > 0)
      return fail(
        dynamic.map((d) =>
          problem('MdxPropExpression', { ...at, path: d.name === '...' ? '' : d.name }, { component: tag, prop: d.name, code: d.code }),
        ),
      );
    // A diagram's source may be its one child, written as a string: <Mermaid>{`graph TD; a --> b`}</Mermaid>.
    const content = el.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
    if (content.length > 0) {
      const only = content.length === 1 ? content[0] : undefined;
      const child = only?.type === 'paragraph' && only.children.length === 1 ? only.children[0] : only;
      const value =
        child && (child.type === 'mdxFlowExpression' || child.type === 'mdxTextExpression')
          ? staticValue(expressionOf(child.data?.estree), chunkText)
          : { ok: false as const };
      if (def.yaml || props['source'] !== undefined || !value.ok || typeof value.value !== 'string')
        return fail([problem('MdxBlockChildren', at, { component: tag, diagram: !def.yaml })]);
      props['source'] = value.value;
    }
    const node = readBlock<BlockDataOf<S>>(def, type, props, at, defaultId, text, { warn: (p) => problems.push(p), prose: blockProse });
    return registered(node, text);
  };

  /** The page's ids are unique: a second block with an id already used becomes an error box. */
  const registered = (node: BlockNode<BlockDataOf<S>>, source: string): BlockNode<BlockDataOf<S>> => {
    if (!node.ok) {
      problems.push(...node.problems);
      return node;
    }
    const first = ids.get(node.id);
    if (first !== undefined) {
      const p = problem('DuplicateBlockId', { file, line: node.line, block: node.type, path: 'id' }, { id: node.id, firstLine: first });
      problems.push(p);
      return { kind: 'block', type: node.type, id: node.id, line: node.line, ok: false, problems: [p], source };
    }
    ids.set(node.id, node.line);
    return node;
  };

  // An admonition's or a tab's title, as inline Markdown (MkDocs reads it so): its links checked where it is written.
  const titleOf = (n: ProseNode, inBlock?: { line: number; path: string }): TitleTree => {
    if ((n.kind !== 'admonition' && n.kind !== 'tab') || !n.title || mdx) return {};
    const titleTree = parseTitle(n.title, inBlock ? {} : pageMarkdown);
    if (index.math && !inBlock) proseMath += countMath(titleTree);
    checkReferences(titleTree, n.line, 0, inBlock);
    return { titleTree };
  };

  // A block's Markdown: the page's link and image rules, problems at the block's fence with the field's path.
  // Always Markdown, also in an MDX page: a block field is data, never code.
  const blockProse: ReadProse = (text, at) => {
    const node = (n: ProseNode): ProseTreeNode => {
      if (n.kind !== 'markdown') return { ...n, ...titleOf(n, at), line: at.line, children: n.children.map(node) } as ContainerNode;
      const tree = parseMarkdown(n.text);
      drawDiagrams(tree, at);
      checkReferences(tree, n.startLine, n.indent, at);
      return { kind: 'markdown', tree, startLine: at.line };
    };
    return splitAdmonitions(text, at.line).map(node);
  };

  const checkReferences = (tree: Root, startLine: number, indent: number, inBlock?: { line: number; path: string }) => {
    for (const ref of collectReferences(tree, startLine, indent)) {
      const at = inBlock ? { file, line: inBlock.line, path: inBlock.path } : { file, line: ref.line, column: ref.column };
      if (ref.kind === 'md-link') {
        const r = resolveLink(index, file, ref.url);
        if (r && !r.ok)
          problems.push(
            r.file
              ? problem('LinkFileMissing', { ...at, block: 'link' }, { target: ref.url, resolved: r.resolved })
              : problem('LinkMissing', { ...at, block: 'link' }, { target: ref.url }),
          );
        const into = anchorTarget(index, file, ref.url);
        if (into) anchorLinks.push({ url: ref.url, ...into, at: { ...at, block: 'link' } });
      } else {
        const r = resolveImage(index, file, ref.url, ref.kind);
        if (r && !r.ok) problems.push(problem('ImageMissing', { ...at, block: 'image' }, { src: ref.url, resolved: r.resolved }));
      }
    }
    rewriteUrls(tree, file, index);
  };

  for (const seg of segments) {
    if (seg.kind === 'prose') {
      for (const n of proseOf.get(seg) ?? []) {
        nodes.push(proseNode(n, true));
        nodes.push(...inProse);
        inProse = [];
      }
      continue;
    }
    const type = seg.type as Type;
    counts[type]++;
    if (seg.endsFence) {
      const { line, fence } = seg.endsFence;
      problems.push(problem('UnclosedCodeFence', { file, line, block: 'page' }, { fence, fenceLine: line, type, blockLine: seg.line }));
    }
    const node = safeParseBlock(blocks, seg, type, `${slugId(route)}-${type}-${counts[type]}`, file, {
      warn: (p) => problems.push(p),
      prose: blockProse,
    });
    nodes.push(registered(node, seg.body));
  }
  const footnoteList = footnotes.section();
  if (footnoteList) {
    nodes.push({ kind: 'markdown', tree: footnoteList, startLine: fm.bodyLine + fm.body.split('\n').length });
    htmlIds.push(...footnotes.ids());
  }

  return {
    file,
    route,
    meta: fm.meta,
    title: fm.meta.title ?? h1?.text ?? titleFromFile(file),
    prerequisites,
    titleId: h1?.id,
    nodes,
    headings,
    ids: [
      ...(h1?.id === undefined ? [] : [h1.id]),
      ...headings.map((h) => h.id),
      ...nodes.flatMap((n) => (n.kind === 'block' ? [n.id] : [])),
      ...htmlIds,
    ],
    proseDiagrams,
    proseMath,
    proseFences,
    anchorLinks,
    problems,
    blockCounts: counts,
    mdxImports,
  };
}

/** Extensions a bundler tries for an import written without one (Vite's, and Astro's components). */
const IMPORT_EXTENSIONS = ['', '.astro', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.mts', '.mdx', '.json', '/index.ts', '/index.js'];

/**
 * Whether the module an MDX page imports exists: a relative path must be a
 * file of the course (an .astro component, a script); a package name or
 * alias is asked of `index.moduleExists` (the course loader knows the
 * project's packages), and taken as found when it cannot be asked.
 */
function importFound(index: CourseIndex, file: string, spec: string): { ok: true } | { ok: false; looked: string } {
  if (!spec.startsWith('./') && !spec.startsWith('../') && !spec.startsWith('/')) {
    return index.moduleExists === undefined || index.moduleExists(spec) ? { ok: true } : { ok: false, looked: spec };
  }
  const target = normalisePath(spec.startsWith('/') ? spec : `${dirname(file)}/${spec}`);
  if (target === null) return { ok: false, looked: spec };
  for (const ext of IMPORT_EXTENSIONS) if (index.assets.has(target + ext) || index.pages.has(target + ext)) return { ok: true };
  return { ok: false, looked: target };
}

const unknownComponent = (name: string) =>
  `<span class="db-missing-component" data-missing="true">Unknown component <code>&lt;${name.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}&gt;</code></span>`;

type ReadProse = (text: string, at: { line: number; path: string }) => ProseTree;

/** What parsing a block needs from its page: where warnings go, and the page's Markdown reading. */
interface BlockContext {
  /** Receives problems that do not stop the block from rendering. */
  warn: (p: Problem) => void;
  /** Parses a Markdown field; `at` is the block's fence line and the field's author path. */
  prose: ReadProse;
}

/** A bug in a normaliser must not take the page down: it becomes an InternalError box. */
function safeParseBlock<S extends BlockSet>(
  blocks: S,
  seg: RawBlockSegment,
  type: keyof S & string,
  defaultId: string,
  file: string,
  ctx: BlockContext,
): BlockNode<BlockDataOf<S>> {
  try {
    return parseBlock(blocks, seg, type, defaultId, file, ctx);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const p = problem('InternalError', { file, line: seg.line, block: type }, { detail });
    return { kind: 'block', type, id: defaultId, line: seg.line, ok: false, problems: [p], source: seg.body };
  }
}

/** Parses a fenced block's body (YAML, or raw text for a type that is not YAML), then reads it. */
function parseBlock<S extends BlockSet>(
  blocks: S,
  seg: RawBlockSegment,
  type: keyof S & string,
  defaultId: string,
  file: string,
  ctx: BlockContext,
): BlockNode<BlockDataOf<S>> {
  const def = blocks[type] as S[keyof S & string];
  const at = { file, line: seg.line, block: type };
  const fail = (ps: Problem[]): BlockNode<BlockDataOf<S>> => ({
    kind: 'block',
    type,
    id: defaultId,
    line: seg.line,
    ok: false,
    problems: ps,
    source: seg.body,
  });
  if (!seg.closed) return fail([problem('UnclosedFence', at, { fence: seg.fence })]);
  if (seg.body.trim() === '') return fail([problem('EmptyBlock', at, {})]);

  let raw: Record<string, unknown>;
  if (def.yaml) {
    const y = readYaml(seg.body, seg.bodyLine);
    if (!y.ok) return fail([problem('YamlSyntax', at, { detail: y.detail, blockScalars: y.blockScalars })]);
    if (y.lenient) ctx.warn(problem('YamlLenient', at, { part: 'block', ...y.lenient }));
    if (y.value === null || typeof y.value !== 'object' || Array.isArray(y.value)) {
      const got = Array.isArray(y.value) ? 'a list' : y.value === null ? 'empty' : 'a single value';
      return fail([problem('YamlNotMapping', at, { got })]);
    }
    raw = dropNulls(y.value) as Record<string, unknown>;
  } else raw = { source: seg.body };
  return readBlock(def, type, raw, at, defaultId, seg.body, ctx);
}

/**
 * Reads a block's fields (from a fence's YAML or a component's props): its
 * id, then the type's normaliser and schema, then its Markdown fields with
 * the page's rules. `source` is what an error box shows.
 */
function readBlock<D extends ValidBlock>(
  def: BlockKind,
  type: D['type'],
  raw: Record<string, unknown>,
  at: { file: string; line: number; block: string },
  defaultId: string,
  source: string,
  ctx: BlockContext,
): BlockNode<D> {
  const { id, changed } = blockIdFor(raw['id'], defaultId);
  if (changed !== undefined) ctx.warn(problem('BlockIdChanged', { ...at, path: 'id' }, { given: changed, used: id }));
  let read: ReturnType<BlockKind['read']>;
  try {
    read = def.read(raw, { id, file: at.file, line: at.line });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    read = { ok: false, problems: [problem('InternalError', at, { detail })] };
  }
  if (!read.ok) return { kind: 'block', type, id, line: at.line, ok: false, problems: read.problems, source };
  const prose: BlockProse = {};
  for (const m of read.markdown) prose[m.path] = ctx.prose(m.text, { line: at.line, path: m.authorPath });
  return { kind: 'block', type, id, line: at.line, ok: true, block: { type, data: read.data } as D, prose };
}

/**
 * Points resolvable links and images at their site URLs, in place. A link to
 * a missing page is marked data-missing; a missing image becomes a visible
 * "missing image" note instead of a request that would 404.
 */
function rewriteUrls(tree: Root, file: string, index: CourseIndex): void {
  visit(tree, (node, i, parent) => {
    if (node.type === 'link' || node.type === 'definition') {
      const r = resolveLink(index, file, node.url);
      if (r?.ok) node.url = r.url;
      else if (r && node.type === 'link') {
        const title = r.file ? 'This file is missing from the course' : 'This page is missing from the course';
        node.data = { ...node.data, hProperties: { ...(node.data?.hProperties ?? {}), dataMissing: 'true', title } };
      }
    } else if (node.type === 'image') {
      const r = resolveImage(index, file, node.url, 'md-image');
      if (r?.ok) node.url = r.url;
      else if (r && parent && i !== undefined) {
        parent.children[i] = { type: 'html', value: missingImage(node.url, node.alt ?? '') };
      }
    } else if (node.type === 'html' && /<img\b/i.test(node.value)) {
      node.value = node.value.replace(HTML_IMG, (tag: string, a?: string, b?: string, c?: string) => {
        const r = resolveImage(index, file, a ?? b ?? c ?? '', 'html-image');
        return r && !r.ok ? tag.replace(/^<img/i, '<img data-missing="true"').replace(/\bsrc(\s*=)/i, 'data-missing-src$1') : tag;
      });
    }
  });
}

const HTML_ID = /\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
const HTML_IMG = /<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

function missingImage(src: string, alt: string): string {
  return `<span class="db-missing-image" role="img" aria-label="${escapeHtml(alt || 'image')} (missing)" data-missing="true">Missing image: <code>${escapeHtml(src)}</code></span>`;
}
