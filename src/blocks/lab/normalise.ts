/**
 * Lab input → canonical shape. Authors may write a setup step or a task as a
 * bare string (a shell step; a Markdown task), and a check's `needs` or a
 * mistake's `fails` as one id.
 */
import type { Normalised } from '../shared.ts';

type Raw = Record<string, unknown>;

export function normaliseLab(raw: Raw): Normalised {
  const setup = Array.isArray(raw['setup']) ? raw['setup'].map((s) => (typeof s === 'string' ? { shell: s } : s)) : raw['setup'];
  const tasks = typeof raw['tasks'] === 'string' ? [raw['tasks']] : raw['tasks'];
  const checks = idListIn(raw['checks'], 'needs');
  const mistakes = idListIn(raw['mistakes'], 'fails');
  return { input: { ...raw, setup, tasks, checks, mistakes }, authorPath: (p) => p };
}

/** In each mapping of `list`, a single id under `key` becomes a one-item list. */
function idListIn(list: unknown, key: string): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((item) => {
    if (item === null || typeof item !== 'object') return item;
    const r = item as Raw;
    return typeof r[key] === 'string' ? { ...r, [key]: [r[key]] } : r;
  });
}
