/** Loading fixture lessons (tests/fixtures/<block>/<case>.md) for unit tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCourse, type Course } from '../../src/course/load-course.ts';
import { proseToHtml } from '../../src/render/prose.ts';
import type { CourseLesson as Lesson } from '../../src/blocks/registry.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const CONFORMANCE = fileURLToPath(new URL('../../../shared/conformance/course/', import.meta.url));

let course: Course | undefined;

/** The whole fixture course, parsed once. */
export function fixtureCourse(): Course {
  course ??= loadCourse(FIXTURES);
  return course;
}

/** One fixture page by its path under tests/fixtures, e.g. `quiz/single-question.md`. */
export function fixture(path: string): Lesson {
  const l = fixtureCourse().lessons.find((x) => x.file === path);
  if (!l) throw new Error(`no fixture ${path}`);
  return l;
}

export function fixtureSource(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/** A page's prose as the site renders it (its blocks left out), parts joined by line breaks. */
export async function proseHtml(lesson: Pick<Lesson, 'nodes'>): Promise<string> {
  return (await Promise.all(lesson.nodes.map((n) => (n.kind === 'block' ? '' : proseToHtml(n))))).join('\n');
}
