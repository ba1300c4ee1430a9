/** The blocks that count towards a lesson's progress: its valid quizzes and exercises, by kind. */
import type { Lesson } from '../lesson/parse-lesson.ts';

export interface ProgressBlocks {
  quizzes: string[];
  exercises: string[];
}

export function progressBlocks(lesson: Lesson): ProgressBlocks {
  const ids = (type: string) => lesson.nodes.flatMap((n) => (n.kind === 'block' && n.ok && n.type === type ? [n.id] : []));
  return { quizzes: ids('quiz'), exercises: ids('exercise') };
}

/**
 * Each lesson's attributes, worked out once: every page's sidebar links to
 * every lesson, so a build asked pages × lessons times (~12,000 walks over a
 * lesson's blocks on a 105-page course). Keyed by the lesson object, which a
 * changed page replaces.
 */
const attributesOf = new WeakMap<Lesson, Record<string, string>>();

/**
 * The attributes a lesson link carries for the progress marks (shell.ts
 * fills them in): the ids of its quizzes and of its exercises, or none.
 */
export function progressAttributes(lesson: Lesson): Record<string, string> {
  let attrs = attributesOf.get(lesson);
  if (!attrs) {
    const { quizzes, exercises } = progressBlocks(lesson);
    attrs =
      quizzes.length + exercises.length === 0
        ? {}
        : { 'data-progress-quizzes': quizzes.join(' '), 'data-progress-exercises': exercises.join(' ') };
    attributesOf.set(lesson, attrs);
  }
  return { ...attrs };
}
