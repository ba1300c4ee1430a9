/**
 * The stuck rules of the live class view, pure and without zod so the page
 * imports them as they are (it re-evaluates "no activity" as time passes).
 */
import type { LiveRow } from './workshops.ts';

/** The stuck rules of the live view. */
export const STUCK = { sameCheckFails: 3, idleMs: 10 * 60_000 } as const;

export type StuckFlag =
  { kind: 'failing'; lab: string; check: string; times: number } | { kind: 'idle'; minutes: number } | { kind: 'limit'; text: string };

/** Why a learner looks stuck now (empty: not stuck). */
export function stuckFlags(row: LiveRow, nowMs: number): StuckFlag[] {
  const out: StuckFlag[] = [];
  for (const [lab, cell] of Object.entries(row.labs))
    for (const [check, times] of Object.entries(cell.failing))
      if (times >= STUCK.sameCheckFails) out.push({ kind: 'failing', lab, check, times });
  const idle = nowMs - Date.parse(row.lastActivity);
  if (idle >= STUCK.idleMs) out.push({ kind: 'idle', minutes: Math.floor(idle / 60_000) });
  if (row.limit) out.push({ kind: 'limit', text: row.limit });
  return out;
}
