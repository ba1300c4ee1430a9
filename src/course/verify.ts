/**
 * The checks a block type runs once per course, after parsing, because they
 * are slow or heavy (mermaid's parser for diagrams): each registered type's
 * `verify` on its valid blocks and `verifyFence` on its fences in prose. A
 * block that fails becomes an error box like any invalid block; every
 * problem joins its page's and the course's. The check command, the build's
 * strict pre-check and the site (site-course.ts) run this; plain
 * `loadCourse` (unit tests, the server's lab list) does not need it.
 */
import { blockRegistry, type BlockType } from '../blocks/registry.ts';
import type { BlockKind } from '../lesson/block-kind.ts';
import type { Course } from './load-course.ts';

export async function verifyCourse(course: Course): Promise<Course> {
  const items = new Map<string, { data?: unknown; source?: string }[]>();
  for (const page of course.pages) {
    for (const node of page.nodes)
      if (node.kind === 'block' && node.ok && blockRegistry[node.block.type].prepareVerify)
        items.set(node.block.type, [...(items.get(node.block.type) ?? []), { data: node.block.data }]);
    for (const f of page.proseFences) items.set(f.type, [...(items.get(f.type) ?? []), { source: f.source }]);
  }
  for (const [type, list] of items) await (blockRegistry[type as BlockType] as BlockKind<unknown> | undefined)?.prepareVerify?.(list);
  for (const page of course.pages) {
    for (let i = 0; i < page.nodes.length; i++) {
      const node = page.nodes[i];
      if (node?.kind !== 'block' || !node.ok) continue;
      const def = blockRegistry[node.block.type] as BlockKind<unknown>;
      const problems = (await def.verify?.(node.block.data, { file: page.file, line: node.line })) ?? [];
      if (problems.length === 0) continue;
      const source = node.block.type === 'mermaid' ? node.block.data.source : JSON.stringify(node.block.data, null, 2);
      page.nodes[i] = { kind: 'block', type: node.type, id: node.id, line: node.line, ok: false, problems, source };
      page.problems.push(...problems);
      course.problems.push(...problems);
    }
    for (const f of page.proseFences) {
      const def = blockRegistry[f.type as BlockType] as BlockKind<unknown> | undefined;
      const problems = (await def?.verifyFence?.(f.source, { file: page.file, line: f.line, path: f.path })) ?? [];
      page.problems.push(...problems);
      course.problems.push(...problems);
    }
  }
  return course;
}
