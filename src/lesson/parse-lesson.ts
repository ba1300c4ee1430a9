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
import { visit } from 'unist-util-visit';
import { problem, type Problem } from '../problems/catalogue.ts';
import { splitAdmonitions, type Admonition, type ProseNode } from './admonitions.ts';
import type { AnchorLink } from './anchors.ts';
import type { BlockDataOf, BlockSet, ProseFence, ValidBlock } from './block-kind.ts';
import { extractFences, type RawBlockSegment } from './extract-fences.ts';
import { readFrontMatter, type FrontMatter } from './front-matter.ts';
import { anchorTarget, resolveImage, resolveLink, resolvePrerequisite, routeOf, type CourseIndex } from './links.ts';
import { assignHeadingIds, collectReferences, parseMarkdown, takeFirstH1, type Heading } from './markdown.ts';
import { HeadingIds } from './slug.ts';
import { dropNulls, readYaml } from './yaml.ts';

export interface MarkdownNode {
  kind: 'markdown';
  tree: Root;
  startLine: number;
}

/** An admonition as split from the prose, with its Markdown children parsed. */
export interface AdmonitionNode extends Omit<Admonition, 'children'> {
  children: (MarkdownNode | AdmonitionNode)[];
}

export type ProseTree = (MarkdownNode | AdmonitionNode)[];

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
  /** Line of the opening fence. */
  line: number;
} & ({ ok: true; block: B; prose: BlockProse } | { ok: false; problems: Problem[]; source: string });

export type LessonNode<B extends ValidBlock = ValidBlock> = MarkdownNode | AdmonitionNode | BlockNode<B>;

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
  /** Those fences, with where they are, for the block type's verifyFence. */
  proseFences: ProseFence[];
  /** Links with an #anchor into a page of the course, checked once every page is parsed (anchors.ts). */
  anchorLinks: AnchorLink[];
  problems: Problem[];
  /** Blocks per type, every type of the block set listed. */
  blockCounts: Record<string, number>;
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

  // `top`: a chunk of the page itself, where the title H1 is looked for (never inside an admonition).
  const proseNode = (n: ProseNode, top: boolean): MarkdownNode | AdmonitionNode => {
    if (n.kind === 'admonition') return { ...n, children: n.children.map((c) => proseNode(c, false)) };
    const tree = parseMarkdown(n.text);
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
    checkReferences(tree, n.startLine, n.indent);
    return { kind: 'markdown', tree, startLine: n.startLine };
  };

  // A block's Markdown: the page's link and image rules, problems at the block's fence with the field's path.
  const blockProse: ReadProse = (text, at) => {
    const node = (n: ProseNode): MarkdownNode | AdmonitionNode => {
      if (n.kind === 'admonition') return { ...n, line: at.line, children: n.children.map(node) };
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

  const nodes: LessonNode<BlockDataOf<S>>[] = [];
  for (const seg of extractFences(fm.body, fm.bodyLine, types)) {
    if (seg.kind === 'prose') {
      for (const n of splitAdmonitions(seg.text, seg.startLine)) nodes.push(proseNode(n, true));
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
    if (node.ok) {
      const first = ids.get(node.id);
      if (first !== undefined) {
        const p = problem('DuplicateBlockId', { file, line: seg.line, block: type, path: 'id' }, { id: node.id, firstLine: first });
        nodes.push({ kind: 'block', type, id: node.id, line: seg.line, ok: false, problems: [p], source: seg.body });
        problems.push(p);
        continue;
      }
      ids.set(node.id, seg.line);
    } else problems.push(...node.problems);
    nodes.push(node);
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
    proseFences,
    anchorLinks,
    problems,
    blockCounts: counts,
  };
}

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

/** Parses and validates one block, then reads its Markdown fields with the page's rules. */
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
  const fail = (ps: Problem[], id = defaultId): BlockNode<BlockDataOf<S>> => ({
    kind: 'block',
    type,
    id,
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

  const { id, changed } = blockIdFor(raw['id'], defaultId);
  if (changed !== undefined) ctx.warn(problem('BlockIdChanged', { ...at, path: 'id' }, { given: changed, used: id }));
  const read = def.read(raw, { id, file, line: seg.line });
  if (!read.ok) return fail(read.problems, id);
  const prose: BlockProse = {};
  for (const m of read.markdown) prose[m.path] = ctx.prose(m.text, { line: seg.line, path: m.authorPath });
  return { kind: 'block', type, id, line: seg.line, ok: true, block: { type, data: read.data } as BlockDataOf<S>, prose };
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
