/**
 * Links into a page (`page.md#anchor`, `#anchor`) checked against the ids
 * that page really has. Needs every page parsed first, so it runs over the
 * whole course (src/course/load-course.ts calls it); pure otherwise.
 */
import { problem, type ProblemLocation } from '../problems/catalogue.ts';
import type { Lesson } from './parse-lesson.ts';

export interface AnchorLink {
  /** The link as written. */
  url: string;
  /** Route of the page it points into. */
  route: string;
  /** The decoded fragment, without "#". */
  anchor: string;
  at: ProblemLocation;
}

/** Fragments every page answers without an element of that id (HTML scrolls to the top). */
const ALWAYS = new Set(['top']);

/** Adds a LinkAnchorMissing warning to each lesson with a link whose anchor names no id on its target page. */
export function checkAnchors(lessons: readonly Lesson[]): void {
  const byRoute = new Map(lessons.map((l) => [l.route, l]));
  for (const lesson of lessons) {
    for (const link of lesson.anchorLinks) {
      const target = byRoute.get(link.route);
      if (!target || ALWAYS.has(link.anchor) || target.ids.includes(link.anchor)) continue;
      const headings = target.headings.map((h) => h.id);
      lesson.problems.push(
        problem('LinkAnchorMissing', link.at, {
          target: link.url,
          anchor: link.anchor,
          self: target === lesson,
          known: headings.length > 8 ? [...headings.slice(0, 8), '…'] : headings,
        }),
      );
    }
  }
}
