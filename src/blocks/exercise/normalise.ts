/**
 * Exercise variants (FORMAT.md §2) → one shape:
 * A  `scenario`, `hints`, `solution` (+ `difficulty`)
 * B  `type: scenario`, `scenario`, `tasks: [{task, hint, answer}]`
 * C  `description`, `tasks: [{prompt, hint, solution}]`
 * D  `type: code`, `language`, `description`, `starter`, `hints`, `solution`
 * E  `scenario`, `initial_code`, `solution`, `hint` (singular, no title)
 * The canonical shape itself (`prompt`/`answer` tasks, `solutionCode`) reads as itself.
 */
import type { Normalised } from '../shared.ts';
import { fenceBareCode } from './bare-code.ts';

type Raw = Record<string, unknown>;

const TASK_FIELDS: Record<string, string[]> = { prompt: ['task', 'prompt', 'question'], answer: ['answer', 'solution'] };

function pick(o: Raw, keys: string[]): [string | undefined, unknown] {
  for (const k of keys) if (o[k] !== undefined) return [k, o[k]];
  return [undefined, undefined];
}

export function normaliseExercise(raw: Raw): Normalised {
  const [starterKey, starter] = pick(raw, ['starter', 'initial_code', 'starter_code']);
  const [hintsKey, hints] = pick(raw, ['hints', 'hint']);
  const isCode = raw['type'] === 'code' || starter !== undefined || raw['solutionCode'] !== undefined;
  const language = typeof raw['language'] === 'string' ? raw['language'] : undefined;
  // Hints, answers and solutions written as bare code are shown as code (bare-code.ts).
  const hintList = hints === undefined ? undefined : Array.isArray(hints) ? hints : [hints];
  const taskKeys: Record<number, Record<string, string>> = {};
  const tasks = Array.isArray(raw['tasks'])
    ? raw['tasks'].map((t, i) => {
        if (t === null || typeof t !== 'object') return { prompt: t };
        const r = t as Raw;
        const [pk, prompt] = pick(r, TASK_FIELDS['prompt'] as string[]);
        const [ak, answer] = pick(r, TASK_FIELDS['answer'] as string[]);
        taskKeys[i] = { prompt: pk ?? 'task', answer: ak ?? 'answer' };
        return { prompt, hint: fenceBareCode(r['hint'], language), answer: fenceBareCode(answer, language) };
      })
    : raw['tasks'];
  const input: Raw = {
    id: raw['id'],
    title: raw['title'],
    difficulty: raw['difficulty'],
    description: raw['description'],
    scenario: raw['scenario'],
    language: raw['language'],
    starter,
    hints: hintList?.map((h) => fenceBareCode(h, language)),
    tasks,
    // A code exercise's solution is code, shown highlighted; any other is Markdown.
    [isCode ? 'solutionCode' : 'solution']: isCode ? (raw['solutionCode'] ?? raw['solution']) : fenceBareCode(raw['solution'], language),
  };
  return {
    input,
    authorPath: (p) => {
      if (p[0] === 'starter' && starterKey) return [starterKey, ...p.slice(1)];
      if (p[0] === 'solutionCode' && raw['solutionCode'] === undefined) return ['solution', ...p.slice(1)];
      if (p[0] === 'hints' && hintsKey === 'hint') return ['hint'];
      if (p[0] === 'tasks' && typeof p[1] === 'number' && typeof p[2] === 'string') {
        return ['tasks', p[1], taskKeys[p[1]]?.[p[2]] ?? p[2], ...p.slice(3)];
      }
      return p;
    },
  };
}
