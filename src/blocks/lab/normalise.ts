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
  const checks = Array.isArray(raw['checks'])
    ? raw['checks'].map((c) => {
        if (c === null || typeof c !== 'object') return c;
        const r = c as Raw;
        return typeof r['needs'] === 'string' ? { ...r, needs: [r['needs']] } : r;
      })
    : raw['checks'];
  const mistakes = Array.isArray(raw['mistakes'])
    ? raw['mistakes'].map((m) => {
        if (m === null || typeof m !== 'object') return m;
        const r = m as Raw;
        return typeof r['fails'] === 'string' ? { ...r, fails: [r['fails']] } : r;
      })
    : raw['mistakes'];
  return { input: { ...raw, setup, tasks, checks, mistakes }, authorPath: (p) => p };
}
