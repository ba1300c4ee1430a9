/**
 * Command-builder variants (FORMAT.md §2) → one list of pieces:
 * A  `options: [{flag, type: select|text|flag|toggle, label, explanation, choices, placeholder}]`
 * B1 `groups: [{name, options: [{flag, description}]}]` — each option a switch
 * B2 `groups: [{name, flags: [{flag, description, options?: [{value, label}]}]}]`
 * C  `parts: [{name, key, required, options: [{label, value}]}]` — appended to
 *    `base` with no spaces, since parts are fragments of one expression.
 */
import { readChoices, type Normalised } from '../shared.ts';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

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
  if (type === 'text' || type === 'input' || type === 'string') return { ...common, kind: 'text' };
  if (type === 'flag' || type === 'checkbox' || type === 'boolean' || ((type === 'toggle' || type === '') && !hasChoices))
    return { ...common, kind: 'switch' };
  return { ...common, kind: 'choice', choices };
}

function groupEntry(e: Raw, group: unknown): Raw {
  const base = { flag: e['flag'] ?? '', label: e['description'] ?? e['label'] ?? e['flag'], group };
  if (Array.isArray(e['options']) || Array.isArray(e['choices']))
    return { ...base, explanation: e['explanation'], kind: 'choice', choices: readChoices(e['options'] ?? e['choices']) };
  return { ...base, explanation: e['explanation'], kind: 'switch' };
}

export function normaliseCommandBuilder(raw: Raw): Normalised {
  const head = { id: raw['id'], title: raw['title'], description: raw['description'], base: raw['base'] };
  if (Array.isArray(raw['parts'])) {
    const pieces = raw['parts'].map((p) =>
      isObj(p)
        ? { kind: 'choice', flag: '', label: p['name'] ?? p['key'], required: p['required'] === true, choices: readChoices(p['options']) }
        : p,
    );
    return {
      input: { ...head, join: 'concat', pieces },
      authorPath: (p) => (p[0] === 'pieces' ? ['parts', ...p.slice(1).map((k) => (k === 'choices' ? 'options' : k))] : p),
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
        if (p[0] !== 'pieces' || typeof p[1] !== 'number' || !origin[p[1]]) return p;
        const i = p[1];
        return [...(origin[i] ?? []), ...p.slice(2).map((k) => (k === 'choices' ? (choiceKey[i] ?? k) : k))];
      },
    };
  }
  const pieces = Array.isArray(raw['options']) ? raw['options'].map((o) => (isObj(o) ? flatOption(o) : o)) : raw['options'];
  return {
    input: { ...head, join: 'space', pieces },
    authorPath: (p) => (p[0] === 'pieces' ? ['options', ...p.slice(1)] : p),
  };
}
