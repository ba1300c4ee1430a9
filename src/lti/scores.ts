/**
 * What a placement is and what a learner scored in it. Pure: from the course
 * outline, the learner's events and their best lab attempts.
 *
 * A placement's target is a lesson (its quizzes and labs), one quiz or one
 * lab. Its maximum is the number of quiz questions plus the number of lab
 * checks; the score is the questions answered right (which answer counts:
 * DRILLBOOK_LTI_SCORE, first by default) plus the checks passed in the
 * learner's best lab attempt. Partial credit is sent as it grows:
 * activityProgress is Initialized (nothing yet), InProgress, or Completed
 * (every question answered and every lab passed); gradingProgress is
 * FullyGraded, since Drillbook grades every answer itself at once.
 */
import type { LiveColumn } from '../protocol/workshops.ts';
import type { StoredEvent } from '../store/results.ts';
import type { Outline } from '../workshops/outline.ts';

export type ScorePolicy = 'first' | 'best' | 'last';

export interface Target {
  kind: 'lesson' | 'quiz' | 'lab';
  id: string;
}

export interface Score {
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: 'Initialized' | 'InProgress' | 'Completed';
  gradingProgress: 'FullyGraded';
}

export function parseTarget(text: string): Target | null {
  const m = /^(lesson|quiz|lab):(.+)$/.exec(text);
  return m ? { kind: m[1] as Target['kind'], id: m[2]! } : null;
}

export const showTarget = (t: Target) => `${t.kind}:${t.id}`;

/** Whether the target names something in this course. */
export function knownTarget(outline: Outline, t: Target): boolean {
  if (t.kind === 'lesson') return outline.lessons.some((l) => l.route === t.id);
  return outline.blocks.get(t.id)?.type === t.kind;
}

/** The quizzes and labs a target scores, in course order. */
export function targetBlocks(outline: Outline, t: Target): LiveColumn[] {
  if (t.kind === 'lesson') return [...outline.blocks.values()].filter((c) => c.lesson === t.id);
  const c = outline.blocks.get(t.id);
  return c && c.type === t.kind ? [c] : [];
}

/** The site path a target opens (its lesson, at the block). */
export function targetPath(outline: Outline, t: Target): string {
  if (t.kind === 'lesson') return `/${t.id}/`;
  const c = outline.blocks.get(t.id);
  return c ? `/${c.lesson}/#${encodeURIComponent(c.id)}` : '/';
}

export function targetTitle(outline: Outline, t: Target): string {
  if (t.kind === 'lesson') return outline.lessons.find((l) => l.route === t.id)?.title ?? t.id;
  return outline.blocks.get(t.id)?.title ?? t.id;
}

export function maximumOf(blocks: LiveColumn[]): number {
  return blocks.reduce((n, c) => n + (c.type === 'quiz' ? c.questions.length : c.checks.length), 0);
}

/**
 * The learner's score in these blocks. `events` are theirs in commit order; `labPassed` has
 * the checks passed in their best attempt of each lab they tried.
 */
export function scoreOf(blocks: LiveColumn[], events: StoredEvent[], labPassed: Map<string, number>, policy: ScorePolicy): Score {
  let given = 0;
  let max = 0;
  let touched = 0;
  let complete = true;
  for (const c of blocks) {
    if (c.type === 'quiz') {
      max += c.questions.length;
      const answers = new Map<number, boolean[]>();
      for (const e of events) {
        if (e.kind !== 'quiz-answer' || e.block !== c.id || e.question === null || e.correct === null) continue;
        const list = answers.get(e.question) ?? [];
        list.push(e.correct);
        answers.set(e.question, list);
      }
      for (let q = 0; q < c.questions.length; q++) {
        const a = answers.get(q);
        if (!a || a.length === 0) {
          complete = false;
          continue;
        }
        touched++;
        const right = policy === 'first' ? a[0]! : policy === 'last' ? a[a.length - 1]! : a.includes(true);
        if (right) given++;
      }
    } else {
      max += c.checks.length;
      const passed = labPassed.get(c.id);
      if (passed === undefined) {
        complete = false;
        continue;
      }
      touched++;
      given += Math.min(passed, c.checks.length);
      if (passed < c.checks.length) complete = false;
    }
  }
  return {
    scoreGiven: given,
    scoreMaximum: max,
    activityProgress: touched === 0 ? 'Initialized' : complete ? 'Completed' : 'InProgress',
    gradingProgress: 'FullyGraded',
  };
}
