/** Small accessors over parsed lessons, shared by the unit tests. */
import type { Root, RootContent } from 'mdast';
import { visit } from 'unist-util-visit';
import type { BlockData, BlockType, CourseBlockNode, CourseLesson } from '../../src/blocks/registry.ts';
import type { Problem } from '../../src/problems/catalogue.ts';
import type { AdmonitionNode, Lesson, LessonNode, MarkdownNode } from '../../src/lesson/parse-lesson.ts';

/** The block nodes of a lesson, in page order. */
export function blocksOf(lesson: CourseLesson): CourseBlockNode[] {
  return lesson.nodes.filter((n): n is CourseBlockNode => n.kind === 'block');
}

/** The validated data of the only (or the n-th) block of `type`; throws if it failed validation. */
type DataOf<T extends BlockType> = Extract<BlockData, { type: T }>['data'];

export function dataOf<T extends BlockType>(lesson: CourseLesson, type: T, n = 0): DataOf<T> {
  const node = blocksOf(lesson).filter((b) => b.type === type)[n];
  if (!node) throw new Error(`${lesson.file}: no ${type} block #${n}`);
  if (!node.ok) throw new Error(`${lesson.file}: ${type} block #${n} failed: ${node.problems.map((p) => p.message).join('; ')}`);
  return node.block.data as unknown as DataOf<T>;
}

/** What a user sees of a problem, without the column (which depends on the renderer's counting). */
export function seen(p: Problem): Pick<Problem, 'name' | 'severity' | 'file' | 'line' | 'block' | 'path' | 'message'> {
  return { name: p.name, severity: p.severity, file: p.file, line: p.line, block: p.block, path: p.path, message: p.message };
}

/** Every Markdown tree of the lesson, including those inside admonitions. */
export function treesOf(lesson: Lesson): Root[] {
  const out: Root[] = [];
  const walk = (n: LessonNode | MarkdownNode | AdmonitionNode) => {
    if (n.kind === 'markdown') out.push(n.tree);
    else if (n.kind === 'admonition') n.children.forEach(walk);
  };
  lesson.nodes.forEach(walk);
  return out;
}

/** mdast nodes of one type across the lesson's prose, in order. */
export function mdNodes<T extends RootContent['type']>(lesson: Lesson, type: T): Extract<RootContent, { type: T }>[] {
  const out: RootContent[] = [];
  for (const tree of treesOf(lesson))
    visit(tree, (n) => {
      if (n.type === type) out.push(n as RootContent);
    });
  return out as Extract<RootContent, { type: T }>[];
}

export function admonitionsOf(lesson: Lesson): AdmonitionNode[] {
  return lesson.nodes.filter((n): n is AdmonitionNode => n.kind === 'admonition');
}
