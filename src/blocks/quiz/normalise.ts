/**
 * Quiz variants (FORMAT.md §2):
 * A: a single `question` with `options: [{text, correct, feedback}]`;
 * B: `questions: [{question, options: [{text, correct, explanation}]}]`,
 *    where `explanation` plays the role of `feedback`.
 * `type: multiple-select` (or multi-select / checkbox) marks a question with
 * several right answers; anything else is single-answer.
 * The canonical shape itself (`questions` with `multiple`) reads as itself.
 */
import type { Normalised } from '../shared.ts';

const MULTI = new Set(['multiple-select', 'multi-select', 'multiselect', 'checkbox', 'multiple-answer']);

/** `explained` collects the indexes of options whose feedback the author wrote as `explanation`. */
function question(q: Record<string, unknown>, type: unknown, explained: Set<number>): Record<string, unknown> {
  const options = Array.isArray(q['options'])
    ? q['options'].map((o, i) => {
        if (o === null || typeof o !== 'object') return { text: o };
        const r = o as Record<string, unknown>;
        if (r['feedback'] === undefined && r['explanation'] !== undefined) explained.add(i);
        return { ...r, feedback: r['feedback'] ?? r['explanation'] };
      })
    : q['options'];
  // `multiple` is the canonical field (an MDX component's prop); `type` the fence's way to say it.
  const multiple = typeof q['multiple'] === 'boolean' ? q['multiple'] : MULTI.has(String(q['type'] ?? type ?? ''));
  return { question: q['question'], multiple, options };
}

export function normaliseQuiz(raw: Record<string, unknown>): Normalised {
  const explained: Set<number>[] = [];
  // Canonical `options.N.feedback` is the author's `explanation` where they wrote that.
  const feedbackKey = (q: number, p: (string | number)[]) =>
    p[0] === 'options' && typeof p[1] === 'number' && p[2] === 'feedback' && explained[q]?.has(p[1])
      ? ['options', p[1], 'explanation', ...p.slice(3)]
      : p;
  if (Array.isArray(raw['questions'])) {
    const questions = raw['questions'].map((q, i) => {
      explained[i] = new Set();
      return q !== null && typeof q === 'object' ? question(q as Record<string, unknown>, raw['type'], explained[i]) : q;
    });
    return {
      input: { id: raw['id'], title: raw['title'], questions },
      authorPath: (p) => (p[0] === 'questions' && typeof p[1] === 'number' ? ['questions', p[1], ...feedbackKey(p[1], p.slice(2))] : p),
    };
  }
  explained[0] = new Set();
  return {
    input: { id: raw['id'], title: raw['title'], questions: [question(raw, raw['type'], explained[0])] },
    // Canonical `questions.0.x` is the author's top-level `x`.
    authorPath: (p) => (p[0] === 'questions' && p[1] === 0 ? feedbackKey(0, p.slice(2)) : p),
  };
}
