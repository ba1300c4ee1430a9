/**
 * The checks a block type runs once per course, after parsing, because they
 * are slow or heavy (mermaid's parser for diagrams): each registered type's
 * `verify` on its valid blocks and `verifyFence` on its fences in prose. A
 * block that fails becomes an error box like any invalid block; every
 * problem joins its page's and the course's. The check command, the build's
 * strict pre-check and the site (site-course.ts) run this; plain
 * `loadCourse` (unit tests, the server's lab list) does not need it.
 *
 * Each page is checked on its own: a page whose items are known (none, or
 * all in the build cache) is ready at once, one with a new diagram when the
 * worker has parsed that diagram. So the site can build pages while the
 * diagram checker is still on other pages' diagrams (startVerify), instead
 * of every page waiting for the whole course's checks.
 */
import { blockRegistry, type BlockType, type CourseLesson } from '../blocks/registry.ts';
import type { BlockKind } from '../lesson/block-kind.ts';
import type { Problem } from '../problems/catalogue.ts';
import type { Course } from './load-course.ts';

export interface Verifying {
  /** The course being checked (its pages change in place as results come). */
  course: Course;
  /** Per page: settles once that page's items are checked (its nodes and problems final); rejects if a check failed to run. */
  pages: Map<CourseLesson, Promise<void>>;
  /** The course once every page is checked, its problems in page order, as verifyCourse gives it. */
  done: Promise<Course>;
}

/** Every page's checks, started now (see Verifying). Pages and the course are changed in place as results come. */
export function startVerify(course: Course): Verifying {
  const items = new Map<string, { data?: unknown; source?: string }[]>();
  for (const page of course.pages) {
    for (const node of page.nodes)
      if (node.kind === 'block' && node.ok && blockRegistry[node.block.type].prepareVerify)
        items.set(node.block.type, [...(items.get(node.block.type) ?? []), { data: node.block.data }]);
    for (const f of page.proseFences) items.set(f.type, [...(items.get(f.type) ?? []), { source: f.source }]);
  }
  for (const [type, list] of items) (blockRegistry[type as BlockType] as BlockKind<unknown> | undefined)?.prepareVerify?.(list);
  const checks = course.pages.map((page) => verifyPage(page));
  const pages = new Map(course.pages.map((page, i) => [page, checks[i]!.then(() => undefined)]));
  // A page nobody waits for (the check command waits for `done` only) must not leave an unhandled rejection behind.
  for (const p of pages.values()) p.catch(() => undefined);
  const done = Promise.all(checks).then((found) => {
    course.problems.push(...found.flat());
    return course;
  });
  return { course, pages, done };
}

/** Whether the page has anything for these checks (a page without is ready as soon as it is parsed). */
export function hasChecks(page: CourseLesson): boolean {
  return (
    page.proseFences.some((f) => (blockRegistry[f.type as BlockType] as BlockKind<unknown> | undefined)?.verifyFence) ||
    page.nodes.some((n) => n.kind === 'block' && n.ok && (blockRegistry[n.block.type] as BlockKind<unknown>).verify)
  );
}

export function verifyCourse(course: Course): Promise<Course> {
  return startVerify(course).done;
}

/** One page's checks, its nodes and problems updated; what it found, for the course's list. */
async function verifyPage(page: CourseLesson): Promise<Problem[]> {
  const found: Problem[] = [];
  for (let i = 0; i < page.nodes.length; i++) {
    const node = page.nodes[i];
    if (node?.kind !== 'block' || !node.ok) continue;
    const def = blockRegistry[node.block.type] as BlockKind<unknown>;
    if (!def.verify) continue;
    const problems = await def.verify(node.block.data, { file: page.file, line: node.line });
    if (problems.length === 0) continue;
    const source = node.block.type === 'mermaid' ? node.block.data.source : JSON.stringify(node.block.data, null, 2);
    page.nodes[i] = { kind: 'block', type: node.type, id: node.id, line: node.line, ok: false, problems, source };
    found.push(...problems);
  }
  for (const f of page.proseFences) {
    const def = blockRegistry[f.type as BlockType] as BlockKind<unknown> | undefined;
    found.push(...((await def?.verifyFence?.(f.source, { file: page.file, line: f.line, path: f.path })) ?? []));
  }
  page.problems.push(...found);
  return found;
}
