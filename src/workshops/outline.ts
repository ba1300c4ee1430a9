/**
 * The course as a workshop sees it: its lessons in course order, and in each
 * the quiz blocks (with each question's options and right answers, so the
 * server judges answers itself) and labs. Pure: built from a loaded Course.
 */
import type { Course } from '../course/load-course.ts';
import type { LiveColumn, LiveLesson } from '../protocol/workshops.ts';

export interface Outline {
  lessons: LiveLesson[];
  /** Quiz and lab columns by block id. */
  blocks: Map<string, LiveColumn>;
  /** Exercise block ids (events about them are kept; they are not columns). */
  exercises: Set<string>;
  /** Lesson route by lab id. */
  labLesson: Map<string, string>;
}

export function courseOutline(course: Course): Outline {
  const lessons: LiveLesson[] = [];
  const blocks = new Map<string, LiveColumn>();
  const exercises = new Set<string>();
  const labLesson = new Map<string, string>();
  for (const l of course.lessons) {
    const labs: string[] = [];
    for (const n of l.nodes) {
      if (n.kind !== 'block' || !n.ok) continue;
      const b = n.block;
      if (b.type === 'quiz') {
        blocks.set(n.id, {
          type: 'quiz',
          id: n.id,
          lesson: l.route,
          title: b.data.title ?? `Quiz in ${l.title}`,
          questions: b.data.questions.map((q) => ({
            text: q.question,
            options: q.options.map((o) => o.text),
            correct: q.options.flatMap((o, i) => (o.correct ? [i] : [])),
          })),
        });
      } else if (b.type === 'lab') {
        blocks.set(n.id, {
          type: 'lab',
          id: n.id,
          lesson: l.route,
          title: b.data.title,
          checks: b.data.checks.map((c) => ({ id: c.id, title: c.title })),
        });
        labs.push(n.id);
        labLesson.set(n.id, l.route);
      } else if (b.type === 'exercise') exercises.add(n.id);
    }
    lessons.push({ route: l.route, title: l.title, labs });
  }
  return { lessons, blocks, exercises, labLesson };
}

/**
 * The lesson routes `refs` name (a route, or a route's last segment when that is unambiguous);
 * throws with the refs it cannot place.
 */
export function resolveLessons(outline: Outline, refs: string[]): string[] {
  const out: string[] = [];
  const bad: string[] = [];
  for (const raw of refs) {
    const ref = raw.trim().replace(/^\/+|\/+$/g, '');
    const exact = outline.lessons.find((l) => l.route === ref);
    const tail = outline.lessons.filter((l) => l.route.split('/').pop() === ref);
    const hit = exact ?? (tail.length === 1 ? tail[0] : undefined);
    if (hit) {
      if (!out.includes(hit.route)) out.push(hit.route);
    } else bad.push(tail.length > 1 ? `"${raw}" (several lessons end so: ${tail.map((t) => t.route).join(', ')})` : `"${raw}"`);
  }
  if (bad.length > 0)
    throw new Error(
      `no such lesson in the course: ${bad.join(', ')}. Name lessons by their route, e.g. ${outline.lessons.find((l) => l.route)?.route ?? 'operations/lab-backup-rotation'}`,
    );
  return out;
}

/** The columns of a workshop: quizzes and labs of its lessons (all lessons when it names none), in course order. */
export function workshopColumns(outline: Outline, lessons: string[]): { lessons: LiveLesson[]; columns: LiveColumn[] } {
  const chosen = lessons.length === 0 ? outline.lessons : outline.lessons.filter((l) => lessons.includes(l.route));
  const set = new Set(chosen.map((l) => l.route));
  return { lessons: chosen, columns: [...outline.blocks.values()].filter((c) => set.has(c.lesson)) };
}

/** Whether `choice` is the right answer to question `q` of a quiz column. */
export function judge(col: Extract<LiveColumn, { type: 'quiz' }>, q: number, choice: number[]): boolean | undefined {
  const question = col.questions[q];
  if (!question) return undefined;
  if (choice.some((c) => c >= question.options.length)) return undefined;
  const right = question.correct;
  return right.length === choice.length && right.every((r) => choice.includes(r));
}
