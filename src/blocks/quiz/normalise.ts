/**
 * Quiz variants (FORMAT.md §2):
 * A: a single `question` with `options: [{text, correct, feedback}]`;
 * B: `questions: [{question, options: [{text, correct, explanation}]}]`,
 *    where `explanation` plays the role of `feedback`.
 * `type: multiple-select` (or multi-select / checkbox) marks a question with
 * several right answers; anything else is single-answer.
 */
import type { Normalised } from '../shared.ts';

const MULTI = new Set(['multiple-select', 'multi-select', 'multiselect', 'checkbox', 'multiple-answer']);

function question(q: Record<string, unknown>, type: unknown): Record<string, unknown> {
  const options = Array.isArray(q['options'])
    ? q['options'].map((o) => {
        if (o === null || typeof o !== 'object') return { text: o };
        const r = o as Record<string, unknown>;
        return { ...r, feedback: r['feedback'] ?? r['explanation'] };
      })
    : q['options'];
  return { question: q['question'], multiple: MULTI.has(String(q['type'] ?? type ?? '')), options };
}

export function normaliseQuiz(raw: Record<string, unknown>): Normalised {
  if (Array.isArray(raw['questions'])) {
    const questions = raw['questions'].map((q) =>
      q !== null && typeof q === 'object' ? question(q as Record<string, unknown>, raw['type']) : q,
    );
    return { input: { id: raw['id'], title: raw['title'], questions }, authorPath: (p) => p };
  }
  return {
    input: { id: raw['id'], title: raw['title'], questions: [question(raw, raw['type'])] },
    // Canonical `questions.0.x` is the author's top-level `x`.
    authorPath: (p) => (p[0] === 'questions' && p[1] === 0 ? p.slice(2) : p),
  };
}
