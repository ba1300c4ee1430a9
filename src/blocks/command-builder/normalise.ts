/**
 * Command-builder variants (FORMAT.md §2) → one list of pieces:
 * A  `options: [{flag, type: select|text|flag|toggle, label, explanation, choices, placeholder, required?}]`
 * B1 `groups: [{name, options: [{flag, description}]}]` — each option a switch
 * B2 `groups: [{name, flags: [{flag, description, options?: [{value, label}]}]}]`
 * C  `parts: [{name, key, required, options: [{label, value}]}]` — appended to
 *    `base` with no spaces, since parts are fragments of one expression.
 * A `toggle` whose choices have one non-empty value (`[[--routines, on],
 * ["", off]]`, or a single choice) is a switch that adds that value.
 *
 * The canonical shape itself (`pieces` with `kind`, and `join`) reads as itself.
 *
 * `conflicts:` (ours, see conflicts.ts) lists groups of flags or choice
 * values that cannot be combined: `[[--single-transaction, --lock-all-tables]]`
 * or `[{flags: [...], reason: ...}]`; an option may also say
 * `conflicts: [--lock-all-tables]` itself, which makes a group of its flag
 * and those.
 *
 * `requires:` (ours, see conflicts.ts) lists what the tool needs:
 * `[{flags: [-Fd], needs: [-f], reason: ...}]` (while -Fd is chosen, -f must
 * be too) or, without `flags`, `[{needs: [-d, -f]}]` (one of them always).
 */
import { readChoices, type Normalised } from '../shared.ts';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Choice labels that mean "this is the on state" (then a one-value toggle's switch needs no more words). */
const ON_WORDS = /^(on|yes|true|enabled?|with|include[sd]?)$/i;

function flatOption(o: Raw): Raw {
  const type = String(o['type'] ?? '').toLowerCase();
  const hasChoices = Array.isArray(o['choices']) || Array.isArray(o['options']);
  const choices = readChoices(o['choices'] ?? o['options']);
  const common = {
    flag: o['flag'] ?? '',
    label: o['label'] ?? o['name'] ?? o['description'] ?? o['flag'],
    explanation: o['explanation'] ?? (o['label'] !== undefined ? o['description'] : undefined),
    placeholder: o['placeholder'],
  };
  // `required: true` (ours, as in variant C) marks a value the tool cannot do without (`flock`'s lock file).
  const required = o['required'] === true;
  if (type === 'text' || type === 'input' || type === 'string') return { ...common, required, kind: 'text' };
  if (type === 'toggle' && Array.isArray(choices)) {
    const on = (choices as { value: unknown; label: unknown }[]).filter((c) => String(c.value ?? '').trim() !== '');
    const [only] = on;
    if (on.length === 1 && only && (typeof only.value === 'string' || typeof only.value === 'number')) {
      const label = String(only.label ?? '');
      return {
        ...common,
        kind: 'switch',
        flag: [String(common.flag ?? ''), String(only.value)]
          .map((s) => s.trim())
          .filter(Boolean)
          .join(' '),
        label: ON_WORDS.test(label.trim()) || label.trim() === '' ? common.label : `${String(common.label)}: ${label}`,
      };
    }
  }
  if (type === 'flag' || type === 'checkbox' || type === 'boolean' || ((type === 'toggle' || type === '') && !hasChoices))
    return { ...common, kind: 'switch' };
  return { ...common, required, kind: 'choice', choices };
}

function groupEntry(e: Raw, group: unknown): Raw {
  const base = { flag: e['flag'] ?? '', label: e['description'] ?? e['label'] ?? e['flag'], group };
  if (Array.isArray(e['options']) || Array.isArray(e['choices']))
    return { ...base, explanation: e['explanation'], kind: 'choice', choices: readChoices(e['options'] ?? e['choices']) };
  return { ...base, explanation: e['explanation'], kind: 'switch' };
}

/** Author conflict groups → `[{flags, reason}]`, with where each came from; options' own `conflicts:` become groups too. */
function readConflicts(raw: Raw, options: unknown): { groups: unknown; origin: (string | number)[][] } {
  const groups: unknown[] = [];
  const origin: (string | number)[][] = [];
  if (Array.isArray(raw['conflicts'])) {
    raw['conflicts'].forEach((g, i) => {
      groups.push(Array.isArray(g) ? { flags: g } : isObj(g) ? { flags: g['flags'] ?? g['options'], reason: g['reason'] } : g);
      origin.push(['conflicts', i]);
    });
  } else if (raw['conflicts'] !== undefined) return { groups: raw['conflicts'], origin };
  if (Array.isArray(options))
    options.forEach((o, i) => {
      if (!isObj(o) || o['conflicts'] === undefined) return;
      const others = Array.isArray(o['conflicts']) ? o['conflicts'] : [o['conflicts']];
      groups.push({ flags: [o['flag'], ...others] });
      origin.push(['options', i, 'conflicts']);
    });
  return { groups, origin };
}

export function normaliseCommandBuilder(raw: Raw): Normalised {
  const { groups: conflicts, origin: conflictOrigin } = readConflicts(raw, raw['options']);
  const head = {
    id: raw['id'],
    title: raw['title'],
    description: raw['description'],
    base: raw['base'],
    conflicts,
    requires: raw['requires'],
  };
  // `conflicts.N.flags.M` as written: `conflicts.N.M` for a plain list, the option's own `conflicts.M-1` (0 is its flag).
  const conflictPath = (p: (string | number)[]): (string | number)[] | undefined => {
    if (p[0] !== 'conflicts' || typeof p[1] !== 'number') return undefined;
    const from = conflictOrigin[p[1]];
    if (!from) return p;
    const rest = p.slice(2);
    if (from[0] === 'options') return typeof rest[1] === 'number' && rest[1] > 0 ? [...from, rest[1] - 1] : from.slice(0, 2);
    const g = Array.isArray(raw['conflicts']) ? raw['conflicts'][p[1]] : undefined;
    return Array.isArray(g) && rest[0] === 'flags' ? [...from, ...rest.slice(1)] : [...from, ...rest];
  };
  if (Array.isArray(raw['pieces']))
    return { input: { ...head, join: raw['join'] ?? 'space', pieces: raw['pieces'] }, authorPath: (p) => conflictPath(p) ?? p };
  if (Array.isArray(raw['parts'])) {
    const pieces = raw['parts'].map((p) =>
      isObj(p)
        ? { kind: 'choice', flag: '', label: p['name'] ?? p['key'], required: p['required'] === true, choices: readChoices(p['options']) }
        : p,
    );
    return {
      input: { ...head, join: 'concat', pieces },
      authorPath: (p) =>
        conflictPath(p) ?? (p[0] === 'pieces' ? ['parts', ...p.slice(1).map((k) => (k === 'choices' ? 'options' : k))] : p),
    };
  }
  if (Array.isArray(raw['groups'])) {
    const pieces: unknown[] = [];
    const origin: (string | number)[][] = [];
    const choiceKey: string[] = [];
    raw['groups'].forEach((g, gi) => {
      if (!isObj(g)) return;
      const key = Array.isArray(g['flags']) ? 'flags' : 'options';
      const entries = g[key];
      if (!Array.isArray(entries)) return;
      entries.forEach((e, ei) => {
        pieces.push(isObj(e) ? groupEntry(e, g['name']) : e);
        origin.push(['groups', gi, key, ei]);
        choiceKey.push(isObj(e) && e['choices'] !== undefined && e['options'] === undefined ? 'choices' : 'options');
      });
    });
    return {
      input: { ...head, join: 'space', pieces },
      authorPath: (p) => {
        const c = conflictPath(p);
        if (c) return c;
        if (p[0] !== 'pieces' || typeof p[1] !== 'number' || !origin[p[1]]) return p;
        const i = p[1];
        return [...(origin[i] ?? []), ...p.slice(2).map((k) => (k === 'choices' ? (choiceKey[i] ?? k) : k))];
      },
    };
  }
  const pieces = Array.isArray(raw['options']) ? raw['options'].map((o) => (isObj(o) ? flatOption(o) : o)) : raw['options'];
  return {
    input: { ...head, join: 'space', pieces },
    authorPath: (p) => conflictPath(p) ?? (p[0] === 'pieces' ? ['options', ...p.slice(1)] : p),
  };
}
