/**
 * The course the site is built from, loaded once per process. In strict
 * mode (DRILLBOOK_STRICT=1, used by CI for our own content) any error fails
 * the build with every problem listed; otherwise errors render as boxes on
 * their pages and are printed as warnings.
 */
import { formatProblem } from '../problems/catalogue.ts';
import { contentDir, siteBase, strictBuild } from './config.ts';
import { loadCourse, type Course, type NavSection } from './load-course.ts';
import type { CourseLesson as Lesson } from '../blocks/registry.ts';

// Shared through globalThis: Astro loads this module once for the config
// (integrations) and once for the pages, and the course should load once.
const CACHE = Symbol.for('drillbook.siteCourse');
const store = globalThis as typeof globalThis & { [CACHE]?: Course };

export class StrictContentError extends Error {
  override name = 'StrictContentError';
}

export function siteCourse(): Course {
  const hit = store[CACHE];
  if (hit) return hit;
  const course = loadCourse(contentDir(), siteBase());
  const errors = course.problems.filter((p) => p.severity === 'error');
  if (course.problems.length > 0) {
    process.stderr.write(`[drillbook] ${course.problems.length} content problem(s) in ${course.dir}:\n`);
    for (const p of course.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
  }
  if (strictBuild() && errors.length > 0) {
    throw new StrictContentError(
      `${errors.length} content error(s) in ${course.dir} (strict build):\n${errors.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  }
  store[CACHE] = course;
  return course;
}

/** Every section folder, depth-first. */
export function allSections(nav: NavSection): NavSection[] {
  return [nav, ...nav.sections.flatMap(allSections)];
}

/** The section a lesson is listed in. */
export function sectionOf(nav: NavSection, lesson: Lesson): NavSection | undefined {
  return allSections(nav).find((s) => s.index === lesson || s.pages.includes(lesson));
}
