/**
 * What a cell of the live class view says (pure: no DOM, so it is tested as
 * it is): a quiz answered right / wrong / partly, a lab started, its checks
 * passed n of m, or its solution shown. `state` is the cell's data-cell
 * attribute (styles and tests read it), `text` what the instructor reads.
 */
import type { LiveColumn, LiveRow } from '../protocol/workshops.ts';

export type Cell = { state: string; text: string };

export function quizCell(col: Extract<LiveColumn, { type: 'quiz' }>, row: LiveRow): Cell {
  const answers = row.quizzes[col.id];
  const given = answers ? Object.values(answers) : [];
  if (given.length === 0) return { state: 'none', text: '—' };
  const right = given.filter((a) => a.correct).length;
  const n = col.questions.length;
  if (right === n) return { state: 'right', text: `✓ ${right}/${n}` };
  if (given.length > right) return { state: 'wrong', text: `✗ ${right}/${n} right` };
  return { state: 'partial', text: `${right}/${n}` };
}

export function labCell(col: Extract<LiveColumn, { type: 'lab' }>, row: LiveRow): Cell {
  const c = row.labs[col.id];
  if (!c) return { state: 'none', text: '—' };
  const total = c.total || col.checks.length;
  if (c.gaveUp) return { state: 'solution', text: `solution shown · ${c.passed}/${total}` };
  if (c.attempts > 0 && c.passed === total) return { state: 'passed', text: `✓ ${c.passed}/${total} checks` };
  if (c.attempts > 0) return { state: 'started', text: `${c.passed}/${total} checks` };
  return { state: 'started', text: 'started' };
}

export function cellOf(col: LiveColumn, row: LiveRow): Cell {
  return col.type === 'quiz' ? quizCell(col, row) : labCell(col, row);
}
