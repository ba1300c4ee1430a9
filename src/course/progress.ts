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
 * The attributes a lesson link carries for the progress marks (shell.ts
 * fills them in): the ids of its quizzes and of its exercises, or none.
 */
export function progressAttributes(lesson: Lesson): Record<string, string> {
  const { quizzes, exercises } = progressBlocks(lesson);
  if (quizzes.length + exercises.length === 0) return {};
  return { 'data-progress-quizzes': quizzes.join(' '), 'data-progress-exercises': exercises.join(' ') };
}
