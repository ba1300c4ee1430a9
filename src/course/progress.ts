/** The blocks that count towards a lesson's progress: its valid quizzes and exercises. */
import type { Lesson } from '../lesson/parse-lesson.ts';

export function progressIds(lesson: Lesson): string[] {
  return lesson.nodes.flatMap((n) => (n.kind === 'block' && n.ok && (n.type === 'quiz' || n.type === 'exercise') ? [n.id] : []));
}
