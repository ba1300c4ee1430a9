/**
 * Combinations of options. Options a tool refuses together (`mysqldump --single-transaction
 * --lock-all-tables`), declared by the author as `conflicts:` groups of flags
 * or choice values. Pure: the schema checks that every name matches
 * something in the builder, and the browser element disables what the
 * learner's current choices rule out, saying why.
 *
 * A name matches a piece whose flag holds it (the piece then conflicts
 * whenever it adds anything), or else one choice whose value (with the
 * piece's flag before it) holds it: every word of the name is one of that
 * text's words, a `--opt=value` word also counting as `--opt`. So
 * `--databases` matches the choice `--databases shop crm`, `--dbname`
 * matches `--dbname=shop`, and `-F p` matches the choice `p` of `-F`.
 */
import type { Selection } from './assemble.ts';

interface Choice {
  value: string;
}
interface Piece {
  kind: 'choice' | 'text' | 'switch';
  flag: string;
  choices: Choice[];
}
export interface Requirement {
  flags: string[];
  needs: string[];
  reason?: string | undefined;
}
export interface ConflictGroup {
  flags: string[];
  reason?: string | undefined;
}

/** A piece as a whole (`choice` undefined) or one of its choices. */
export interface Target {
  piece: number;
  choice?: number | undefined;
}

/** A piece, or one of its choices, that the current choices rule out, and why. */
export interface Blocked extends Target {
  /** The name (as the author wrote it in `conflicts:`) of the active option that rules it out. */
  by: string;
  reason?: string | undefined;
}

const words = (s: string): Set<string> => {
  const out = new Set<string>();
  for (const w of s.trim().split(/\s+/)) {
    if (w === '') continue;
    out.add(w);
    const eq = w.indexOf('=');
    if (eq > 0) out.add(w.slice(0, eq));
  }
  return out;
};

function holds(text: string, name: string): boolean {
  const have = words(text);
  const want = name.trim().split(/\s+/).filter(Boolean);
  return want.length > 0 && want.every((w) => have.has(w));
}

/** What `name` stands for in the builder: whole pieces by their flag, else single choices. */
export function targetsOf(pieces: readonly Piece[], name: string): Target[] {
  const whole = pieces.flatMap((p, i) => (p.flag.trim() !== '' && holds(p.flag, name) ? [{ piece: i }] : []));
  if (whole.length > 0) return whole;
  return pieces.flatMap((p, i) =>
    p.kind !== 'choice'
      ? []
      : p.choices.flatMap((c, ci) => (c.value.trim() !== '' && holds(`${p.flag} ${c.value}`, name) ? [{ piece: i, choice: ci }] : [])),
  );
}

/** Whether a target adds something to the command with these selections. */
function active(pieces: readonly Piece[], t: Target, sel: readonly Selection[]): boolean {
  const p = pieces[t.piece];
  const s = sel[t.piece];
  if (!p) return false;
  if (t.choice !== undefined) return s === t.choice;
  if (p.kind === 'switch') return s === true;
  if (p.kind === 'text') return typeof s === 'string' && s.trim() !== '';
  return typeof s === 'number' && (p.choices[s]?.value.trim() ?? '') !== '';
}

/**
 * What the current selections rule out: for each group with an active member,
 * every other member, unless it is the same piece (choices of one select
 * already exclude each other).
 */
export function blockedBy(pieces: readonly Piece[], groups: readonly ConflictGroup[], sel: readonly Selection[]): Blocked[] {
  const out: Blocked[] = [];
  for (const g of groups) {
    const members = g.flags.map((name) => ({ name, targets: targetsOf(pieces, name) }));
    for (const on of members) {
      const live = on.targets.find((t) => active(pieces, t, sel));
      if (!live) continue;
      for (const other of members) {
        if (other === on) continue;
        for (const t of other.targets) {
          if (t.piece === live.piece) continue;
          if (!out.some((b) => b.piece === t.piece && b.choice === t.choice)) out.push({ ...t, by: on.name, reason: g.reason });
        }
      }
    }
  }
  return out;
}

/** The sentence shown beside something ruled out. */
export function blockedText(b: Pick<Blocked, 'by' | 'reason'>): string {
  return `Not with ${b.by}${b.reason ? `: ${b.reason}` : '.'}`;
}

/** A requirement the current choices leave unmet: `by` the active option that needs it (none when always needed). */
export interface Unmet {
  by?: string | undefined;
  needs: string[];
  reason?: string | undefined;
}

const isOn = (pieces: readonly Piece[], name: string, sel: readonly Selection[]): boolean =>
  targetsOf(pieces, name).some((t) => active(pieces, t, sel));

/** The requirements the current selections do not meet, in the order declared. */
export function unmetRequirements(pieces: readonly Piece[], reqs: readonly Requirement[], sel: readonly Selection[]): Unmet[] {
  const out: Unmet[] = [];
  for (const r of reqs) {
    const by = r.flags.find((name) => isOn(pieces, name, sel));
    if (r.flags.length > 0 && by === undefined) continue;
    if (r.needs.some((name) => isOn(pieces, name, sel))) continue;
    out.push({ by, needs: r.needs, reason: r.reason });
  }
  return out;
}

/** The sentence shown while a requirement is unmet. */
export function unmetText(u: Unmet): string {
  return `Needs ${u.needs.join(' or ')}${u.by ? ` with ${u.by}` : ''}${u.reason ? `: ${u.reason}` : '.'}`;
}
