/** The labs of a course, by id, with where each is written. */
import type { Lab } from '../blocks/lab/schema.ts';
import type { Course } from '../course/load-course.ts';

export interface CourseLab {
  lab: Lab;
  /** Block id (the lab's `id:`), unique in the course. */
  id: string;
  file: string;
  line: number;
  route: string;
}

export function courseLabs(course: Course): Map<string, CourseLab> {
  const out = new Map<string, CourseLab>();
  for (const lesson of course.lessons) {
    for (const node of lesson.nodes) {
      if (node.kind !== 'block' || !node.ok || node.block.type !== 'lab') continue;
      if (out.has(node.id)) {
        const first = out.get(node.id)!;
        throw new Error(
          `${lesson.file}:${node.line}: lab id "${node.id}" is already used by ${first.file}:${first.line}; lab ids must be unique in a course`,
        );
      }
      out.set(node.id, { lab: node.block.data, id: node.id, file: lesson.file, line: node.line, route: lesson.route });
    }
  }
  return out;
}
